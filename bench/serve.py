"""Serving throughput: the engine against a Flask hello world on the same server setup.

In one run it measures, with wrk over loopback (keep-alive, ``--connections`` connections):

* ``hello``: a Flask hello world served by engine-emu's serving stack (uvicorn, the engine's
  HTTP protocol and thread pools), with 1 and 2 worker processes;
* ``entity``: ``GET /ovirt-engine/api/vms/{id}`` (XML, Basic authentication) of the engine on
  PostgreSQL with 1 and 2 workers, and on SQLite with 1;
* ``list``: ``GET /ovirt-engine/api/vms`` over ``--vms`` VMs, the same way;

and prints requests per second, the ratio of each to the hello world with as many workers, and of
2 workers to 1. It asserts nothing about time.

    python3 bench/serve.py [--vms 1000] [--duration 8] [--connections 8]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine_api.testing.postgres import TemporaryPostgres  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import AUTH, BASIC, Served, Throughput, log, wrk  # noqa: E402


def engine_command(database: str, state: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "engine_api.cli", "serve", "--port", "{port}", "--database", database,
            "--state-dir", str(state), "--seed", "empty", "--workers", str(workers), "--transition-delay", "0"]


def hello_command(workers: int) -> list[str]:
    code = ("import sys, uvicorn; sys.path.append('bench'); "
            "from engine_api.serving.server import ServeOptions, _uvicorn_config; "
            f"options = ServeOptions(port={{port}}, workers={workers}); "
            "config = _uvicorn_config('hello_app:asgi', options, factory=True, workers=options.workers); "
            "from uvicorn.supervisors import Multiprocess; "
            "Multiprocess(config, sockets=[config.bind_socket()]).run() if options.workers > 1 "
            "else uvicorn.Server(config).run()")
    return [sys.executable, "-c", code]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench/serve.py needs wrk: apt-get install wrk")

    rows: dict[tuple[str, str, int], Throughput] = {}
    headers = {"Authorization": BASIC}
    scratch = Path(tempfile.mkdtemp(prefix="engine-emu-bench-"))
    with TemporaryPostgres() as postgres:
        databases = {"postgresql": postgres.url, "sqlite": f"sqlite:///{scratch / 'engine.sqlite'}"}
        for backend, url in databases.items():
            log(f"seeding scale:{args.vms} on {backend}")
            subprocess.run([sys.executable, "-m", "engine_api.cli", "seed", f"scale:{args.vms}", "--database", url],
                           check=True, cwd=ROOT)

        for workers in (1, 2):
            log(f"hello world, {workers} worker(s)")
            with Served("hello world", hello_command(workers), "/") as hello:
                rows[("hello", "-", workers)] = wrk(hello.base + "/", headers, args.duration, args.connections)

        for backend, workers in (("postgresql", 1), ("postgresql", 2), ("sqlite", 1)):
            log(f"engine on {backend}, {workers} worker(s)")
            with Served("engine-emu serve", engine_command(databases[backend], scratch, workers),
                        "/ovirt-engine/api") as engine:
                api = engine.base + "/ovirt-engine/api"
                vm_id = requests.get(api + "/vms?max=1", auth=AUTH, headers={"Accept": "application/json"},
                                     timeout=30).json()["vm"][0]["id"]
                rows[("entity", backend, workers)] = wrk(f"{api}/vms/{vm_id}", headers, args.duration,
                                                         args.connections)
                rows[("list", backend, workers)] = wrk(f"{api}/vms", headers, args.duration, args.connections)

    print(f"\nserving throughput, wrk -t1 -c{args.connections} -d{args.duration:g}s, {args.vms} VMs, "
          f"{os.cpu_count()} cores")
    print(f"{'request':<10}{'backend':<12}{'workers':>8}{'req/s':>10}{'p99 ms':>9}{'errors':>8}"
          f"{'/ hello':>10}{'2w / 1w':>10}")
    for (kind, backend, workers), measure in rows.items():
        hello = rows[("hello", "-", workers)].requests_per_second
        single = rows.get((kind, backend, 1))
        scale = f"{measure.requests_per_second / single.requests_per_second:.2f}x" if workers == 2 and single else ""
        print(f"{kind:<10}{backend:<12}{workers:>8}{measure.requests_per_second:>10.1f}{measure.p99_ms:>9.1f}"
              f"{measure.errors:>8}{measure.requests_per_second / hello:>9.0%} {scale:>9}")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
