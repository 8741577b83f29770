"""Entity reads answered straight from their stored documents, without the WSGI application.

``GET /ovirt-engine/api/vms/{id}`` of an entity with a document costs one indexed lookup by href
and a copy of the stored rendering. Run through Flask it costs the same lookup plus the
framework's request context, hooks, routing, parameter parsing and an ORM session: in process,
about 350 µs against 20 µs here. :class:`DirectReads` answers the plain form of such a request itself: a GET with
no query string, of a path in canonical form, with only the headers that negotiate the format
and authenticate. Everything else, and every request it cannot answer whole (credentials that do
not authenticate, an href without a document), goes to the application, which answers it as
before. A differential test holds the two to the same status, headers and body for every stored
document.
"""
from __future__ import annotations

import re
import time
from typing import Any, Optional

from sqlalchemy import bindparam, select
from werkzeug.exceptions import HTTPException

from engine_api.documents.store import DOCUMENT_READS, rendering_column
from engine_api.models import Document
from engine_api.normalize import API_ROOT
from engine_api.wire.codec import JSON_TYPE, codec_for_accept

Scope = dict[str, Any]
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]

#: ``/ovirt-engine/api/{collection}/{id}`` or ``/ovirt-engine/api/{collection}/{id}/{sub-collection}/{id}``;
#: a version segment (``/v4``) is left to the application's path normaliser.
_ENTITY_PATH = re.compile(
    re.escape(API_ROOT) + r"/(?!v\d+/)[a-z]+/[A-Za-z0-9_.:-]+(?:/[a-z]+/[A-Za-z0-9_.:-]+)?")
#: Headers that change what the application answers beyond the format: such requests go to it.
_DEFERRED_HEADERS = frozenset({b"filter", b"all-content", b"correlation-id", b"prefer"})
_QUERIES = {representation: select(rendering_column(representation), Document.revision, Document.collection)
            .where(Document.href == bindparam("href")) for representation in ("json", "xml")}


class _DocumentLookup:
    """The one statement of a direct read, run on a pooled connection through the driver itself.

    SQLAlchemy's statement execution costs several times the lookup it runs; here the statement
    is compiled once for the database's dialect and the driver's cursor runs it, outside any
    transaction (PostgreSQL: in autocommit, so no BEGIN and ROLLBACK round trips; SQLite: a
    lone SELECT opens none).
    """

    def __init__(self, db: Any) -> None:
        self.db = db
        dialect = db.engine.dialect
        self.sql = {representation: str(query.compile(dialect=dialect)) for representation, query in _QUERIES.items()}
        self.positional = dialect.positional
        self.autocommit = not db.is_sqlite

    def __call__(self, href: str, representation: str) -> Optional[tuple[str, int, str]]:
        pooled = self.db.engine.raw_connection()
        try:
            driver = pooled.driver_connection
            if self.autocommit:
                driver.autocommit = True
            try:
                cursor = driver.cursor()
                try:
                    cursor.execute(self.sql[representation], (href,) if self.positional else {"href": href})
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            finally:
                if self.autocommit:
                    driver.autocommit = False
        finally:
            pooled.close()
        self.db.driver_statements.add()
        return (row[0], int(row[1]), row[2]) if row is not None else None


class DirectReads:
    """Answers plain entity GETs of the engine ``state`` (the app's ``EngineState``) from documents.

    A document is answered only where the application's ``url_map`` routes a GET of its href
    (a member the API model gives no ``get`` is the application's to refuse), as found once per
    collection of documents.
    """

    def __init__(self, state: Any, url_map: Any) -> None:
        self.state = state
        self.adapter = url_map.bind("localhost")
        self._readable: dict[str, bool] = {}
        self._lookup: Optional[_DocumentLookup] = None

    def _routed(self, collection: str, href: str) -> bool:
        readable = self._readable.get(collection)
        if readable is None:
            try:
                self.adapter.match(href, method="GET")
                readable = True
            except HTTPException:
                readable = False
            self._readable[collection] = readable
        return readable

    def takes(self, scope: Scope) -> bool:
        """Whether the request is of the plain form this answers (decided on the event loop, from
        the request line and headers alone)."""
        if scope["method"] != "GET" or scope["query_string"] or not DOCUMENT_READS.on:
            return False
        if not _ENTITY_PATH.fullmatch(scope["path"]):
            return False
        for name, value in scope["headers"]:
            if name in _DEFERRED_HEADERS or b"\x00" in value:
                return False
            if name == b"version" and value.strip() not in (b"4", b""):
                return False
        return True

    def answer(self, scope: Scope) -> Optional[Answer]:
        """The response to a request :meth:`takes`, or None when the application must answer it.
        May query the database: call it in a thread."""
        from engine_api.app import authorize

        started = time.perf_counter()
        headers = {name: value for name, value in scope["headers"]}
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        principal, _ = authorize(self.state.authenticator, authorization)
        if principal is None or not principal.administrative:
            return None  # a user's view (what he may see) is the application's to answer
        codec = codec_for_accept(headers[b"accept"].decode("latin-1") if b"accept" in headers else None)
        representation = "json" if codec.content_type == JSON_TYPE else "xml"
        if self._lookup is None:
            self._lookup = _DocumentLookup(self.state.db)
        sql_started = time.perf_counter()
        row = self._lookup(scope["path"], representation)
        sql = time.perf_counter() - sql_started
        if row is None:
            return None
        fragment, revision, collection = row
        if not self._routed(collection, scope["path"]):
            return None
        etag = f'"{revision}"'.encode()
        response = [(b"etag", etag), (b"revision", str(revision).encode())]
        if etag in [tag.strip() for tag in headers.get(b"if-none-match", b"").split(b",")]:
            status, body = 304, b""
        else:
            status, body = 200, codec.entity_of(fragment)
            response[:0] = [(b"content-type", codec.content_type.encode()),
                            (b"content-length", str(len(body)).encode())]
        total = time.perf_counter() - started
        response.append((b"server-timing",
                         f'sql;dur={sql * 1000:.2f};desc="1 statements", total;dur={total * 1000:.2f}'.encode()))
        return status, response, body
