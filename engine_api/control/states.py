"""Resets to a scenario, and named snapshots of an engine's whole state.

A snapshot holds every row and every document (:meth:`Recorder.capture`); restoring it puts them
back in one transaction and logs the documents that differ as changes, so the change log goes
on and feeds see a restore as the changes it makes. Snapshots, and the scenarios a reset seeded,
live in the process's memory.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar

from sqlalchemy.exc import OperationalError

from engine_api import faults
from engine_api.documents.recorder import StateCapture

T = TypeVar("T")


@dataclass(frozen=True)
class SnapshotInfo:
    """What a saved snapshot holds."""

    name: str
    documents: int
    rows: int
    taken_at: float


@dataclass(frozen=True)
class Restored:
    """What a reset or a restore did: the documents it changed and the seconds it took."""

    name: str
    changed: int
    seconds: float


class EngineStates:
    """Resets and named snapshots of one engine (``engine`` is its
    :class:`~engine_api.app.EngineState`)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._snapshots: dict[str, tuple[SnapshotInfo, StateCapture]] = {}
        self._scenarios: dict[tuple[str, bool, Optional[tuple[int, int]]], StateCapture] = {}
        self._lock = threading.Lock()

    def reset(self, scenario: str = "empty", *, settled: bool = True, fresh: bool = False) -> Restored:
        """Delete every row and seed ``scenario`` (``empty``, ``demo``, ``scale:N``).

        The first reset to a scenario seeds it and keeps what it seeded; a later one restores
        that, so every reset to a scenario gives back the same state, ids and times included,
        at the cost of a restore (a scenario file that changed since is seeded again). ``fresh``
        seeds anew (new ids) and keeps that instead.

        With ``settled`` the scenario's pending transitions (the demo's VMs caught powering up or
        migrating) are applied at once, so that a test starts from a state nothing changes behind
        its back; without, they apply when they are due, as with ``engine-emu serve --seed``.
        """
        started = time.perf_counter()
        key = (scenario, settled, _file_stamp(scenario))
        with self._lock:
            seeded = None if fresh else self._scenarios.get(key)
        if seeded is not None:
            changed = self._put_back(seeded)
            return Restored(scenario, changed, time.perf_counter() - started)
        changed = self._seed(scenario, settled)
        with self.engine.db.transaction() as session:
            capture = self.engine.db.recorder.capture(session)
        with self._lock:
            self._scenarios[key] = capture
        return Restored(scenario, changed, time.perf_counter() - started)

    def _seed(self, scenario: str, settled: bool) -> int:
        from fixtures import seed

        db = self.engine.db
        with db.sessions() as session:
            head = _head(session)
        try:
            _retried(lambda: seed(db, scenario, admin_user=self.engine.config.admin_user, replace=True))
        except ValueError as error:
            raise faults.InvalidValue(str(error)) from None
        if settled:
            self.engine.clock.advance()
        self._forget_sessions()
        with db.sessions() as session:
            return _head(session) - head

    def save(self, name: str) -> SnapshotInfo:
        """Capture the whole state as snapshot ``name`` (replacing one of that name)."""
        _check_name(name)
        with self.engine.db.transaction() as session:
            capture = self.engine.db.recorder.capture(session)
        info = SnapshotInfo(name, len(capture.documents), sum(len(rows) for rows in capture.rows.values()),
                            time.time())
        with self._lock:
            self._snapshots[name] = (info, capture)
        return info

    def restore(self, name: str) -> Restored:
        """Put back the state snapshot ``name`` holds."""
        started = time.perf_counter()
        changed = self._put_back(self._capture(name))
        return Restored(name, changed, time.perf_counter() - started)

    def _put_back(self, capture: StateCapture) -> int:
        def restore() -> int:
            with self.engine.db.transaction(immediate=True) as session:
                return self.engine.db.recorder.restore(session, capture)

        changed = _retried(restore)
        self._forget_sessions()
        return changed

    def delete(self, name: str) -> SnapshotInfo:
        with self._lock:
            found = self._snapshots.pop(name, None)
        if found is None:
            raise faults.NotFound(f"There is no snapshot named '{name}'")
        return found[0]

    def delete_all(self) -> int:
        """Forget every saved snapshot; how many there were."""
        with self._lock:
            count = len(self._snapshots)
            self._snapshots.clear()
        return count

    def get(self, name: str) -> SnapshotInfo:
        return self._entry(name)[0]

    def list(self) -> list[SnapshotInfo]:
        with self._lock:
            return [info for info, _ in self._snapshots.values()]

    def _capture(self, name: str) -> StateCapture:
        return self._entry(name)[1]

    def _entry(self, name: str) -> tuple[SnapshotInfo, StateCapture]:
        with self._lock:
            found = self._snapshots.get(name)
        if found is None:
            raise faults.NotFound(f"There is no snapshot named '{name}'")
        return found

    def _forget_sessions(self) -> None:
        """Credentials remembered before may name users or tokens the new state lacks."""
        self.engine.authenticator.forget_all()
        self.engine.listings.clear()


#: PostgreSQL's codes for a transaction it aborted to let another go on: a deadlock (a restore
#: locks every table while the ticker or a request holds one and waits for another) or a
#: serialization failure. The aborted transaction changed nothing and is run again.
RETRIED_STATES = frozenset({"40P01", "40001"})
ATTEMPTS = 5


def _retried(work: Callable[[], T]) -> T:
    """``work()``, run again (up to :data:`ATTEMPTS` times) when the database aborted it for a
    deadlock or a serialization failure."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return work()
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) not in RETRIED_STATES or attempt == ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def _file_stamp(scenario: str) -> Optional[tuple[int, int]]:
    """The modification time and size of a scenario file, so that a reset to a file seeds it
    again once it changed; ``None`` for a named scenario."""
    try:
        stat = os.stat(scenario)
    except (OSError, ValueError):
        return None
    return stat.st_mtime_ns, stat.st_size


def _head(session: Any) -> int:
    from sqlalchemy import select

    from engine_api.models import RevisionCounter

    return int(session.scalar(select(RevisionCounter.value).where(RevisionCounter.name == "changes")) or 0)


def _check_name(name: Optional[str]) -> None:
    if not name or len(name) > 128 or not all(c.isalnum() or c in "-_.:" for c in name):
        raise faults.InvalidValue(f"The snapshot name '{name}' is not 1 to 128 letters, digits, '-', '_', '.' or ':'")
