"""An engine served on a free loopback port, resettable to a scenario between tests."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Optional

from engine_api.app import create_app
from engine_api.config import Config
from engine_api.serving import EngineServer, ServeOptions


class LiveEngine:
    """engine-emu in this process, serving HTTP on ``127.0.0.1`` at ``url``."""

    def __init__(self, database: Optional[str] = None, *, transition_delay: float = 0.0,
                 admin_password: str = "admin", state_dir: Optional[Path] = None,
                 serve_options: Optional[ServeOptions] = None) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="engine-emu-")
        state = state_dir or Path(self._scratch.name)
        self.config = Config(database=database or f"sqlite:///{state / 'engine.sqlite'}",
                             admin_password=admin_password, transition_delay=transition_delay,
                             state_dir=state, tick_interval=0.02, monitor_interval=0.05)
        self.app = create_app(self.config)
        self.engine = self.app.extensions["engine_emu"]
        self.server = EngineServer(self.app, "127.0.0.1", 0, serve_options)

    @property
    def db(self) -> Any:
        return self.engine.db

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def username(self) -> str:
        return self.config.admin_user

    @property
    def password(self) -> str:
        return self.config.admin_password

    def start(self) -> "LiveEngine":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.db.dispose()
        self._scratch.cleanup()

    def set_transition_delay(self, seconds: float) -> None:
        from dataclasses import replace

        self.engine.settings = replace(self.engine.settings, transition_delay=seconds)

    def run_monitoring(self) -> list[str]:
        """Run a device monitoring cycle now rather than waiting for the next one.

        When it returns, every Domain XML reported before the call has been applied (by this
        cycle or by the engine's own). Returns the ids of the VMs whose XML this cycle read.
        """
        from engine_api.vms import monitoring

        return monitoring.run_cycle(self.db, self.engine.settings)

    @property
    def clock(self) -> Any:
        """The engine's :class:`~engine_api.control.clock.Clock`: ``set(mode="manual")``,
        ``advance(vm_id)``, ``set(speed=10)``."""
        return self.engine.clock

    @property
    def states(self) -> Any:
        """Named snapshots of the whole state (:class:`~engine_api.control.states.EngineStates`):
        ``save(name)``, ``restore(name)``, ``list()``, ``delete(name)``."""
        return self.engine.states

    @property
    def journal(self) -> Any:
        """The requests the engine served (:class:`~engine_api.control.journal.Journal`):
        ``requests(method=, path=, header=, since=, until=, status=, marked=, limit=)``,
        ``count(...)``, ``last(...)``, ``clear()``; each entry's ``marks`` say what a real engine
        would refuse or ignore in it."""
        return self.engine.journal

    @property
    def fault_rules(self) -> Any:
        """Requests answered badly on purpose (:class:`~engine_api.control.fault_rules.FaultRules`):
        ``add(path=, method=, status=503 | fault="drop", delay=2.0, times=1, probability=)``,
        ``list()``, ``remove(rule_id)``, ``clear()``."""
        return self.engine.fault_rules

    def reset(self, scenario: str = "empty", *, settled: bool = True, fresh: bool = False) -> Any:
        """Give back the state of ``scenario`` (see :meth:`EngineStates.reset`)."""
        return self.engine.states.reset(scenario, settled=settled, fresh=fresh)

    def reset_controls(self) -> None:
        """Put the controls back as a new engine has them: the clock in auto mode at speed 1,
        no saved snapshot, an empty journal of the default size and no fault rule."""
        from engine_api.control.journal import (
            DEFAULT_BODY_BYTES,
            DEFAULT_CAPACITY,
            DEFAULT_MAX_BYTES,
        )

        self.engine.clock.set(mode="auto", speed=1.0)
        self.engine.states.delete_all()
        self.engine.journal.configure(capacity=DEFAULT_CAPACITY, body_bytes=DEFAULT_BODY_BYTES,
                                      max_bytes=DEFAULT_MAX_BYTES)
        self.engine.journal.clear()
        self.engine.fault_rules.clear()

    def add_user(self, name: str, password: str) -> str:
        """A user ``name@internal`` with ``password`` (the engine's internal domain); returns his id.

        He holds no role yet: grant him one through the API (``POST /vms/{id}/permissions``…)
        before he logs in.
        """
        from engine_api.system.auth import add_internal_user

        with self.db.transaction() as session:
            user_id = add_internal_user(session, name, password).id
        self.engine.authenticator.forget_all()
        return user_id

    def settle(self) -> int:
        """Apply every pending transition now, due or not; returns how many were applied."""
        return self.engine.clock.advance()

    def __enter__(self) -> "LiveEngine":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
