"""What the benchmarks share: progress lines, servers in processes of their own, and wrk."""
from __future__ import annotations

import base64
import os
import re
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
AUTH = ("admin@internal", "admin")
BASIC = "Basic " + base64.b64encode(b"admin@internal:admin").decode()


def log(text: str) -> None:
    """A progress line, on standard error so that the printed tables stay apart."""
    print(text, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """A server in a process of its own on a free loopback port (``{port}`` in ``command``),
    ready once ``probe`` answers 200 with the admin's Basic credentials; stopped on exit."""

    def __init__(self, name: str, command: list[str], probe: str, cwd: Path = ROOT, seconds: float = 120,
                 env: Optional[dict[str, str]] = None) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.output = tempfile.TemporaryFile()
        self.process = subprocess.Popen([part.replace("{port}", str(self.port)) for part in command],
                                        stdout=self.output, stderr=subprocess.STDOUT, cwd=cwd,
                                        env={**os.environ, "npm_config_update_notifier": "false", **(env or {})})
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited:\n{self.log_text()}")
            try:
                if requests.get(self.base + probe, headers={"Authorization": BASIC}, timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{name} did not answer {probe} within {seconds:.0f} s:\n{self.log_text()}")

    def log_text(self) -> str:
        self.output.seek(0)
        return self.output.read().decode(errors="replace")[-2000:]

    def rss_kib(self) -> int:
        """The server process's resident memory."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()

    def __enter__(self) -> "Served":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Throughput:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def _milliseconds(output: str, label: str) -> float:
    match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", output)
    return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)] if match else float("nan")


def wrk(url: str, headers: dict[str, str], seconds: float, connections: int) -> Throughput:
    """``wrk -t1 -c<connections>`` over keep-alive connections: requests per second, latency and
    errors (non-2xx/3xx answers and socket errors)."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise RuntimeError(f"wrk printed no rate:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Throughput(float(rate.group(1)), _milliseconds(output, "50%"), _milliseconds(output, "99%"), errors)


def statement_count(answer: requests.Response) -> int:
    """The SQL statements the engine ran for an answer, from its ``Server-Timing`` header (-1 without one)."""
    match = re.search(r'desc="(\d+) statements"', answer.headers.get("Server-Timing", ""))
    return int(match.group(1)) if match else -1
