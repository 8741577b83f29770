"""Shared fixtures: live engines over SQLite and PostgreSQL, SDK connections, HTTP helpers."""
from __future__ import annotations

import os
from typing import Any, Iterator

import pytest

from engine_api.testing import LiveEngine, TemporaryPostgres
from tests.examples_report import pytest_terminal_summary  # noqa: F401  (a hook)

BACKENDS = [b.strip() for b in os.environ.get("ENGINE_EMU_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scenario(name): the scenario the engine is reset to before the test")
    config.addinivalue_line("markers", "sdk_examples: the SDK's own examples against the demo scenario "
                            "(slow; deselect locally with -m \"not sdk_examples\")")
    config.addinivalue_line("markers", "ansible: playbooks of Ansible's ovirt.ovirt modules against the demo scenario "
                            "(deselect locally with -m \"not ansible\")")


@pytest.fixture(scope="session")
def postgresql() -> Iterator[TemporaryPostgres]:
    """A private PostgreSQL server for the whole session (started, not assumed)."""
    with TemporaryPostgres() as server:
        yield server


@pytest.fixture(scope="session", params=BACKENDS)
def live_engine(request: pytest.FixtureRequest) -> Iterator[LiveEngine]:
    """One live engine per database backend, shared by the session and reset per test."""
    database = None
    if request.param == "postgresql":
        database = request.getfixturevalue("postgresql").url
    with LiveEngine(database, transition_delay=0.05) as live:
        yield live


@pytest.fixture
def engine(live_engine: LiveEngine, request: pytest.FixtureRequest) -> LiveEngine:
    """The live engine reset to the test's scenario (``@pytest.mark.scenario("demo")``; default empty)."""
    marker = request.node.get_closest_marker("scenario")
    live_engine.set_transition_delay(0.05)
    live_engine.reset(marker.args[0] if marker else "empty")
    live_engine.reset_controls()
    return live_engine


@pytest.fixture
def connection(engine: LiveEngine) -> Iterator[Any]:
    """An ``ovirtsdk4.Connection`` to the engine, closed (and logged out) afterwards."""
    import ovirtsdk4 as sdk

    conn = sdk.Connection(url=engine.url, username=engine.username, password=engine.password, insecure=True)
    yield conn
    conn.close()


@pytest.fixture
def http(engine: LiveEngine) -> Any:
    """A ``requests`` session with Basic credentials against the engine's base URL."""
    import requests

    session = requests.Session()
    session.auth = (engine.username, engine.password)
    session.base = engine.url  # type: ignore[attr-defined]
    yield session
    session.close()
