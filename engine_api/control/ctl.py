"""``engine-emu ctl``: the control API from the command line.

Each subcommand is one request; its JSON answer is printed. A refusal prints the engine's fault
and exits 1. The engine is ``--url`` (or ``ENGINE_EMU_URL``, default ``http://127.0.0.1:8080``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable

from engine_api.control.client import ControlClient, ControlError, env_url
from engine_api.control.fault_rules import FAULTS

#: A subcommand: the request it makes from its arguments, as (method, path, body, query).
Request = tuple[str, str, Any, Any]


def add_parser(commands: Any) -> None:
    """Add ``ctl`` and its subcommands to the ``engine-emu`` parser's ``commands``."""
    ctl = commands.add_parser("ctl", help="reset, snapshot, time, journal and fault controls of a running engine")
    ctl.add_argument("--url", default=env_url(), help="the engine (default $ENGINE_EMU_URL or http://127.0.0.1:8080)")
    ctl.add_argument("--user", default=os.environ.get("ENGINE_EMU_USER", "admin@internal"))
    ctl.add_argument("--password", default=os.environ.get("ENGINE_EMU_PASSWORD", "admin"))
    ctl.add_argument("--insecure", action="store_true", help="do not verify the engine's TLS certificate")
    ctl.add_argument("--ca-file", help="the CA that signed the engine's TLS certificate")
    ctl.set_defaults(func=run)
    actions = ctl.add_subparsers(dest="control", required=True)

    reset = actions.add_parser("reset", help="delete the whole state and seed a scenario")
    reset.add_argument("scenario", nargs="?", default="demo", help="demo, empty or scale:N (default demo)")
    reset.add_argument("--unsettled", action="store_true",
                       help="leave the scenario's pending transitions to apply when due")
    reset.add_argument("--fresh", action="store_true", help="seed anew, with new ids")
    reset.set_defaults(request=lambda a: ("POST", "/reset", {"scenario": a.scenario, "settled": not a.unsettled,
                                                             "fresh": a.fresh}, None))

    snapshot = actions.add_parser("snapshot", help="save, restore, list or delete named snapshots of the state")
    snapshots = snapshot.add_subparsers(dest="snapshot", required=True)
    for name, help_text, request in (
            ("save", "save the whole state as NAME", lambda a: ("POST", "/snapshots", {"name": a.name}, None)),
            ("restore", "put back the state NAME holds", lambda a: ("POST", f"/snapshots/{a.name}/restore", None,
                                                                   None)),
            ("delete", "forget snapshot NAME", lambda a: ("DELETE", f"/snapshots/{a.name}", None, None))):
        action = snapshots.add_parser(name, help=help_text)
        action.add_argument("name")
        action.set_defaults(request=request)
    snapshots.add_parser("list", help="the saved snapshots").set_defaults(
        request=lambda a: ("GET", "/snapshots", None, None))

    time = actions.add_parser("time", help="show or set how transitions advance: auto or manual, and a speed")
    time.add_argument("--mode", choices=("auto", "manual"))
    time.add_argument("--speed", type=float, help="the factor dividing every transition's delay")
    time.set_defaults(request=_time)

    advance = actions.add_parser("advance", help="apply waiting transitions now")
    advance.add_argument("--entity", help="only this VM's (or host's, disk's…) steps")
    advance.add_argument("--steps", type=int, help="rounds to apply (default: until none waits)")
    advance.set_defaults(request=lambda a: ("POST", "/time/advance",
                                            {k: v for k, v in (("entity", a.entity), ("steps", a.steps)) if v},
                                            None))

    journal = actions.add_parser("journal", help="the requests the engine served: list, count, clear, settings")
    journals = journal.add_subparsers(dest="journal", required=True)
    for name, help_text, path in (("list", "the requests that match the filters, oldest first", "/journal"),
                                  ("count", "how many requests match the filters", "/journal/count")):
        action = journals.add_parser(name, help=help_text)
        _journal_filters(action)
        action.set_defaults(request=lambda a, path=path: ("GET", path, None, _journal_query(a)))
    journals.add_parser("clear", help="forget every request").set_defaults(
        request=lambda a: ("DELETE", "/journal", None, None))
    settings = journals.add_parser("settings", help="show or change how much the journal keeps")
    settings.add_argument("--capacity", type=int, help="requests kept at most (0: record none)")
    settings.add_argument("--body-bytes", type=int, help="bytes of each body kept")
    settings.add_argument("--max-bytes", type=int, help="bytes of bodies and statements kept in all")
    settings.set_defaults(request=_journal_settings)

    fault = actions.add_parser("faults", help="fault rules: add, list, get, remove, clear")
    faults = fault.add_subparsers(dest="faults", required=True)
    add = faults.add_parser("add", help="answer matching requests with a fault, late, cut short or not at all")
    add.add_argument("--path", default="**", help="a glob: * within a segment, ** across; relative to the API "
                                                  "root unless it starts with / (default: any path)")
    add.add_argument("--method", help="GET, or several: GET,POST (default: any)")
    add.add_argument("--header", help="Name, or Name:value (a glob)")
    add.add_argument("--body", help="a regular expression found in the request body")
    answer = add.add_mutually_exclusive_group()
    answer.add_argument("--status", type=int, help="answer an oVirt fault with this status")
    answer.add_argument("--fault", choices=FAULTS, help="drop, reset, malformed, empty, truncated (or status)")
    add.add_argument("--detail", help="the detail of a status fault")
    add.add_argument("--retry-after", type=int, help="seconds of a status fault's Retry-After")
    delay = add.add_mutually_exclusive_group()
    delay.add_argument("--delay", type=float, metavar="SECONDS", help="a fixed latency")
    delay.add_argument("--uniform", metavar="LOWER:UPPER", help="a latency drawn uniformly, in seconds")
    delay.add_argument("--lognormal", metavar="MEDIAN:SIGMA", help="a latency drawn log-normally, in seconds")
    add.add_argument("--max-delay", type=float, help="a ceiling on a drawn latency")
    add.add_argument("--probability", type=float, help="the chance it applies to a match, 0 to 1")
    add.add_argument("--times", type=int, help="apply to so many requests, then remove the rule")
    add.add_argument("--seed", type=int, help="the seed of its draws")
    add.set_defaults(request=_fault_rule)
    faults.add_parser("list", help="the rules, in the order they apply").set_defaults(
        request=lambda a: ("GET", "/faults", None, None))
    for name, help_text, method in (("get", "the rule ID", "GET"), ("remove", "remove the rule ID", "DELETE")):
        action = faults.add_parser(name, help=help_text)
        action.add_argument("id")
        action.set_defaults(request=lambda a, method=method: (method, f"/faults/{a.id}", None, None))
    faults.add_parser("clear", help="remove every rule").set_defaults(
        request=lambda a: ("DELETE", "/faults", None, None))


def _time(args: argparse.Namespace) -> Request:
    change = {key: value for key, value in (("mode", args.mode), ("speed", args.speed)) if value is not None}
    return ("PUT", "/time", change, None) if change else ("GET", "/time", None, None)


def _journal_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--method", help="GET, or several: GET,POST")
    parser.add_argument("--path", help="a glob: * within a segment, ** across (/ovirt-engine/api/vms/*)")
    parser.add_argument("--header", help="Name (sent at all) or Name:value (a glob)")
    parser.add_argument("--since", help="seconds since the epoch, or ISO 8601")
    parser.add_argument("--until", help="seconds since the epoch, or ISO 8601")
    parser.add_argument("--status", help="404, a class (4xx), or several: 200,201")
    marks = parser.add_mutually_exclusive_group()
    marks.add_argument("--marked", action="store_const", const="true", help="only requests a real engine would "
                                                                           "refuse or ignore in part")
    marks.add_argument("--clean", dest="marked", action="store_const", const="false", help="only the others")
    parser.add_argument("--limit", type=int, help="the most recent so many")


def _journal_query(args: argparse.Namespace) -> dict[str, Any]:
    names = ("method", "path", "header", "since", "until", "status", "marked", "limit")
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _journal_settings(args: argparse.Namespace) -> Request:
    change = {key: value for key, value in (("capacity", args.capacity), ("body_bytes", args.body_bytes),
                                            ("max_bytes", args.max_bytes)) if value is not None}
    return ("PUT", "/journal/settings", change, None) if change else ("GET", "/journal/settings", None, None)


def _fault_rule(args: argparse.Namespace) -> Request:
    rule: dict[str, Any] = {key: getattr(args, key) for key in (
        "path", "method", "header", "body", "status", "fault", "detail", "retry_after", "probability", "times",
        "seed") if getattr(args, key) is not None}
    delay: dict[str, Any] = {}
    if args.delay is not None:
        delay = {"type": "fixed", "seconds": args.delay}
    for kind, spelled, names in (("uniform", args.uniform, ("lower", "upper")),
                                 ("lognormal", args.lognormal, ("median", "sigma"))):
        if spelled is not None:
            delay = {"type": kind, **dict(zip(names, _two_numbers(spelled, f"--{kind}")))}
    if args.max_delay is not None:
        delay["max"] = args.max_delay
    if delay:
        rule["delay"] = delay
    return ("POST", "/faults", rule, None)


def _two_numbers(text: str, option: str) -> tuple[float, float]:
    try:
        first, second = (float(part) for part in text.split(":"))
    except ValueError:
        raise SystemExit(f"engine-emu ctl: {option} takes two numbers separated by a colon, not '{text}'") from None
    return first, second


def run(args: argparse.Namespace) -> int:
    build: Callable[[argparse.Namespace], Request] = args.request
    method, path, body, query = build(args)
    try:
        client = ControlClient(args.url, args.user, args.password, insecure=args.insecure, ca_file=args.ca_file)
        answer = client.call(method, path, body, query)
    except ControlError as error:
        print(f"engine-emu ctl: {error.detail}", file=sys.stderr)
        return 1
    json.dump(answer, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
