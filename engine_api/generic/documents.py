"""Reads of the generic store: its entities' documents, one statement per read.

The documents of a generic collection are those of its collection key under one parent href,
in the order they were added (their ``row_key``). ``search`` compiles to conditions on the
stored JSON of each document: ``attribute = value`` and ``!=`` on an entity's own attributes,
``*`` as a wildcard, case-insensitive unless asked otherwise, joined by ``and``/``or``, with
``sortby`` (by text, ignoring case, on every backend alike) and ``page``. A search the store cannot answer (other operators, free text, unknown
attributes, bad syntax) lists nothing, as the engine answers a search it cannot run.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from sqlalchemy import ColumnElement, Select, and_, cast, func, not_, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from engine_api.documents.store import rendering_column
from engine_api.generic.values import attributes_of
from engine_api.model import load
from engine_api.models import Document, RevisionCounter
from engine_api.search import And, Condition, Or, Query, SearchSyntaxError, parse_search

_HEAD = select(RevisionCounter.value).where(RevisionCounter.name == "changes")


class Unanswerable(ValueError):
    """A search the generic store does not answer: it lists nothing."""


def stored(session: Session, href: str) -> Optional[tuple[dict[str, Any], Optional[str]]]:
    """The JSON wire shape of the document at ``href`` and its parent's href, None when there is none."""
    row = session.connection().execute(select(Document.body, Document.parent_href).where(Document.href == href)).first()
    return (json.loads(row[0]), row[1]) if row is not None else None


def exists(session: Session, href: str) -> bool:
    return session.connection().execute(select(Document.href).where(Document.href == href)).first() is not None


def listing(session: Session, key: str, parent_href: Optional[str], type_name: str, representation: str, *,
            search: Optional[str] = None, max_: Optional[int] = None,
            case_sensitive: bool = False) -> tuple[list[str], int]:
    """The renderings of a collection's documents and the log's head, in one statement (two when
    the collection is empty)."""
    connection = session.connection()
    owner = Document.parent_href.is_(None) if parent_href is None else Document.parent_href == parent_href
    stmt = (select(rendering_column(representation), _HEAD.scalar_subquery())
            .where(Document.collection == key, owner))
    try:
        stmt = _searched(stmt, connection.dialect.name, type_name, search, max_, case_sensitive)
    except Unanswerable:
        return [], int(connection.execute(_HEAD).scalar() or 0)
    rows = connection.execute(stmt).all()
    head = rows[0][1] if rows else connection.execute(_HEAD).scalar()
    return [row[0] for row in rows], int(head or 0)


def _searched(stmt: Select[Any], dialect: str, type_name: str, search: Optional[str], max_: Optional[int],
              case_sensitive: bool) -> Select[Any]:
    query = Query()
    if search is not None:
        try:
            query = parse_search(search)
        except SearchSyntaxError:
            raise Unanswerable(search) from None
    if query.condition is not None:
        stmt = stmt.where(_clause(query.condition, dialect, type_name, case_sensitive))
    keys = [(func.lower(_member(dialect, _element(type_name, key.field))), key.descending) for key in query.sort]
    order = [key.desc() if descending else key for key, descending in keys]
    stmt = stmt.order_by(*order, Document.row_key)
    if max_ is not None and max_ >= 0:
        stmt = stmt.limit(max_)
        if query.page is not None:
            stmt = stmt.offset((query.page - 1) * max_)
    return stmt


def _element(type_name: str, field: str) -> str:
    """The element of the attribute a search names (by attribute name or element), when it is a
    single primitive or enum value the documents keep at their top level."""
    wanted = field.lower()
    for attribute in attributes_of(type_name):
        if wanted in (attribute.name, attribute.element) and not attribute.list \
                and attribute.type not in load().types:
            return attribute.element
    raise Unanswerable(field)


def _member(dialect: str, element: str) -> ColumnElement[Any]:
    """The text of a top-level member of the stored JSON."""
    if dialect == "postgresql":
        return cast(Document.body, JSONB)[element].astext
    return func.json_extract(Document.body, f'$."{element}"')


def _clause(node: Any, dialect: str, type_name: str, case_sensitive: bool) -> ColumnElement[bool]:
    if isinstance(node, And):
        return and_(*(_clause(operand, dialect, type_name, case_sensitive) for operand in node.operands))
    if isinstance(node, Or):
        return or_(*(_clause(operand, dialect, type_name, case_sensitive) for operand in node.operands))
    if not isinstance(node, Condition) or node.object is not None or node.operator not in ("=", "!="):
        raise Unanswerable(str(node))
    member = _member(dialect, _element(type_name, node.field))
    matches = _matches(member, node.value, dialect, case_sensitive)
    return matches if node.operator == "=" else or_(member.is_(None), not_(matches))


def _matches(member: ColumnElement[Any], value: str, dialect: str, case_sensitive: bool) -> ColumnElement[bool]:
    if "*" not in value:
        return member == value if case_sensitive else func.lower(member) == value.lower()
    if case_sensitive and dialect == "sqlite":
        pattern = "".join(f"[{c}]" if c in "?[" else c for c in value)
        return member.op("GLOB")(pattern)
    pattern = "".join("\\" + c if c in "\\%_" else "%" if c == "*" else c for c in value)
    if case_sensitive:
        return member.like(pattern, escape="\\")
    return func.lower(member).like(pattern.lower(), escape="\\")


__all__ = ["Unanswerable", "exists", "listing", "stored"]
