"""``search=``, ``max`` and paging over a collection's query."""
from __future__ import annotations

import logging
from typing import Any, Optional

from sqlalchemy import Select, func

from engine_api.services.context import RequestContext
from engine_api.services.registry import CollectionDef

log = logging.getLogger(__name__)


def _order(coll: CollectionDef) -> list[Any]:
    out = []
    for name in coll.order_by:
        descending = name.startswith("-")
        column = getattr(coll.model, name.lstrip("-"))
        out.append(column.desc() if descending else column)
    return out


def apply(ctx: RequestContext, coll: CollectionDef, stmt: Select[Any]) -> Optional[Select[Any]]:
    """The collection query with search, order and ``max``; None for a search that matches nothing."""
    params = ctx.params
    page = None
    order = _order(coll)
    if params.search and coll.search is not None:
        compiled = coll.search(ctx, params.search, params.case_sensitive)
        if compiled is None:
            return None
        where, sort, page = compiled
        if where is not None:
            stmt = stmt.where(where)
        if sort:
            order = sort + order
    stmt = stmt.order_by(*order)
    if params.max is not None and params.max >= 0:
        stmt = stmt.limit(params.max)
        if page is not None and page > 1:
            stmt = stmt.offset((page - 1) * params.max)
    return stmt


def name_search(model: type) -> Any:
    """A minimal search: ``name=value`` with ``*`` wildcards, for collections not yet described."""

    def compile_search(ctx: RequestContext, text: str, case_sensitive: bool) -> Any:
        text = text.strip()
        if not text.lower().startswith("name") or "=" not in text:
            log.info("unsupported search %r on %s", text, model.__name__)
            return None
        value = text.split("=", 1)[1].strip().strip('"')
        pattern = value.replace("*", "%")
        column = model.name if case_sensitive else func.lower(model.name)
        pattern = pattern if case_sensitive else pattern.lower()
        return (column.like(pattern), [], None)

    return compile_search
