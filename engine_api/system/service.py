"""Events, jobs and users as the API adds and removes them."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from engine_api import limits
from engine_api import models as m
from engine_api.faults import cannot
from engine_api.services.context import RequestContext
from engine_api.services.crud import require
from engine_api.system import jobs

# -- events -------------------------------------------------------------------------------

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


# -- jobs ---------------------------------------------------------------------------------

def clear_job(ctx: RequestContext, job: m.Job, params: dict[str, Any]) -> None:
    if not job.external and job.status == "started":
        raise cannot("clear Job", "Only external or ended jobs can be cleared")
    ctx.session.delete(job)


def end_job(ctx: RequestContext, job: m.Job, params: dict[str, Any]) -> None:
    if not job.external:
        raise cannot("end Job", "Only external jobs can be ended")
    jobs.end_job(ctx, job.id, "finished" if params.get("succeeded", True) else "failed")


def add_job(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Job:
    """An external job (``POST /jobs``): a task another system runs, shown and ended through the
    API; it is started, owned by the user who added it, and ends with the ``end`` action."""
    require(data, "Job", "description")
    job = m.Job(description=data["description"], auto_cleared=data.get("auto_cleared", True), external=True,
                status="started", start_time=ctx.now, last_updated=ctx.now, owner_id=ctx.user_id,
                correlation_id=ctx.params.correlation_id)
    ctx.session.add(job)
    return job


# -- users --------------------------------------------------------------------------------

def add_user(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.User:
    """A user of a directory added to the engine (``POST /users``), by its ``user_name``
    (``name@domain``; the domain defaults to ``internal-authz``)."""
    require(data, "User", "user_name")
    user_name = data["user_name"]
    principal, _, domain = user_name.partition("@")
    domain = data.get("domain") or domain or "internal-authz"
    if ctx.session.scalars(select(m.User.id).where(m.User.user_name == user_name).limit(1)).first() is not None:
        raise cannot("add User", "The user is already in the system")
    user = m.User(user_name=user_name, principal=data.get("principal") or principal,
                  name=data.get("name") or principal, domain=domain)
    ctx.session.add(user)
    return user


def remove_user(ctx: RequestContext, user: m.User, parent_id: Optional[str]) -> None:
    if user.id == ctx.user_id or user.user_name == ctx.settings.admin_user:
        raise cannot("remove User", "The engine's administrator, and the user who asks, cannot be removed")
    ctx.session.delete(user)
