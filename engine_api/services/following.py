"""``follow=`` for the service layer: parse the tree, check its links, run handlers, crawl the rest.

The generic resolver follows any link of any type with one query per entity and link, as the
engine's own follower does; the registry's optimized handlers (``follow_handlers``) load a whole
level in one query.
"""
from __future__ import annotations

from typing import Any, Optional

from engine_api.faults import BadRequest
from engine_api.services.context import RequestContext
from engine_api.services.registry import CollectionDef, Registry
from engine_api.types import TypeSchema
from engine_api.types.links import LinkTarget, link_target
from follow import (
    FollowResult,
    FollowSyntaxError,
    LinkNode,
    UnknownLink,
    follow_links,
    parse_follow,
)

__all__ = ["check_links", "follow", "resolve_link"]


def _sub_collection(registry: Registry, schema: type[TypeSchema], rel: str) -> Optional[CollectionDef]:
    """The nested collection ``rel`` below a top-level collection of ``schema`` (``vms/nics``)."""
    for coll in registry:
        if coll.parent is not None and coll.rel == rel and coll.parent.schema is schema:
            return coll
    return None


def _target(registry: Registry, schema: type[TypeSchema], node: LinkNode) -> LinkTarget:
    """What ``node`` names on ``schema``, if the engine serves it; else :class:`UnknownLink`."""
    target = link_target(schema, node.key)
    if target is not None:
        if target.kind == "collection" and _sub_collection(registry, schema, target.rel) is not None:
            return target
        if target.kind != "collection" and registry.top_level(target.collection) is not None:
            return target
    raise UnknownLink(node.name, schema.__name__, node.path)


def check_links(registry: Registry, schema: type[TypeSchema], node: LinkNode) -> None:
    """Check every link below ``node`` against the types, before any data is loaded.

    Raises :class:`UnknownLink` for the first link a type does not have, so a bad name is a
    fault whether or not there is anything to follow.
    """
    for child in node.children:
        check_links(registry, _target(registry, schema, child).schema, child)


def resolve_link(parent: Any, node: LinkNode, ctx: RequestContext) -> Any:
    """One link of one entity: a list for a sub-collection, an entity or None for a reference."""
    owner = ctx.registry.for_model(type(parent))
    if owner is None:
        raise UnknownLink(node.name, type(parent).__name__, node.path)
    target = _target(ctx.registry, owner.schema, node)
    if target.kind == "collection":
        nested = _sub_collection(ctx.registry, owner.schema, target.rel)
        assert nested is not None and nested.parent is not None
        if nested.compute is not None:
            return nested.compute(ctx, [parent])[0]
        stmt = nested.base_query(ctx, getattr(parent, nested.parent.id_attribute))
        return list(ctx.session.scalars(stmt.order_by(*nested.order_columns())))
    referenced = ctx.registry.top_level(target.collection)
    assert referenced is not None
    if target.kind == "reference":
        value = getattr(parent, target.source, None)
        return ctx.session.get(referenced.model, value) if value else None
    ids = getattr(parent, target.source, None) or []
    return [entity for entity in (ctx.session.get(referenced.model, i) for i in ids) if entity is not None]


def follow(ctx: RequestContext, coll: CollectionDef, entities: list[Any]) -> tuple[Optional[LinkNode], Optional[FollowResult]]:
    """The parsed follow tree and what was followed, or ``(None, None)`` without ``follow``.

    The result's ``seconds`` is the time spent following, queries included.
    """
    if not ctx.params.follow:
        return None, None
    try:
        tree = parse_follow(ctx.params.follow)
    except FollowSyntaxError as error:
        raise BadRequest(f"Invalid follow parameter: {error}", reason="Operation Failed") from None
    if not tree.children:
        return None, None
    try:
        check_links(ctx.registry, coll.schema, tree)
        followed = follow_links(coll.key, entities, tree, resolve=resolve_link, registry=ctx.registry.handlers,
                                context=ctx)
    except UnknownLink as error:
        raise BadRequest(error.message, reason="Operation Failed") from None
    return tree, followed
