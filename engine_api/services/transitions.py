"""State changes that happen later: a VM powering up, a disk unlocking, a host installing.

A transition is a row due at a time. One ticker applies due rows for the whole engine (no
thread per entity), and because they are rows, a transition interrupted by a restart
finishes after it. A delay of zero applies the step at once, in the caller's transaction.

Each concept package declares the kinds of transitions it has (``STEPS`` in its ``collections``
module: a :class:`~engine_api.services.registry.StepKind` per kind), and the registry holds them.

Locking: a kind may declare a ``lock`` that takes the entity's row lock. The ticker takes it
before it claims a due row, and services that cancel an entity's transitions take the same
row lock first, so both sides lock in the same order (entity, then its transitions) and a
step never interleaves with an action on the same entity. Step handlers still check that the
entity is in the state they expect: a step outliving what it belonged to does nothing.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine_api.models import Transition, utcnow
from engine_api.services.context import RequestContext

log = logging.getLogger(__name__)

def schedule(
    ctx: RequestContext,
    kind: str,
    entity_id: str,
    step: str,
    *,
    delay: Optional[float] = None,
    payload: Optional[dict[str, Any]] = None,
    job_id: Optional[str] = None,
) -> None:
    """Apply ``step`` of ``kind`` to an entity after ``delay`` seconds (default: the setting),
    divided by the clock's speed; with the clock in manual mode, only when told."""
    seconds = (ctx.settings.transition_delay if delay is None else delay) / ctx.settings.time_speed
    payload = dict(payload or {})
    if job_id:
        payload["job_id"] = job_id
    if ctx.params.correlation_id and "correlation_id" not in payload:
        payload["correlation_id"] = ctx.params.correlation_id
    if seconds <= 0 and not ctx.settings.manual_time:
        _apply(ctx, kind, entity_id, step, payload)
        return
    ctx.session.add(
        Transition(
            kind=kind,
            entity_id=entity_id,
            step=step,
            due_at=ctx.now + dt.timedelta(seconds=max(seconds, 0)),
            job_id=job_id,
            correlation_id=payload.get("correlation_id"),
            payload=payload,
        )
    )


def cancel(ctx: RequestContext, kind: str, entity_id: str) -> None:
    """Forget the pending transitions of an entity (it was stopped, removed, …)."""
    ctx.session.execute(
        delete(Transition).where(Transition.kind == kind, Transition.entity_id == entity_id)
    )


def pending(session: Session, kind: str, entity_id: str) -> list[Transition]:
    return list(
        session.scalars(
            select(Transition).where(Transition.kind == kind, Transition.entity_id == entity_id)
        )
    )


def _apply(ctx: RequestContext, kind: str, entity_id: str, step: str, payload: dict[str, Any]) -> None:
    found = ctx.registry.steps.get(kind)
    if found is None:
        log.error("no handler for transition kind %s", kind)
        return
    found.handler(ctx, entity_id, step, payload)


def run_due(session: Session, settings: Any, now: Optional[dt.datetime] = None, limit: int = 500,
            entity_id: Optional[str] = None, due_by: Optional[dt.datetime] = None) -> int:
    """Apply every transition due by ``due_by`` (default ``now``; of ``entity_id`` only, when
    given), oldest first, as of ``now``; returns how many were applied.

    Each step runs in a savepoint: a step that fails is logged and dropped, and the others of
    the batch still apply.
    """
    now = now or utcnow()
    query = select(Transition).where(Transition.due_at <= (due_by or now))
    if entity_id is not None:
        query = query.where(Transition.entity_id == entity_id)
    due = [
        (row.id, row.kind, row.entity_id, row.step, dict(row.payload or {}))
        for row in session.scalars(query.order_by(Transition.due_at, Transition.id).limit(limit))
    ]
    applied = 0
    steps = RequestContext(session=session).registry.steps
    for row_id, kind, entity_id, step, payload in due:
        found = steps.get(kind)
        if found is not None and found.lock is not None:
            found.lock(session, entity_id)
        claimed = session.execute(delete(Transition).where(  # the same step, not one restored under its id
            Transition.id == row_id, Transition.kind == kind, Transition.entity_id == entity_id,
            Transition.step == step))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        ctx = RequestContext(session=session, settings=settings, now=now)
        try:
            with session.begin_nested():
                _apply(ctx, kind, entity_id, step, payload)
        except Exception:
            log.exception("transition %s %s of %s failed and was dropped", kind, step, entity_id)
            continue
        applied += 1
    return applied
