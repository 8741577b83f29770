"""The ``engine-emu`` command: serve the engine, seed it, write the OpenAPI document, tell its coverage."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import Optional, Sequence, TextIO

from engine_api.config import Config


def _progress(stream=sys.stderr):  # type: ignore[no-untyped-def]
    started = time.perf_counter()

    def report(done: int, total: int, what: str) -> None:
        if done != total and (total < 100 or done % max(1, total // 20)):
            return
        elapsed = time.perf_counter() - started
        stream.write(f"\rseeding {what}: {done}/{total} ({done * 100 // max(total, 1)}%) {elapsed:.1f}s")
        if done == total:
            stream.write("\n")
        stream.flush()

    return report


def _config(args: argparse.Namespace) -> Config:
    config = Config()
    if args.database:
        config.database = args.database
    if getattr(args, "state_dir", None):
        config.state_dir = Path(args.state_dir)
    if getattr(args, "transition_delay", None) is not None:
        config.transition_delay = args.transition_delay
    if getattr(args, "monitor_interval", None) is not None:
        config.monitor_interval = args.monitor_interval
    if getattr(args, "change_retention", None) is not None:
        config.change_retention = args.change_retention
    if getattr(args, "mqtt", None) is not None:
        config.mqtt = args.mqtt
    if getattr(args, "mqtt_mode", None) is not None:
        config.mqtt_mode = args.mqtt_mode
    if getattr(args, "mqtt_prefix", None) is not None:
        config.mqtt_prefix = args.mqtt_prefix
    return config


def cmd_serve(args: argparse.Namespace) -> int:
    from engine_api.db import Database
    from engine_api.pki import ensure_certificates
    from engine_api.serving import HttpLimits, ServeOptions, serve
    from fixtures import seed

    config = _config(args)
    if config.mqtt:
        from push.mqtt import MODES, Broker

        try:
            Broker.parse(config.mqtt)
        except ValueError as error:
            raise SystemExit(f"engine-emu: {error}") from None
        if config.mqtt_mode not in MODES:
            raise SystemExit(f"engine-emu: the MQTT mode is one of {', '.join(MODES)}, not {config.mqtt_mode!r}")
    db = Database(config.database_url(), pool_size=1)
    db.create_schema()
    if args.seed:
        try:
            seeded = seed(db, args.seed, progress=_progress(), admin_user=config.admin_user)
        except ValueError as error:
            raise SystemExit(f"engine-emu: {error}") from None
        if seeded:
            print(f"seeded scenario '{args.seed}'", file=sys.stderr)
        else:
            print("database already holds data; not seeding (use a new --database or --state-dir)",
                  file=sys.stderr)
    db.dispose()
    options = ServeOptions(host=args.host, port=args.port, workers=args.workers, read_threads=args.threads,
                           write_threads=max(2, args.threads // 2),
                           limits=HttpLimits(idle_timeout=args.idle_timeout, max_body_bytes=config.max_body_bytes))
    scheme = "http"
    if args.tls:
        ca, cert, key = ensure_certificates(config.state_dir / "pki", [args.host])
        options.certfile, options.keyfile = str(cert), str(key)
        scheme = "https"
        print(f"CA certificate: {ca}", file=sys.stderr)
    workers = f", {args.workers} workers" if args.workers > 1 else ""
    print(f"engine-emu serving {scheme}://{args.host}:{args.port}/ovirt-engine/api (user {config.admin_user}{workers})",
          file=sys.stderr, flush=True)
    try:
        serve(config, options)
    except KeyboardInterrupt:
        pass
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from engine_api.db import Database
    from fixtures import seed

    config = _config(args)
    db = Database(config.database_url())
    db.create_schema()
    try:
        seeded = seed(db, args.scenario, progress=_progress(), admin_user=config.admin_user)
    except ValueError as error:
        raise SystemExit(f"engine-emu: {error}") from None
    print("seeded" if seeded else "database already holds data; nothing seeded", file=sys.stderr)
    return 0


class _ImportProgress:
    """The progress of an import on one line of ``stream``: requests done of those known, and the last."""

    def __init__(self, stream: Optional[TextIO] = None) -> None:
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.width = 0

    def __call__(self, done: int, total: int, what: str) -> None:
        line = f"importing: {done}/{total} requests, {time.perf_counter() - self.started:.1f}s ({what})"
        self.width = max(self.width, len(line))
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()

    def end(self) -> None:
        """End the progress line, if there is one."""
        if self.width:
            self.stream.write("\n")
            self.width = 0


def cmd_import(args: argparse.Namespace) -> int:
    import json

    from fixtures.imported import ImportFailed, Source, read_engine, write_scenario

    password = args.password if args.password is not None else os.environ.get("ENGINE_EMU_IMPORT_PASSWORD")
    if not password:
        print("engine-emu import: give --password or ENGINE_EMU_IMPORT_PASSWORD", file=sys.stderr)
        return 2
    if args.events < 0:
        print("engine-emu import: --events is a number of events, 0 or more", file=sys.stderr)
        return 2
    source = Source(args.url, args.user, password, insecure=args.insecure, ca_file=args.ca_file)
    report = _ImportProgress()
    try:
        scenario = read_engine(source, events=args.events, progress=report)
    except ImportFailed as error:
        report.end()
        print(f"engine-emu import: {error}", file=sys.stderr)
        return 1
    report.end()
    entities = sum(len(value) if isinstance(value, list) else sum(len(items) for items in value.values())
                   for value in scenario["entities"].values())
    summary = (f"{entities} entities and {len(scenario['documents'])} stored documents from "
               f"{scenario['source']['url']} in {scenario['source']['requests']} requests")
    if args.output == "-":
        json.dump(scenario, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        print(summary, file=sys.stderr)
        return 0
    target = Path(args.output)
    try:
        write_scenario(scenario, target)
    except OSError as error:
        print(f"engine-emu import: cannot write {target}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"wrote {target}: {summary}; seed it with engine-emu serve --seed {target}", file=sys.stderr)
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    import tempfile

    from engine_api.app import create_app
    from engine_api.openapi import DOCUMENT, render_document

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(Config(database=f"sqlite:///{scratch}/openapi.sqlite"))
        text = render_document(app)
        app.extensions["engine_emu"].db.dispose()
    target = Path(args.output) if args.output else DOCUMENT
    if str(target) == "-":
        sys.stdout.write(text)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        print(f"wrote {target}", file=sys.stderr)
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    import json
    import tempfile

    from engine_api import coverage
    from engine_api.app import create_app

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(Config(database=f"sqlite:///{scratch}/coverage.sqlite"))
        found = coverage.operations(app.url_map)
        app.extensions["engine_emu"].db.dispose()
    if args.level:
        found = [op for op in found if op.level == args.level]
    if args.format == "json":
        json.dump([{"path": op.template, "service": op.service, "operation": op.name,
                    "action": op.action is not None, "level": op.level} for op in found], sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif args.format == "summary":
        sys.stdout.write(coverage.render_summary(found))
    else:
        sys.stdout.write(coverage.render_table(found))
    return 0


def _find_vm(session, wanted: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import or_, select

    from engine_api import models as m

    found = session.scalars(select(m.Vm).where(or_(m.Vm.id == wanted, m.Vm.name == wanted))).first()
    if found is None:
        raise SystemExit(f"engine-emu: no VM with the id or name {wanted!r}")
    return found


def cmd_domainxml(args: argparse.Namespace) -> int:
    import json

    import domainxml

    if args.action == "validate":
        invalid = 0
        try:
            for name in args.files:
                try:
                    errors = domainxml.validation_errors(Path(name).read_bytes())
                except (OSError, domainxml.DomainXmlError) as error:
                    errors = [str(error)]
                invalid += bool(errors)
                print(f"{name}: {'invalid' if errors else 'valid'}")
                for line in errors:
                    print(f"  {line}")
        except domainxml.SchemaNotInstalledError as error:
            print(f"engine-emu: {error}", file=sys.stderr)
            return 2
        return 1 if invalid else 0

    from engine_api.db import Database
    from engine_api.vms import libvirt_domains, monitoring

    db = Database(_config(args).database_url())
    db.create_schema()
    with db.transaction() as session:
        vm = _find_vm(session, args.vm)
        if args.action == "build":
            spec = libvirt_domains.vm_spec(session, vm)
            spec.domain_type = args.domain_type
            try:
                sys.stdout.write(domainxml.build(spec) + "\n")
            except domainxml.SpecError as error:
                print(f"engine-emu: VM {vm.name}: {error}", file=sys.stderr)
                return 1
            return 0
        try:
            result = monitoring.match_only(session, vm, Path(args.file).read_bytes())
        except (OSError, domainxml.DomainXmlError) as error:
            print(f"engine-emu: {args.file}: {error}", file=sys.stderr)
            return 1
        session.rollback()
    json.dump(result.to_dict(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_proxy(args: argparse.Namespace) -> int:
    from engine_api.proxy import ProxySettings, serve_proxy

    if not args.password:
        print("engine-emu proxy: give --password or ENGINE_EMU_PROXY_PASSWORD", file=sys.stderr)
        return 2
    if args.ttl <= 0:
        print("engine-emu proxy: --ttl must be more than 0 seconds", file=sys.stderr)
        return 2
    serve_proxy(ProxySettings(args.backend, args.user, args.password, ttl=args.ttl, verify=not args.insecure),
                args.host, args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="engine-emu", description="An emulator of the oVirt engine REST API v4")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API at http://HOST:PORT/ovirt-engine/api")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--database", help="SQLAlchemy URL; default: an SQLite file in the state directory")
    serve.add_argument("--state-dir", help="where the SQLite file and certificates live (default ./var)")
    serve.add_argument("--seed", default="demo",
                       help="scenario for a new database: demo, empty, scale:N or a scenario file (FILE.json)")
    serve.add_argument("--transition-delay", type=float, default=None,
                       help="seconds per step of asynchronous state changes (0: instant)")
    serve.add_argument("--monitor-interval", type=float, default=None,
                       help="seconds between device monitoring cycles (default 1)")
    serve.add_argument("--change-retention", type=int, default=None,
                       help="change records the log keeps (default 100000, or ENGINE_EMU_CHANGE_RETENTION)")
    serve.add_argument("--mqtt", metavar="URL", default=None,
                       help="publish every change to the MQTT broker at mqtt://HOST:PORT (or ENGINE_EMU_MQTT)")
    serve.add_argument("--mqtt-mode", choices=("documents", "doctor"), default=None,
                       help="documents: retained revision and document per entity (default); "
                            "doctor: +, - or the changed keys")
    serve.add_argument("--mqtt-prefix", default=None, help="first level of the MQTT topics (default ovirt)")
    serve.add_argument("--tls", action="store_true", help="serve HTTPS with a generated CA")
    serve.add_argument("--workers", type=int, default=int(os.environ.get("ENGINE_EMU_WORKERS", "1")),
                       help="worker processes sharing the database (default 1; use PostgreSQL for more)")
    serve.add_argument("--threads", type=int, default=4,
                       help="threads per worker serving reads (writes get half as many, at least 2)")
    serve.add_argument("--idle-timeout", type=float, default=15.0,
                       help="seconds a keep-alive connection may stay idle before the engine closes it")
    serve.set_defaults(func=cmd_serve)

    seed_cmd = commands.add_parser("seed", help="seed a database with a scenario")
    seed_cmd.add_argument("scenario", help="demo, empty, scale:N or a scenario file (FILE.json)")
    seed_cmd.add_argument("--database")
    seed_cmd.add_argument("--state-dir")
    seed_cmd.set_defaults(func=cmd_seed)

    domain = commands.add_parser("domainxml", help="build, validate and match libvirt Domain XML")
    actions = domain.add_subparsers(dest="action", required=True)
    build = actions.add_parser("build", help="print the run-VM Domain XML of a VM of the database")
    build.add_argument("--vm", required=True, help="the VM's name or id")
    build.add_argument("--domain-type", default="kvm", choices=("kvm", "qemu", "test"),
                       help="the domain type (test: for libvirt's test driver)")
    validate = actions.add_parser("validate", help="validate Domain XML files against libvirt's RelaxNG schema")
    validate.add_argument("files", nargs="+", metavar="FILE")
    match = actions.add_parser("match", help="pair the devices of a reported Domain XML with a VM's devices "
                                             "(prints the match result as JSON; changes nothing)")
    match.add_argument("--vm", required=True, help="the VM's id or name")
    match.add_argument("file", metavar="FILE")
    for sub in (build, match):
        sub.add_argument("--database", help="SQLAlchemy URL; default: the SQLite file in the state directory")
        sub.add_argument("--state-dir")
    domain.set_defaults(func=cmd_domainxml, database=None)

    cover = commands.add_parser("coverage", help="print, per path and operation of the API model, whether it "
                                                 "has behaviour, is stored, or is only accepted")
    cover.add_argument("--format", choices=("table", "summary", "json"), default="table")
    cover.add_argument("--level", choices=("behaviour", "stored", "accepted", "missing"),
                       help="only the operations of this level")
    cover.set_defaults(func=cmd_coverage)

    from engine_api.control import ctl

    ctl.add_parser(commands)

    proxy = commands.add_parser("proxy", help="serve live queries (WebSocket and Server-Sent Events) in front of "
                                              "any oVirt engine, polling each watched URI once per TTL")
    proxy.add_argument("--backend", required=True, help="the engine's API root, https://HOST/ovirt-engine/api")
    proxy.add_argument("--user", required=True, help="the account the proxy polls with (admin@internal…)")
    proxy.add_argument("--password", default=os.environ.get("ENGINE_EMU_PROXY_PASSWORD"),
                       help="its password (or ENGINE_EMU_PROXY_PASSWORD)")
    proxy.add_argument("--ttl", type=float, default=5.0, help="seconds between two polls of a watched URI")
    proxy.add_argument("--insecure", action="store_true", help="do not verify the engine's TLS certificate")
    proxy.add_argument("--host", default="127.0.0.1")
    proxy.add_argument("--port", type=int, default=8081)
    proxy.set_defaults(func=cmd_proxy)

    importing = commands.add_parser("import", help="copy a real engine's inventory into a scenario file that "
                                                   "--seed accepts (secrets are not copied)")
    importing.add_argument("url", help="the engine's API URL, https://HOST/ovirt-engine/api")
    importing.add_argument("--user", required=True, help="the account to read with (admin@internal…)")
    importing.add_argument("--password", default=None, help="its password (or ENGINE_EMU_IMPORT_PASSWORD)")
    trust = importing.add_mutually_exclusive_group()
    trust.add_argument("--insecure", action="store_true", help="do not verify the engine's TLS certificate")
    trust.add_argument("--ca-file", help="the CA certificate (PEM) the engine's TLS certificate is signed by")
    importing.add_argument("--output", "-o", default="scenario.json", help="file to write (default scenario.json; "
                                                                          "- for stdout)")
    importing.add_argument("--events", type=int, default=1000,
                           help="how many of the most recent events to copy (default 1000; 0: none)")
    importing.set_defaults(func=cmd_import)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", help="file to write (default openapi/openapi.json; - for stdout)")
    openapi.set_defaults(func=cmd_openapi)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
