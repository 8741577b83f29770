"""Databases for the search tests: in-memory SQLite and a throwaway PostgreSQL cluster.

The PostgreSQL cluster is created with ``initdb`` in a temporary directory, listens on a Unix
socket only, uses the C locale (byte-order collation, ASCII case folding, like the reference
evaluation) and is removed at the end of the session. When run as root it runs as the
``postgres`` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from vm_search_model import Base


def _postgres_bindir() -> Path:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        return Path(subprocess.run([pg_config, "--bindir"], check=True, capture_output=True,
                                   text=True).stdout.strip())
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl) are needed for the search tests; "
        "install the postgresql server package"
    )


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """The URL of a fresh PostgreSQL cluster that lives for the test session."""
    bindir = _postgres_bindir()
    base = Path(tempfile.mkdtemp(prefix="engine-emu-search-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, user="postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = base / "data"

    def run(*command: str) -> None:
        completed = subprocess.run([*as_user, *command], capture_output=True, text=True)
        if completed.returncode != 0:
            raise RuntimeError(f"{command[0]} failed:\n{completed.stdout}\n{completed.stderr}")

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
        "--locale=C", "-E", "UTF8", "--no-sync")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "server.log"),
        "-o", f"-k {base} -c listen_addresses='' -F", "start")
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={base}"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def _sqlite_engine() -> Engine:
    return create_engine("sqlite://")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine with the test VM tables, on each supported database."""
    if request.param == "sqlite":
        engine = _sqlite_engine()
    else:
        engine = create_engine(request.getfixturevalue("postgresql_url"))
    Base.metadata.create_all(engine)
    try:
        yield engine
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_database() -> Iterator[Engine]:
    """An in-memory SQLite engine with the test VM tables."""
    engine = _sqlite_engine()
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
