"""Optimized ``follow=`` handlers: each loads one level for all parents in one query.

A handler receives every parent entity of its level and returns one value per parent, in the
same order: a list for a sub-collection, an entity (or None) for a reference. The helpers below
build the common shapes; each concept package declares which paths its collections answer with
them (``FOLLOW`` in its ``collections`` module), and the registry holds them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Callable

from sqlalchemy import Select, select

from engine_api.services.context import RequestContext
from follow import LinkNode

Handler = Callable[[Sequence[Any], LinkNode, RequestContext], list[Any]]

#: Ids bound in one ``IN (…)``. SQLite accepts 32766 bound parameters per statement and
#: PostgreSQL 65535, so a level with more parents than this takes one more query per batch.
IDS_PER_QUERY = 10_000


def rows_for_ids(ctx: RequestContext, query: Callable[[list[Any]], Select[Any]], ids: Iterable[Any]) -> Iterator[Any]:
    """The rows of ``query(batch)`` for every batch of at most :data:`IDS_PER_QUERY` ids."""
    ids = list(ids)
    for start in range(0, len(ids), IDS_PER_QUERY):
        yield from ctx.session.scalars(query(ids[start:start + IDS_PER_QUERY]))


def children(key: str) -> Handler:
    """The rows of the nested collection ``key`` (``"vms/nics"``) for all parents, grouped per parent.

    Rows come in the collection's own order, the one ``GET /vms/{id}/nics`` answers with.
    """

    def handler(parents: Sequence[Any], node: LinkNode, ctx: RequestContext) -> list[Any]:
        coll = ctx.registry.get(key)
        if coll.parent is None or coll.parent_key is None or coll.list_query is not None:
            raise TypeError(f"children() needs a nested collection selected by a parent key, not {key!r}")
        column = getattr(coll.model, coll.parent_key)
        order = coll.order_columns()
        id_of = coll.parent.id_attribute
        grouped: dict[Any, list[Any]] = defaultdict(list)
        ids = dict.fromkeys(getattr(parent, id_of) for parent in parents)
        for row in rows_for_ids(ctx, lambda batch: select(coll.model).where(column.in_(batch)).order_by(*order), ids):
            grouped[getattr(row, coll.parent_key)].append(row)
        return [grouped.get(getattr(parent, id_of), []) for parent in parents]

    return handler


def computed_children(key: str) -> Handler:
    """The entities of the computed collection ``key`` (``"vms/statistics"``) for all parents at once."""

    def handler(parents: Sequence[Any], node: LinkNode, ctx: RequestContext) -> list[Any]:
        coll = ctx.registry.get(key)
        if coll.compute is None:
            raise TypeError(f"computed_children() needs a computed collection, not {key!r}")
        return coll.compute(ctx, parents)

    return handler


def references(model: type, source: str) -> Handler:
    """The ``model`` entities the parents reference through their ``source`` id attribute."""

    def handler(parents: Sequence[Any], node: LinkNode, ctx: RequestContext) -> list[Any]:
        ids = dict.fromkeys(getattr(parent, source) for parent in parents)
        ids.pop(None, None)
        found = {row.id: row for row in rows_for_ids(ctx, lambda batch: select(model).where(model.id.in_(batch)), ids)}
        return [found.get(getattr(parent, source)) for parent in parents]

    return handler


def reference_lists(model: type, source: str) -> Handler:
    """The ``model`` entities of each parent's list of ids (``storage_domain_ids`` of disks)."""

    def handler(parents: Sequence[Any], node: LinkNode, ctx: RequestContext) -> list[Any]:
        ids = dict.fromkeys(i for parent in parents for i in getattr(parent, source) or ())
        found = {row.id: row for row in rows_for_ids(ctx, lambda batch: select(model).where(model.id.in_(batch)), ids)}
        return [[found[i] for i in getattr(parent, source) or () if i in found] for parent in parents]

    return handler
