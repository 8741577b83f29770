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


def _time(args: argparse.Namespace) -> Request:
    change = {key: value for key, value in (("mode", args.mode), ("speed", args.speed)) if value is not None}
    return ("PUT", "/time", change, None) if change else ("GET", "/time", None, None)


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
