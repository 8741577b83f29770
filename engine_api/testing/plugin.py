"""The engine-emu pytest plugin: a live engine, an SDK connection, factories, the request journal
and fault rules as fixtures.

Installed with engine-emu (entry point ``pytest11``), so a client project only needs
``pip install engine-emu``::

    def test_my_client_lists_vms(ovirt_connection):
        vms = ovirt_connection.system_service().vms_service().list()
        assert "myvm" in [vm.name for vm in vms]

One engine serves the whole session (one per pytest-xdist worker, each on its own database).
Before each test it is reset to the test's scenario (``demo`` unless
``@pytest.mark.ovirt_scenario("empty")`` or ``--ovirt-scenario``): the first reset to a scenario
seeds it, later ones restore what it seeded, so every test starts from the same state, ids
included. The clock goes back to ``auto``, snapshots, the journal and fault rules are cleared.
The cost of the resets is reported at the end of the run.

Options: ``--ovirt-database URL`` (default: SQLite in a temporary folder; with xdist each worker
gets ``URL`` suffixed with its name, created when missing), ``--ovirt-transition-delay SECONDS``
(default 0: transitions are instant), ``--ovirt-scenario NAME`` (default ``demo``).
"""
from __future__ import annotations

import contextlib
import os
import statistics
import time
from typing import Any, Callable, Iterator, Optional

import pytest

from engine_api.testing.live import LiveEngine

_RESETS = pytest.StashKey[list[float]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("engine-emu", "oVirt engine emulator")
    group.addoption("--ovirt-database", default=None, help="database URL for the emulated engine")
    group.addoption("--ovirt-transition-delay", type=float, default=0.0,
                    help="seconds per step of asynchronous state changes (default 0)")
    group.addoption("--ovirt-scenario", default="demo",
                    help="the scenario each test starts from, unless marked ovirt_scenario (default demo)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ovirt_scenario(name): the scenario ovirt_engine starts from")
    config.stash[_RESETS] = []


def worker_database(url: Optional[str], worker: Optional[str]) -> Optional[str]:
    """The database of one pytest-xdist ``worker`` (``gw0``…) when the session names ``url``:
    ``url`` with the worker's name appended to the database's, created on PostgreSQL when
    missing. Without a worker, ``url`` itself."""
    if url is None or worker is None:
        return url
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        root, extension = os.path.splitext(parsed.database or "engine.sqlite")
        return parsed.set(database=f"{root}-{worker}{extension}").render_as_string(hide_password=False)
    name = f"{parsed.database}_{worker}"
    server = create_engine(parsed.set(drivername="postgresql+psycopg", database="postgres"),
                           isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        server.dispose()
    return parsed.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def ovirt_engine_server(pytestconfig: pytest.Config) -> Iterator[LiveEngine]:
    """The emulated engine, serving on a free loopback port for the whole session."""
    database = worker_database(pytestconfig.getoption("ovirt_database"), os.environ.get("PYTEST_XDIST_WORKER"))
    with LiveEngine(database, transition_delay=pytestconfig.getoption("ovirt_transition_delay")) as live:
        yield live


@pytest.fixture
def ovirt_engine(ovirt_engine_server: LiveEngine, request: pytest.FixtureRequest) -> LiveEngine:
    """The engine reset to this test's scenario, its controls as a new engine has them.

    ``.url``, ``.username``, ``.password``, ``.db``; ``.states`` (named snapshots), ``.clock``
    (``set(mode="manual")``, ``advance(vm_id)``), ``.journal``, ``.fault_rules``,
    ``run_monitoring()``, ``add_user(name, password)``.
    """
    marker = request.node.get_closest_marker("ovirt_scenario")
    scenario = marker.args[0] if marker else request.config.getoption("ovirt_scenario")
    started = time.perf_counter()
    ovirt_engine_server.reset_controls()
    ovirt_engine_server.set_transition_delay(request.config.getoption("ovirt_transition_delay"))
    ovirt_engine_server.reset(scenario)
    request.config.stash[_RESETS].append(time.perf_counter() - started)
    return ovirt_engine_server


@pytest.fixture
def ovirt_connection(ovirt_engine: LiveEngine) -> Iterator[Any]:
    """An ``ovirtsdk4.Connection`` logged in to the engine; closed after the test."""
    import ovirtsdk4

    connection = ovirtsdk4.Connection(url=ovirt_engine.url, username=ovirt_engine.username,
                                      password=ovirt_engine.password, insecure=True)
    yield connection
    connection.close()


@pytest.fixture
def ovirt_journal(ovirt_engine: LiveEngine) -> Any:
    """The request journal of the engine, holding this test's requests only:
    ``requests(method=, path=, header=, since=, until=)``, ``count(...)``."""
    return ovirt_engine.journal


@pytest.fixture
def ovirt_faults(ovirt_engine: LiveEngine) -> Iterator[Any]:
    """The engine's fault rules: ``add(...)`` one for this test; they are cleared after it."""
    yield ovirt_engine.fault_rules
    ovirt_engine.fault_rules.clear()


class EngineFactories:
    """The factory-boy factories of ``fixtures.factories``, creating rows in the engine's database.

    ``factories.VmFactory(name="web", cluster_id=...)`` creates a row (and what the factory makes
    with it) in one transaction, through the engine's write path, and returns it; several
    creations share one transaction inside ``with factories.transaction():``.
    """

    def __init__(self, db: Any) -> None:
        self._db = db
        self._session: Optional[Any] = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """One transaction for every creation in the block; committed when it ends."""
        from fixtures.factories import bound_session

        if self._session is not None:
            yield self._session
            return
        with self._db.transaction() as session, bound_session(session):
            self._session = session
            try:
                yield session
            finally:
                self._session = None

    def __getattr__(self, name: str) -> Callable[..., Any]:
        from fixtures import factories

        found = getattr(factories, name, None)
        if not (isinstance(found, type) and issubclass(found, factories.Factory)) or found is factories.Factory:
            raise AttributeError(f"fixtures.factories has no factory named '{name}'")

        def create(**attributes: Any) -> Any:
            with self.transaction():
                return found(**attributes)

        create.__name__ = name
        return create


@pytest.fixture
def ovirt_factories(ovirt_engine: LiveEngine) -> EngineFactories:
    """``fixtures.factories`` bound to the engine's database (see :class:`EngineFactories`)."""
    return EngineFactories(ovirt_engine.db)


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: hand the figures to the controller
        workeroutput["engine_emu_resets"] = session.config.stash[_RESETS]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """A pytest-xdist worker finished: add its resets to the controller's."""
    node.config.stash[_RESETS].extend(getattr(node, "workeroutput", {}).get("engine_emu_resets", []))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    resets = config.stash.get(_RESETS, [])
    if getattr(config, "workeroutput", None) is not None or not resets:
        return
    terminalreporter.write_line(
        f"engine-emu: {len(resets)} per-test resets, {statistics.median(resets) * 1000:.1f} ms median, "
        f"{statistics.mean(resets) * 1000:.1f} ms mean, {max(resets) * 1000:.1f} ms max "
        f"(the first to each scenario seeds it)")
