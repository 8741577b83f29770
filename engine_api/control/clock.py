"""The engine's clock as tests see it: transitions that advance on their own, at a chosen speed,
or only when told.

In ``auto`` mode (the default) a transition is due its delay after it was scheduled, divided by
the speed, and the ticker applies it when due. In ``manual`` mode nothing applies on its own:
every step waits, a zero delay included, until :meth:`Clock.advance` applies it.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any, Optional

from sqlalchemy import func, select

from engine_api import faults
from engine_api.models import Transition, utcnow
from engine_api.services import transitions

MODES = ("auto", "manual")
#: Rounds :meth:`Clock.advance` runs at most when told to finish everything: a bound on steps
#: that schedule further steps without end.
MAX_ROUNDS = 10_000


@dataclass(frozen=True)
class TimeSetting:
    """How time passes for the engine's transitions."""

    mode: str = "auto"
    speed: float = 1.0
    pending: int = 0


@dataclass(frozen=True)
class Advanced:
    """What an advance applied, and how many steps still wait."""

    applied: int
    pending: int


class Clock:
    """The time setting of one engine (``engine`` is its :class:`~engine_api.app.EngineState`)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._lock = threading.Lock()

    @property
    def manual(self) -> bool:
        return self.engine.settings.manual_time

    def setting(self) -> TimeSetting:
        settings = self.engine.settings
        return TimeSetting("manual" if settings.manual_time else "auto", settings.time_speed, self.pending())

    def set(self, mode: Optional[str] = None, speed: Optional[float] = None) -> TimeSetting:
        """Change the mode (``auto`` or ``manual``) and/or the speed (a factor above zero that
        divides every transition's delay from now on)."""
        if mode is not None and mode not in MODES:
            raise faults.InvalidValue(f"The time mode '{mode}' is not one of {', '.join(MODES)}")
        if speed is not None and not (0 < speed <= 1_000_000):
            raise faults.InvalidValue(f"The speed {speed!r} is not a factor above 0 (at most 1000000)")
        with self._lock:
            settings = self.engine.settings
            self.engine.settings = replace(
                settings,
                manual_time=settings.manual_time if mode is None else mode == "manual",
                time_speed=settings.time_speed if speed is None else float(speed))
        return self.setting()

    def pending(self, entity: Optional[str] = None) -> int:
        """How many steps wait, of ``entity`` (a VM's, host's, disk's… id) or of all."""
        query = select(func.count()).select_from(Transition)
        if entity is not None:
            query = query.where(Transition.entity_id == entity)
        with self.engine.db.sessions() as session:
            return int(session.scalar(query) or 0)

    def advanced(self, entity: Optional[str] = None, steps: Optional[int] = None) -> "Advanced":
        """:meth:`advance`, and what still waits after it."""
        applied = self.advance(entity, steps)
        return Advanced(applied, self.pending(entity))

    def advance(self, entity: Optional[str] = None, steps: Optional[int] = None) -> int:
        """Apply waiting steps now, due or not: of ``entity`` or of all; ``steps`` rounds (a round
        applies every step waiting when it starts, so a VM moves one state), or until none is
        left. Returns how many steps were applied."""
        if steps is not None and steps < 1:
            raise faults.InvalidValue(f"The number of steps {steps} is not a positive number")
        applied = 0
        rounds = steps if steps is not None else MAX_ROUNDS
        for _ in range(rounds):
            with self.engine.db.transaction() as session:
                # every waiting step counts as due; each takes its entity's lock before its own
                # row, as the ticker does
                now = utcnow()
                horizon = now.replace(year=now.year + 100)
                done = transitions.run_due(session, self.engine.settings, now=now, entity_id=entity,
                                           due_by=horizon)
            applied += done
            if not done:
                break
        return applied
