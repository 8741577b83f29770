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

    def reset(self, scenario: str = "empty", *, settled: bool = True) -> None:
        """Delete every row and seed ``scenario`` afresh.

        With ``settled`` the scenario's pending transitions (the demo's VMs caught powering up or
        migrating) are applied at once, so that a test starts from a state nothing changes behind
        its back; without, they apply when they are due, as with ``engine-emu serve --seed``.
        """
        from fixtures import seed

        with self.db.transaction() as session:
            self.db.recorder.clear(session)
        seed(self.db, scenario, admin_user=self.config.admin_user)
        if settled:
            self.settle()
        self.engine.authenticator.forget_all()
        self.engine.listings.clear()

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
        from sqlalchemy import update

        from engine_api import models as m
        from engine_api.services import transitions

        applied = 0
        while True:
            with self.db.transaction() as session:
                now = m.utcnow()
                session.execute(update(m.Transition).values(due_at=now))
                done = transitions.run_due(session, self.engine.settings, now=now)
            applied += done
            if not done:
                return applied

    def __enter__(self) -> "LiveEngine":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
