"""The engine-emu pytest plugin: a live engine and an SDK connection as fixtures.

Installed with engine-emu (entry point ``pytest11``), so a client project only needs
``pip install engine-emu``::

    def test_my_client_lists_vms(ovirt_engine, ovirt_connection):
        vms = ovirt_connection.system_service().vms_service().list()
        assert "myvm" in [vm.name for vm in vms]

Each test starts from a fresh scenario (``demo`` unless ``@pytest.mark.ovirt_scenario("empty")``).
Options: ``--ovirt-database URL`` (default: SQLite in a temporary folder),
``--ovirt-transition-delay SECONDS`` (default 0: transitions are instant).
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from engine_api.testing.live import LiveEngine


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("engine-emu", "oVirt engine emulator")
    group.addoption("--ovirt-database", default=None, help="database URL for the emulated engine")
    group.addoption("--ovirt-transition-delay", type=float, default=0.0,
                    help="seconds per step of asynchronous state changes (default 0)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ovirt_scenario(name): the scenario ovirt_engine starts from")


@pytest.fixture(scope="session")
def ovirt_engine_server(pytestconfig: pytest.Config) -> Iterator[LiveEngine]:
    """The emulated engine, serving on a free loopback port for the whole session."""
    with LiveEngine(pytestconfig.getoption("ovirt_database"),
                    transition_delay=pytestconfig.getoption("ovirt_transition_delay")) as live:
        yield live


@pytest.fixture
def ovirt_engine(ovirt_engine_server: LiveEngine, request: pytest.FixtureRequest) -> LiveEngine:
    """The engine reset to this test's scenario; ``.url``, ``.username``, ``.password``, ``.db``."""
    marker = request.node.get_closest_marker("ovirt_scenario")
    ovirt_engine_server.reset(marker.args[0] if marker else "demo")
    return ovirt_engine_server


@pytest.fixture
def ovirt_connection(ovirt_engine: LiveEngine) -> Iterator[Any]:
    """An ``ovirtsdk4.Connection`` logged in to the engine; closed after the test."""
    import ovirtsdk4

    connection = ovirtsdk4.Connection(url=ovirt_engine.url, username=ovirt_engine.username,
                                      password=ovirt_engine.password, insecure=True)
    yield connection
    connection.close()
