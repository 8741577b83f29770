"""``search=``, ``max`` and paging over a collection's query."""
from __future__ import annotations

import logging
from typing import Any, Optional

from sqlalchemy import Select

from engine_api.faults import BadRequest
from engine_api.search import SearchSyntaxError, SearchTooComplex, compile_search
from engine_api.services.context import RequestContext
from engine_api.services.registry import CollectionDef

log = logging.getLogger(__name__)


def apply(ctx: RequestContext, coll: CollectionDef, stmt: Select[Any]) -> Optional[Select[Any]]:
    """The collection query with search, order and ``max``.

    An invalid search answers like the engine, with nothing: None here, an empty list on the
    wire, and a line in the log saying why. A search over the language's bounds is a 400 fault.
    """
    params = ctx.params
    if params.search and coll.search is not None:
        try:
            compiled = compile_search(params.search, coll.search, case_sensitive=params.case_sensitive,
                                      max_results=params.max)
        except SearchTooComplex as error:
            raise BadRequest(f"The search is too complex: {error}") from None
        except SearchSyntaxError as error:
            log.info("search %r on %s answers nothing: %s", params.search, coll.key, error)
            return None
        return compiled.apply(stmt)
    stmt = stmt.order_by(*coll.order_columns())
    if params.max is not None and params.max >= 0:
        stmt = stmt.limit(params.max)
    return stmt
