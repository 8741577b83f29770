"""``engine-emu serve`` in a process of its own, as a user starts it."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServedEngine:
    def __init__(self, state_dir: Path, *args: str, tls: bool = False) -> None:
        self.port = free_port()
        self.state_dir = state_dir
        self.tls = tls
        command = [sys.executable, "-m", "engine_api.cli", "serve", "--port", str(self.port),
                   "--state-dir", str(state_dir), *args] + (["--tls"] if tls else [])
        self.log = open(state_dir / "serve.log", "w")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"})

    @property
    def base(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.base + "/ovirt-engine/api"

    @property
    def ca_file(self) -> Optional[str]:
        return str(self.state_dir / "pki" / "ca.pem") if self.tls else None

    def output(self) -> str:
        return (self.state_dir / "serve.log").read_text()

    def wait_until_serving(self, timeout: float = 60) -> "ServedEngine":
        import requests
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"engine-emu serve exited:\n{self.output()}")
            try:
                requests.get(self.url, auth=("admin@internal", "admin"), verify=False, timeout=2)
                return self
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"engine-emu serve did not answer within {timeout}s:\n{self.output()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def __enter__(self) -> "ServedEngine":
        return self.wait_until_serving()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def postgres_database(server: Any, name: str) -> Iterator[str]:
    """A PostgreSQL database of its own on ``server`` (a TemporaryPostgres), dropped afterwards."""
    import psycopg

    admin_url = f"postgresql://postgres@127.0.0.1:{server.port}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{server.port}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    if children.exists():
        for child in children.read_text().split():
            found.extend(process_tree(int(child)))
    return found


def status_of(pid: int) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return fields


def threads_and_rss(pid: int) -> tuple[int, int]:
    """Threads and resident memory (KiB) of ``pid`` and its descendants together."""
    threads = rss = 0
    for member in process_tree(pid):
        status = status_of(member)
        threads += int(status["Threads"])
        rss += int(status["VmRSS"].split()[0])
    return threads, rss


def serve_on(tmp_path: Path, name: str, database: str) -> ServedEngine:
    """``engine-emu serve`` of the demo on ``database``, its state in ``tmp_path/name``, serving."""
    state = tmp_path / name
    state.mkdir()
    return ServedEngine(state, "--database", database, "--seed", "demo").wait_until_serving()
