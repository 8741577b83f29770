"""The audit log: events with the engine's codes and messages."""
from __future__ import annotations

from typing import Any

from engine_api.models import Event
from engine_api.services.context import RequestContext


def acting_user(ctx: RequestContext) -> str:
    """The acting user as the engine's event texts name it: ``admin@internal-authz``."""
    name = ctx.user.user_name if ctx.user is not None else ctx.settings.admin_user
    return f"{name}-authz"


def record_event(
    ctx: RequestContext,
    code: int,
    description: str,
    *,
    severity: str = "normal",
    correlation_id: str | None = None,
    **refs: Any,
) -> Event:
    """Write one event in the caller's transaction; ``refs`` are ``vm_id=…``, ``host_id=…``."""
    event = Event(
        code=code,
        description=description,
        severity=severity,
        time=ctx.now,
        correlation_id=correlation_id if correlation_id is not None else ctx.params.correlation_id,
        user_id=refs.pop("user_id", ctx.user_id),
        **refs,
    )
    ctx.session.add(event)
    return event
