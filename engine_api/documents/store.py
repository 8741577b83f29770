"""Reading documents: an entity or a page of a collection, rendered by copying stored text."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional

from sqlalchemy import Select, String, and_, bindparam, cast, inspect, select
from sqlalchemy.orm import Session

from engine_api.documents.catalog import CATALOG
from engine_api.models import Document, RevisionCounter
from engine_api.services.registry import CollectionDef
from engine_api.services.results import DocumentResult, DocumentsResult
from engine_api.types.fields import API_PREFIX

_HEAD = select(RevisionCounter.value).where(RevisionCounter.name == "changes").scalar_subquery()
_HEAD_ALONE = select(RevisionCounter.value).where(RevisionCounter.name == "changes")
_ENTITY = select(Document.body, Document.xml, Document.revision).where(Document.href == bindparam("href"))


def href_of(coll: CollectionDef, entity_id: str, parent_id: Optional[str]) -> str:
    if coll.parent is None:
        return f"{API_PREFIX}/{coll.rel}/{entity_id}"
    return f"{API_PREFIX}/{coll.parent.rel}/{parent_id}/{coll.rel}/{entity_id}"


class _Switch:
    """Reads from documents, on unless a test turns them off to compare with reads from rows."""

    def __init__(self) -> None:
        self.on = True

    @contextmanager
    def disabled(self) -> Iterator[None]:
        self.on = False
        try:
            yield
        finally:
            self.on = True


DOCUMENT_READS = _Switch()


def stores(coll: CollectionDef) -> bool:
    """Whether ``coll`` keeps documents (its canonical collection), rather than being a view."""
    return DOCUMENT_READS.on and coll.key in CATALOG.collections


def documents_of(coll: CollectionDef) -> Optional[str]:
    """The collection whose documents answer a list of ``coll``: its own, or for a view (the
    clusters of a data center) the canonical collection of the same type; None when there is none."""
    if not DOCUMENT_READS.on:
        return None
    if coll.key in CATALOG.collections:
        return coll.key
    for stored in CATALOG.by_model.get(coll.model, ()):
        if stored.collection.schema is coll.schema:
            return stored.key
    return None


def _as_text(column: Any) -> Any:
    return column if isinstance(column.type, String) else cast(column, String)


def read_collection(session: Session, coll: CollectionDef, rows: Select[Any]) -> Optional[DocumentsResult]:
    """The documents of the rows ``rows`` selects, in its order (search, sort and ``max`` as it has
    them), in one statement; None when ``coll`` has no documents to answer with."""
    key = documents_of(coll)
    if key is None:
        return None
    primary = inspect(coll.model).primary_key
    if len(primary) != 1:
        return None
    stmt = (rows.with_only_columns(Document.body, Document.xml, _HEAD, maintain_column_froms=True)
            .join(Document, and_(Document.collection == key, Document.row_key == _as_text(primary[0]))))
    found = session.execute(stmt).all()
    head = found[0][2] if found else session.connection().execute(_HEAD_ALONE).scalar() or 0
    schema = coll.schema
    return DocumentsResult(schema.plural, schema.type_name, [row[0] for row in found], [row[1] for row in found],
                           int(head))


def read_entity(session: Session, coll: CollectionDef, entity_id: str,
                parent_id: Optional[str] = None) -> Optional[DocumentResult]:
    """The stored document of one entity, or None when ``coll`` keeps none of it."""
    if not stores(coll):
        return None
    row = session.connection().execute(_ENTITY, {"href": href_of(coll, entity_id, parent_id)}).first()
    if row is None:
        return None
    return DocumentResult(json=row[0], xml=row[1], revision=row[2])
