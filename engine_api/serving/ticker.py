"""The engine's background duties: due transitions and device monitoring, in one process at a time."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Optional

from engine_api.services import transitions
from engine_api.serving.lease import Lease
from engine_api.vms import monitoring

log = logging.getLogger(__name__)

#: Seconds between prunings of the change log.
PRUNE_INTERVAL = 5.0


class Ticker(threading.Thread):
    """Applies due transitions every ``interval`` seconds, runs a device monitoring cycle every
    ``monitor_interval`` seconds and prunes the change log to its newest ``change_retention``
    records every ``prune_interval`` seconds, while this process holds the ticker lease."""

    def __init__(self, engine: Any, interval: float, monitor_interval: float,
                 lease_seconds: float = 3.0, *, change_retention: Optional[int] = None,
                 prune_interval: float = PRUNE_INTERVAL) -> None:
        super().__init__(name="engine-emu-ticker", daemon=True)
        self.engine = engine
        self.interval = interval
        self.monitor_interval = monitor_interval
        self.lease = Lease(engine.db, seconds=lease_seconds)
        self.change_retention = change_retention
        self.prune_interval = prune_interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        next_cycle = next_prune = time.monotonic()
        while not self._stop_event.wait(self.interval):
            if not self.lease.hold():
                continue
            self.tick()
            if time.monotonic() >= next_cycle:
                self.monitor()
                next_cycle = time.monotonic() + self.monitor_interval
            if self.change_retention is not None and time.monotonic() >= next_prune:
                self.prune()
                next_prune = time.monotonic() + self.prune_interval
        self.lease.release()

    def tick(self) -> int:
        if self.engine.settings.manual_time:
            return 0
        try:
            with self.engine.db.transaction() as session:
                return transitions.run_due(session, self.engine.settings)
        except Exception:  # the ticker must outlive one bad transition
            log.exception("applying due transitions failed")
            return 0

    def monitor(self) -> list[str]:
        """One device monitoring cycle; the ids of the VMs whose Domain XML it read."""
        try:
            return monitoring.run_cycle(self.engine.db, self.engine.settings)
        except Exception:
            log.exception("device monitoring failed")
            return []

    def prune(self) -> int:
        """Delete the change records older than the retention window; how many."""
        from engine_api.feed import prune

        assert self.change_retention is not None
        try:
            return prune(self.engine.db, self.change_retention)
        except Exception:
            log.exception("pruning the change log failed")
            return 0

    def stop(self, timeout: Optional[float] = 5.0) -> None:
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)
