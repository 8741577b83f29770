"""The request side shared by all routes: parameters, bodies, negotiation, one service call."""
from __future__ import annotations

import time
from typing import Any, Callable, Optional

from flask import Response, current_app, g, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import ClientDisconnected

from engine_api import limits
from engine_api.db import refuse_writes
from engine_api.documents.recorder import REVISION
from engine_api.documents.store import head_revision
from engine_api.faults import (
    BadRequest,
    InvalidValue,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from engine_api.models import Event
from engine_api.network import macs
from engine_api.render import render, render_documents
from engine_api.services.context import Params, RequestContext
from engine_api.services.results import (
    DocumentResult,
    DocumentsResult,
    EntityResult,
    RawResult,
    WireResult,
)
from engine_api.wire import (
    Codec,
    UnsupportedFormat,
    WireError,
    codec_for_accept,
    codec_for_content_type,
)
from engine_api.wire.codec import JSON_TYPE
from push.projection import Projection, ProjectionError, parse_projection

_TRUE = ("true",)
_FALSE = ("false",)
#: Methods that only read: their transaction refuses to write.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def state() -> Any:
    return current_app.extensions["engine_emu"]


def _bool(name: str, default: Optional[bool] = False) -> Optional[bool]:
    raw = request.args.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE or value == "":
        return True
    if value in _FALSE:
        return False
    raise BadRequest(f"Invalid value '{raw}' for parameter '{name}': expected true or false")


def _int(name: str) -> Optional[int]:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"Invalid value '{raw}' for parameter '{name}': expected an integer") from None
    if not limits.INT64[0] <= value <= limits.INT64[1]:
        raise BadRequest(f"Invalid value '{raw}' for parameter '{name}': out of range; the allowed range is "
                         f"{limits.INT64[0]} to {limits.INT64[1]}")
    return value


def _correlation_id() -> Optional[str]:
    """The ``correlation_id`` parameter, else the ``Correlation-Id`` header: refused when the
    events and jobs it marks could not store it."""
    value = request.args.get("correlation_id") or request.headers.get("Correlation-Id") or None
    limits.check_parameter(Event.correlation_id, "correlation_id", value)
    return value


PROJECTION = "projection"
"""The query parameter that selects the attributes a read answers."""


def _projection() -> Optional[Projection]:
    """The ``projection`` parameter of a read, parsed; a 400 fault naming what is wrong with it.
    Only reads are projected: other methods ignore it."""
    raw = request.args.get(PROJECTION)
    if raw is None or request.method not in ("GET", "HEAD"):
        return None
    try:
        return parse_projection(raw)
    except ProjectionError as error:
        raise BadRequest(f"Invalid value for parameter '{PROJECTION}': {error}") from None


def refuse_nul_characters() -> None:
    """Refuse a request whose path, query parameters or headers hold U+0000 (a 400 fault).

    No database stores the character and no id or name contains it; the engine's servlet
    container refuses such URLs the same way.
    """
    if "\x00" in request.path:
        raise BadRequest("The request path contains the character U+0000, which is not allowed")
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise BadRequest(f"The query parameter {name!r} contains the character U+0000, which is not allowed")
    for name, value in request.headers.items():
        if "\x00" in value:
            raise BadRequest(f"The header '{name}' contains the character U+0000, which is not allowed")


def request_params() -> Params:
    header_filter = request.headers.get("Filter", "").strip().lower() == "true"
    all_content_header = request.headers.get("All-Content", "").strip().lower() == "true"
    return Params(
        search=request.args.get("search") or None,
        max=_int("max"),
        case_sensitive=bool(_bool("case_sensitive", False)),
        follow=request.args.get("follow") or None,
        all_content=bool(_bool("all_content", False)) or all_content_header,
        filter=bool(_bool("filter", False)) or header_filter,
        from_=_int("from"),
        async_=bool(_bool("async", False)),
        force=bool(_bool("force", False)),
        detach_only=_bool("detach_only", None),
        correlation_id=_correlation_id(),
        current=bool(_bool("current", False)),
        virt_viewer="application/x-virt-viewer" in request.headers.get("Accept", "").lower(),
        unregistered=bool(_bool("unregistered", False)),
        projection=_projection(),
    )


def negotiated_codec() -> Codec:
    return codec_for_accept(request.headers.get("Accept"))


def raw_body() -> bytes:
    """The request body as sent: a 413 fault over the size limit, a 400 fault when it cannot be
    read (the client went away in the middle of it)."""
    limit = state().config.max_body_bytes
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(f"The request body exceeds the limit of {limit} bytes")
    try:
        body = request.stream.read(limit + 1)
    except (OSError, ValueError, ClientDisconnected) as error:
        raise BadRequest(f"The request body could not be read: {type(error).__name__}") from None
    if len(body) > limit:
        raise PayloadTooLarge(f"The request body exceeds the limit of {limit} bytes")
    return body


def decode_body() -> tuple[Optional[str], Any]:
    """The request body as ``(root tag, data)``; an empty body is an empty object."""
    body = raw_body()
    if not body.strip():
        return None, {}
    try:
        codec = codec_for_content_type(request.headers.get("Content-Type"), body)
    except UnsupportedFormat as error:
        raise UnsupportedMediaType(str(error)) from None
    try:
        return codec.parse(body)
    except WireError as error:
        raise InvalidValue(str(error)) from None


def respond(result: Any, codec: Optional[Codec] = None, projection: Optional[Projection] = None) -> Response:
    """The response of a service's ``result`` in ``codec``'s format; with ``projection``, holding
    only the attributes it selects (documents are then read in their JSON wire shape)."""
    codec = codec or negotiated_codec()
    started = time.perf_counter()
    if isinstance(result, (DocumentResult, DocumentsResult)):
        response = _document_response(result, codec, projection)
    elif isinstance(result, RawResult):
        response = Response(result.body, status=result.status, content_type=result.content_type)
    elif result is None:
        response = Response(b"", status=200, content_type=codec.content_type)
    else:
        body = render(result, codec, projection)
        status = getattr(result, "status", 200)
        if not isinstance(status, int):
            status = getattr(result, "http_status", 200)
        response = Response(body, status=status, content_type=codec.content_type)
        if isinstance(result, (EntityResult, WireResult)) and result.location:
            response.headers["Location"] = result.location
    g.render_seconds = time.perf_counter() - started
    return response


def _nic_action() -> str:
    """What a request that gives a NIC a MAC does, in the engine's words."""
    return "add NIC" if request.method == "POST" else "update NIC"


def _document_response(result: DocumentResult | DocumentsResult, codec: Codec,
                       projection: Optional[Projection] = None) -> Response:
    """Stored renderings copied into a response, with the revision they reflect as ``ETag`` and
    ``Revision``; ``304 Not Modified`` when the client holds that revision already."""
    headers = {"ETag": result.etag, "Revision": str(result.revision)}
    if result.etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        return Response(b"", status=304, headers=headers)
    if projection is not None:
        body = _projected_documents(result, codec, projection)
    elif isinstance(result, DocumentResult):
        body = codec.entity_of(result.fragment)
    else:
        body = result.body if result.body is not None else codec.collection_of(result.plural, result.singular,
                                                                                result.fragments)
    return Response(body, status=result.status, content_type=codec.content_type, headers=headers)


def _projected_documents(result: DocumentResult | DocumentsResult, codec: Codec, projection: Projection) -> bytes:
    """A projected answer from documents; a projected listing is kept with the listing it comes
    from, by the head it reflects, so that a repeat at the same head is not projected again."""
    listings = state().listings
    key = getattr(result, "key", None)
    if key is None or not listings.enabled:
        return render_documents(result, codec, projection)
    kept_as = (PROJECTION, key, projection, codec.content_type)
    body = listings.get(kept_as, result.revision)
    if body is None:
        body = render_documents(result, codec, projection)
        listings.put(kept_as, result.revision, body)
    return body


def call(service: Callable[..., Any], *args: Any, body: bool = False) -> Response:
    """Run one service function in one transaction and render what it returns.

    With ``body`` the decoded request body is the service's last argument. A write holds the
    write lock from its start on SQLite (``BEGIN IMMEDIATE``), so that writers queue instead of
    failing when they upgrade; a read's transaction refuses to write.
    """
    engine = state()
    params = request_params()
    codec = negotiated_codec()
    decoded = decode_body() if body else None
    started = time.perf_counter()
    reads = request.method in READ_METHODS
    try:
        with engine.db.transaction(immediate=not reads) as session:
            if reads:
                refuse_writes(session, f"{request.method} {request.path}")
            ctx = RequestContext(session=session, params=params, settings=engine.settings, user=g.get("user"),
                                 representation=("json" if codec.content_type == JSON_TYPE
                                                 or params.projection is not None else "xml"),
                                 extras={"instance_id": engine.instance_id}, listings=engine.listings, registry=engine.registry)
            result = service(ctx, *args, decoded) if body else service(ctx, *args)
            documented = isinstance(result, (DocumentResult, DocumentsResult))
            head = None if documented else head_revision(session)
    except IntegrityError as error:
        conflict = macs.in_use_conflict(error, _nic_action())
        if conflict is None:
            raise
        raise conflict from None
    g.service_seconds = time.perf_counter() - started
    follow_seconds = getattr(result, "follow_seconds", None)
    if follow_seconds is not None:
        g.follow_seconds = follow_seconds
    response = respond(result, codec, params.projection)
    if not documented:
        # What the answer reflects: the write's own last change, else the head the read saw.
        response.headers["Revision"] = str(session.info.get(REVISION, head))
    return response
