"""A throwaway PostgreSQL server for tests: ``initdb`` in a temporary folder, on a free port."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_bindir() -> Optional[Path]:
    """The folder with ``initdb`` and ``pg_ctl``: on PATH, else Debian's versioned folders."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


class TemporaryPostgres:
    """Starts a private PostgreSQL cluster; ``url`` is ready for ``--database``.

    As root, the cluster runs as the ``postgres`` system user (PostgreSQL refuses root).
    """

    def __init__(self, bindir: Optional[Path] = None) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
        self.bindir = found
        self.port = _free_port()
        self.base = Path(tempfile.mkdtemp(prefix="engine-emu-pg-"))
        self.data = self.base / "data"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.base, user="postgres", group="postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as_user, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip()
            raise subprocess.CalledProcessError(done.returncode, done.args, stderr=done.stderr) from RuntimeError(
                f"{Path(args[0]).name} failed: {message or 'no message'}")

    def start(self) -> "TemporaryPostgres":
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8")
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                  str(self.base / "server.log"), "-w", "start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not start; see {self.base / 'server.log'}")

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> "TemporaryPostgres":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
