"""Databases for the search tests: in-memory SQLite and PostgreSQL.

PostgreSQL is the session's private server (the shared ``postgresql`` fixture), in a database
of its own created with the C locale: byte-order collation and ASCII case folding, as the
reference evaluation assumes, whatever the machine's locale. ``ENGINE_EMU_TEST_BACKENDS``
selects the backends, as for the rest of the suite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from vm_search_model import Base

BACKENDS = [
    name.strip()
    for name in os.environ.get("ENGINE_EMU_TEST_BACKENDS", "sqlite,postgresql").split(",")
    if name.strip()
]
SEARCH_DATABASE = "engine_emu_search_tests"


@pytest.fixture(scope="session")
def postgresql_search_url(postgresql) -> str:
    """A C-locale database on the session's PostgreSQL server, for the search tests."""
    server = make_url(postgresql.url).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {SEARCH_DATABASE}"))
        connection.execute(
            text(
                f"CREATE DATABASE {SEARCH_DATABASE} TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C' LC_CTYPE 'C'"
            )
        )
    admin.dispose()
    return server.set(database=SEARCH_DATABASE).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def database(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine with the test VM tables, on each selected backend."""
    if request.param == "sqlite":
        engine = create_engine("sqlite://")
    else:
        engine = create_engine(request.getfixturevalue("postgresql_search_url"))
    Base.metadata.create_all(engine)
    try:
        yield engine
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_database() -> Iterator[Engine]:
    """An in-memory SQLite engine with the test VM tables."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
