"""Events, jobs and users."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from engine_api import limits
from engine_api import models as m
from engine_api import types as t
from engine_api.faults import cannot
from engine_api.services import jobs
from engine_api.services.context import RequestContext
from engine_api.services.crud import require
from engine_api.services.registry import REGISTRY, CollectionDef


def events_query(ctx: RequestContext, parent_id: Optional[str]) -> Any:
    stmt = select(m.Event)
    if ctx.params.from_ is not None:
        limits.check_parameter(m.Event.id, "from", ctx.params.from_)
        stmt = stmt.where(m.Event.id > ctx.params.from_)
    return stmt


def add_event(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Event:
    """An external event (``POST /events``), as monitoring systems add them."""
    require(data, "Event", "description", "severity", "origin", "custom_id")
    data.setdefault("code", 0)
    event = m.Event(time=ctx.now, correlation_id=ctx.params.correlation_id, user_id=ctx.user_id, **data)
    ctx.session.add(event)
    return event


def clear_job(ctx: RequestContext, job: m.Job, params: dict[str, Any]) -> None:
    if not job.external and job.status == "started":
        raise cannot("clear Job", "Only external or ended jobs can be cleared")
    ctx.session.delete(job)


def end_job(ctx: RequestContext, job: m.Job, params: dict[str, Any]) -> None:
    if not job.external:
        raise cannot("end Job", "Only external jobs can be ended")
    jobs.end_job(ctx, job.id, "finished" if params.get("succeeded", True) else "failed")


EVENTS = REGISTRY.add(CollectionDef(
    "events", t.Event, m.Event, "Event", order_by=("-id",), list_query=events_query, add=add_event))
JOBS = REGISTRY.add(CollectionDef(
    "jobs", t.Job, m.Job, "Job", order_by=("-start_time", "id"), read_only=True, removable=False,
    actions={"clear": clear_job, "end": end_job}))
USERS = REGISTRY.add(CollectionDef(
    "users", t.User, m.User, "User", order_by=("user_name",), read_only=True, removable=False))
