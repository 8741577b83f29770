"""Reading documents: an entity or a page of a collection, rendered by copying stored text."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Hashable, Iterator, Optional

from sqlalchemy import Select, String, and_, bindparam, cast, inspect, select
from sqlalchemy.orm import Session

from engine_api.documents.catalog import CATALOG
from engine_api.documents.listings import RenderedListings
from engine_api.models import Document, RevisionCounter
from engine_api.services.registry import CollectionDef
from engine_api.services.results import DocumentResult, DocumentsResult
from engine_api.types.fields import API_PREFIX
from engine_api.wire.codec import codec_for_representation

_HEAD = select(RevisionCounter.value).where(RevisionCounter.name == "changes").scalar_subquery()
_HEAD_ALONE = select(RevisionCounter.value).where(RevisionCounter.name == "changes")


def head_revision(session: Session) -> int:
    """The change log's head as ``session`` sees it: the revision of the newest committed change."""
    return int(session.connection().execute(_HEAD_ALONE).scalar() or 0)


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


def rendering_column(representation: str) -> Any:
    """The stored rendering a response in ``representation`` (``json`` or ``xml``) copies."""
    return Document.body if representation == "json" else Document.xml


def read_collection(session: Session, coll: CollectionDef, rows: Select[Any], representation: str,
                    follow: Optional[str] = None, listings: Optional[RenderedListings] = None,
                    key: Optional[Hashable] = None) -> Optional[DocumentsResult]:
    """The documents of the rows ``rows`` selects, in its order (search, sort and ``max`` as it has
    them), in one statement, with the sub-collections ``follow`` names inlined (one statement
    each); None when documents cannot answer (no documents, or links documents do not assemble).

    With ``listings`` and a ``key`` naming everything the listing depends on besides the
    documents, a listing assembled anew is kept there with the head its statement read; a repeat
    reads the head (one statement) and, when it has not moved, is answered with the kept body.
    """
    stored = documents_of(coll)
    if stored is None:
        return None
    links = followed_sub_collections(coll, follow) if follow else []
    if links is None:
        return None
    primary = inspect(coll.model).primary_key
    if len(primary) != 1:
        return None
    keeper = listings if listings is not None and listings.enabled and key is not None else None
    if keeper is not None and keeper.kept_head(key) is not None:
        head = head_revision(session)
        kept = keeper.get(key, head)
        if kept is not None:
            return DocumentsResult(coll.schema.plural, coll.schema.type_name, [], representation, head, body=kept,
                                   key=key)
    stmt = (rows.with_only_columns(rendering_column(representation), _HEAD, Document.entity_id, maintain_column_froms=True)
            .join(Document, and_(Document.collection == stored, Document.row_key == _as_text(primary[0]))))
    found = session.connection().execute(stmt).all()
    head = int(found[0][1]) if found else head_revision(session)
    fragments = [row[0] for row in found]
    if links:
        fragments = inline_sub_collections(session, fragments, [row[2] for row in found], links, representation,
                                           rows.with_only_columns(primary[0], maintain_column_froms=True))
    result = DocumentsResult(coll.schema.plural, coll.schema.type_name, fragments, representation, head)
    if keeper is not None:
        result.body = codec_for_representation(representation).collection_of(result.plural, result.singular,
                                                                               fragments)
        keeper.put(key, result.revision, result.body)
        result.key = key
    return result


def _splice(fragment: str, representation: str, attribute: str, item: str, children: list[str]) -> str:
    """A parent's rendering with a followed sub-collection inlined as its last attribute, where
    :func:`engine_api.render.entity_data` places it."""
    if representation == "json":
        return f'{fragment[:-1]},"{attribute}":{{"{item}":[{",".join(children)}]}}}}'
    inner = f"<{attribute}>{''.join(children)}</{attribute}>" if children else f"<{attribute}/>"
    if fragment.endswith("/>"):
        tag = fragment[1:].split(" ", 1)[0].split("/", 1)[0]
        return f"{fragment[:-2]}>{inner}</{tag}>"
    closing = fragment.rindex("</")
    return fragment[:closing] + inner + fragment[closing:]


def followed_sub_collections(coll: CollectionDef, follow: Optional[str]) -> Optional[list[tuple[str, CollectionDef]]]:
    """``(attribute, nested collection)`` for each link ``follow`` names, when every one is a
    sub-collection one level down whose entities have documents of their own; else None."""
    from engine_api.services.following import _sub_collection
    from engine_api.types.links import link_target
    from follow import FollowSyntaxError, parse_follow

    if not DOCUMENT_READS.on or not follow or documents_of(coll) is None:
        return None
    try:
        tree = parse_follow(follow)
    except FollowSyntaxError:
        return None
    found = []
    for node in tree.children:
        target = link_target(coll.schema, node.key)
        if node.children or target is None or target.kind != "collection":
            return None
        nested = _sub_collection(CATALOG.registry, coll.schema, target.rel)
        if nested is None or nested.key not in CATALOG.collections or nested.parent_key is None \
                or nested.list_query is not None or len(inspect(nested.model).primary_key) != 1:
            return None
        found.append((target.attribute, nested))
    return found or None


def inline_sub_collections(session: Session, fragments: list[str], parent_ids: list[str],
                           links: list[tuple[str, CollectionDef]], representation: str,
                           parent_rows: Optional[Select[Any]] = None) -> list[str]:
    """The parents' ``fragments`` with each followed sub-collection inlined: one statement per link.

    The parents are selected again by ``parent_rows`` (the ids of the listing's own query) when
    given, else by their ids.
    """
    fragments = list(fragments)
    column = rendering_column(representation)
    connection = session.connection()
    for attribute, nested in links:
        key_column = getattr(nested.model, nested.parent_key)
        primary = inspect(nested.model).primary_key[0]
        children = (select(key_column, column).select_from(nested.model)
                    .join(Document, and_(Document.collection == nested.key, Document.row_key == _as_text(primary)))
                    .order_by(*nested.order_columns()))
        batches = [children.where(key_column.in_(parent_rows.subquery().select()))] if parent_rows is not None else [
            children.where(key_column.in_(parent_ids[start:start + 10_000]))
            for start in range(0, len(parent_ids), 10_000)]
        grouped: dict[str, list[str]] = {}
        for stmt in batches:
            for owner, fragment in connection.execute(stmt):
                grouped.setdefault(owner, []).append(fragment)
        item = nested.schema.type_name
        fragments = [_splice(fragment, representation, attribute, item, grouped.get(parent_id, []))
                     for fragment, parent_id in zip(fragments, parent_ids, strict=True)]
    return fragments


_ENTITIES = {representation: select(rendering_column(representation), Document.revision).where(Document.href == bindparam("href"))
             for representation in ("json", "xml")}


def read_document(session: Session, href: str, representation: str) -> Optional[tuple[str, int]]:
    """The rendering in ``representation`` and the revision of the document at ``href``; None
    when there is none."""
    row = session.connection().execute(_ENTITIES[representation], {"href": href}).first()
    return (row[0], int(row[1])) if row is not None else None


def read_entity(session: Session, coll: CollectionDef, entity_id: str, representation: str,
                parent_id: Optional[str] = None, follow: Optional[str] = None) -> Optional[DocumentResult]:
    """The stored document of one entity, with the sub-collections ``follow`` names inlined;
    None when ``coll`` keeps no document of it or documents cannot assemble what is followed."""
    if not stores(coll):
        return None
    links = followed_sub_collections(coll, follow) if follow else []
    if links is None:
        return None
    found = read_document(session, href_of(coll, entity_id, parent_id), representation)
    if found is None:
        return None
    fragment, revision = found
    if links:
        fragment = inline_sub_collections(session, [fragment], [entity_id], links, representation)[0]
    return DocumentResult(fragment, representation, revision, tag=coll.schema.type_name)
