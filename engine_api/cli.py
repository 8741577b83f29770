"""The ``engine-emu`` command: serve the engine, seed it, write the OpenAPI document."""
from __future__ import annotations

import argparse
import logging
import ssl
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

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
    return config


def cmd_serve(args: argparse.Namespace) -> int:
    from engine_api.app import create_app
    from engine_api.pki import ensure_certificates
    from engine_api.server import EngineServer
    from fixtures import seed

    config = _config(args)
    app = create_app(config)
    engine = app.extensions["engine_emu"]
    if args.seed:
        if seed(engine.db, args.seed, progress=_progress(), admin_user=config.admin_user):
            print(f"seeded scenario '{args.seed}'", file=sys.stderr)
        else:
            print("database already holds data; not seeding (use a new --database or --state-dir)",
                  file=sys.stderr)
    context = None
    if args.tls:
        ca, cert, key = ensure_certificates(config.state_dir / "pki", [args.host])
        engine.ca_pem = ca.read_bytes()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        print(f"CA certificate: {ca}", file=sys.stderr)
    server = EngineServer(app, args.host, args.port, ssl_context=context)
    print(f"engine-emu serving {server.url} (user {config.admin_user})", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from engine_api.db import Database
    from fixtures import seed

    config = _config(args)
    db = Database(config.database_url())
    db.create_schema()
    seeded = seed(db, args.scenario, progress=_progress(), admin_user=config.admin_user)
    print("seeded" if seeded else "database already holds data; nothing seeded", file=sys.stderr)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="engine-emu", description="An emulator of the oVirt engine REST API v4")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API at http://HOST:PORT/ovirt-engine/api")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--database", help="SQLAlchemy URL; default: an SQLite file in the state directory")
    serve.add_argument("--state-dir", help="where the SQLite file and certificates live (default ./var)")
    serve.add_argument("--seed", default="demo", help="scenario for a new database: demo, empty or scale:N")
    serve.add_argument("--transition-delay", type=float, default=None,
                       help="seconds per step of asynchronous state changes (0: instant)")
    serve.add_argument("--tls", action="store_true", help="serve HTTPS with a generated CA")
    serve.set_defaults(func=cmd_serve)

    seed_cmd = commands.add_parser("seed", help="seed a database with a scenario")
    seed_cmd.add_argument("scenario", help="demo, empty or scale:N")
    seed_cmd.add_argument("--database")
    seed_cmd.add_argument("--state-dir")
    seed_cmd.set_defaults(func=cmd_seed)

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
