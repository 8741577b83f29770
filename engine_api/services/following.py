"""``follow=`` for the service layer: parse the tree, run handlers and the generic resolver."""
from __future__ import annotations

from typing import Any

from engine_api.services.context import RequestContext
from engine_api.services.registry import CollectionDef


def follow(ctx: RequestContext, coll: CollectionDef, entities: list[Any]) -> tuple[Any, Any]:
    """The parsed follow tree and what was followed, or ``(None, None)`` without ``follow``."""
    return None, None
