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
import base64
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine_api.testing.postgres import TemporaryPostgres  # noqa: E402

AUTH = ("admin@internal", "admin")
BASIC = "Basic " + base64.b64encode(b"admin@internal:admin").decode()


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """A server process on a free port, stopped on exit."""

    def __init__(self, command: list[str], probe: str, env: Optional[dict[str, str]] = None) -> None:
        self.port = free_port()
        self.output = tempfile.TemporaryFile()
        self.process = subprocess.Popen([part.replace("{port}", str(self.port)) for part in command],
                                        stdout=self.output, stderr=subprocess.STDOUT,
                                        env={**os.environ, **(env or {})}, cwd=ROOT)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.output.seek(0)
                raise SystemExit(f"server exited:\n{self.output.read().decode(errors='replace')}")
            try:
                if requests.get(self.base + probe, auth=AUTH, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise SystemExit(f"server did not answer {probe}")

    def __enter__(self) -> "Served":
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Measure:
    requests_per_second: float
    errors: int
    p99_ms: float


def wrk(url: str, duration: float, connections: int) -> Measure:
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", "-H", f"Authorization: {BASIC}", url],
        capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                                              output)[0]) if "Socket errors" in output else 0
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)] if p99 else 0.0
    return Measure(rate, errors, float(p99.group(1)) * scale if p99 else 0.0)


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

    rows: dict[tuple[str, str, int], Measure] = {}
    scratch = Path(tempfile.mkdtemp(prefix="engine-emu-bench-"))
    with TemporaryPostgres() as postgres:
        databases = {"postgresql": postgres.url, "sqlite": f"sqlite:///{scratch / 'engine.sqlite'}"}
        for backend, url in databases.items():
            log(f"seeding scale:{args.vms} on {backend}")
            subprocess.run([sys.executable, "-m", "engine_api.cli", "seed", f"scale:{args.vms}", "--database", url],
                           check=True, cwd=ROOT)

        for workers in (1, 2):
            log(f"hello world, {workers} worker(s)")
            with Served(hello_command(workers), "/") as hello:
                rows[("hello", "-", workers)] = wrk(hello.base + "/", args.duration, args.connections)

        for backend, workers in (("postgresql", 1), ("postgresql", 2), ("sqlite", 1)):
            log(f"engine on {backend}, {workers} worker(s)")
            with Served(engine_command(databases[backend], scratch, workers), "/ovirt-engine/api") as engine:
                api = engine.base + "/ovirt-engine/api"
                vm_id = requests.get(api + "/vms?max=1", auth=AUTH, headers={"Accept": "application/json"},
                                     timeout=30).json()["vm"][0]["id"]
                rows[("entity", backend, workers)] = wrk(f"{api}/vms/{vm_id}", args.duration, args.connections)
                rows[("list", backend, workers)] = wrk(f"{api}/vms", args.duration, args.connections)

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
