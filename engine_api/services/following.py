"""``follow=`` for the service layer: parse the tree, run optimized handlers, crawl the rest.

The generic resolver follows any link of any type with one query per entity and link, as the
engine's own follower does; handlers in :data:`HANDLERS` load a whole level in one query.
"""
from __future__ import annotations

import time
from typing import Any, Optional

from follow import FollowSyntaxError, HandlerRegistry, LinkNode, UnknownLink, follow_links, parse_follow

from engine_api.faults import BadRequest
from engine_api.services.context import RequestContext
from engine_api.services.registry import REGISTRY, CollectionDef
from engine_api.types.links import link_target

#: The optimized handlers, by (collection, link path); see ``follow_handlers``.
HANDLERS = HandlerRegistry()


def _collection_of(entity: Any) -> CollectionDef:
    coll = REGISTRY.for_model(type(entity))
    if coll is None:
        raise UnknownLink("?", type(entity).__name__)
    return coll


def resolve_link(parent: Any, node: LinkNode, ctx: RequestContext) -> Any:
    """One link of one entity: a list for a sub-collection, an entity or None for a reference."""
    coll = _collection_of(parent)
    target = link_target(coll.schema, node.key)
    if target is None:
        raise UnknownLink(node.name, coll.schema.__name__)
    if target.kind == "collection":
        owner = coll if coll.parent is None else coll.parent
        nested = REGISTRY.get(f"{owner.rel}/{target.rel}")
        stmt = nested.base_query(ctx, parent.id)
        return list(ctx.session.scalars(stmt.order_by(*nested.order_columns())))
    referenced = REGISTRY.top_level(target.collection)
    assert referenced is not None
    if target.kind == "reference":
        value = getattr(parent, target.source, None)
        return ctx.session.get(referenced.model, value) if value else None
    ids = getattr(parent, target.source, None) or []
    return [entity for entity in (ctx.session.get(referenced.model, i) for i in ids) if entity is not None]


def follow(ctx: RequestContext, coll: CollectionDef, entities: list[Any]) -> tuple[Optional[LinkNode], Any]:
    """The parsed follow tree and what was followed, or ``(None, None)`` without ``follow``."""
    if not ctx.params.follow:
        return None, None
    started = time.perf_counter()
    try:
        tree = parse_follow(ctx.params.follow)
    except FollowSyntaxError as error:
        raise BadRequest(f"Invalid follow parameter: {error}", reason="Operation Failed") from None
    if not tree.children:
        return None, None
    try:
        followed = follow_links(coll.key, entities, tree, resolve=resolve_link, registry=HANDLERS, context=ctx)
    except UnknownLink as error:
        raise BadRequest(error.message, reason="Operation Failed") from None
    # ``follow_links`` marks the nodes it consumed; rendering walks a fresh copy.
    ctx.extras["follow_seconds"] = ctx.extras.get("follow_seconds", 0.0) + time.perf_counter() - started
    return parse_follow(ctx.params.follow), followed
