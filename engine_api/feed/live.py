"""``/ovirt-engine/api/ws``: live queries and watches of the change log over a WebSocket, and
``/ovirt-engine/api/live?uri=…``: one live query over Server-Sent Events.

The client authenticates as it does with the API (an ``Authorization`` header of Basic
credentials or a Bearer token, or ``?access_token=`` for browsers, which cannot set headers on a
WebSocket), then sends JSON messages; many subscriptions share one socket::

    {"op": "subscribe", "id": "q1", "uri": "/vms?search=status=up&follow=nics"}
    {"op": "unsubscribe", "id": "q1"}
    {"op": "watch", "id": "w1", "since": 812, "collection": "vms"}     (both optional)
    {"op": "ping"}

A subscription gets the query's current result (``result``, with its revision: the JSON the
same GET answers), then a ``patch`` (RFC 6902) of the result each time a change alters it,
and nothing when a change does not. The query is the GET any client could send, evaluated as
the subscribing user (``Filter: true`` users see their own view), once per change for every
subscriber of the same query, and not at all when the change cannot touch it. A watch gets the
change records after ``since`` (``change`` messages, as the change feed has them). A subscriber
that stops reading gets a ``resync`` (the whole result, or for a watch: list again) and never
holds more than a bounded queue. A malformed message, or a URI that is not a valid API query,
gets an ``error`` naming it, and the socket and its other subscriptions stay open.

For a client that cannot open a WebSocket, ``GET /ovirt-engine/api/live?uri=<URI>`` with
``Accept: text/event-stream`` is the same live query as a stream: an ``event: result``, then
``event: patch`` (and ``resync``) frames whose ``id`` is the revision and whose ``data`` is the
message's JSON without its type; a URI that is not a valid query is a fault, as the GET's.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, unquote, urlsplit

from werkzeug.test import Client

from engine_api.feed.endpoint import (
    AUTHENTICATE_CHALLENGE,
    STREAM_HEADERS,
    ClientGone,
    Receive,
    Scope,
    Send,
    _send_fault,
    until_disconnect,
)
from engine_api.serving.faults import accept_of
from push import ChangeFeed, Gone
from push.live import Evaluation, LiveQueries, QueryKey, Reach, Subscriber

log = logging.getLogger(__name__)

WS_PATH = "/ovirt-engine/api/ws"
SSE_PATH = "/ovirt-engine/api/live"
API_ROOT = "/ovirt-engine/api"
#: The longest URI a subscription may name, and the most subscriptions one socket may hold.
MAX_URI = 4096
MAX_SUBSCRIPTIONS = 256
#: What a followed link or a search field names, to the collection whose changes it reads.
_REFERENCES = {
    "host": "hosts", "cluster": "clusters", "template": "templates", "datacenter": "datacenters",
    "data_center": "datacenters", "storage": "storagedomains", "storage_domain": "storagedomains",
    "storage_domains": "storagedomains", "disk": "disks", "tag": "tags", "vm": "vms", "network": "networks",
    "vnic_profile": "vnicprofiles", "user": "users", "role": "roles",
}


class BadQuery(Exception):
    pass


def query_uri(given: Any) -> str:
    """The API-relative URI of a subscription (``/vms?search=…``), checked."""
    if not isinstance(given, str) or not given.strip():
        raise BadQuery("A subscription needs a 'uri': the API path of a collection or an entity")
    if len(given) > MAX_URI:
        raise BadQuery(f"The uri is longer than {MAX_URI} characters")
    parts = urlsplit(given.strip())
    if parts.scheme or parts.netloc:
        raise BadQuery(f"The uri '{given}' must be a path of this API, not a URL")
    path = parts.path
    if path.startswith(API_ROOT):
        path = path[len(API_ROOT):]
    path = "/" + path.strip("/")
    if path == "/" or "/../" in f"{path}/" or any(c in path for c in "\\\x00"):
        raise BadQuery(f"The uri '{given}' names no collection or entity of the API")
    return path + (f"?{parts.query}" if parts.query else "")


def reach_of(uri: str, top_level: frozenset[str]) -> Optional[Reach]:
    """The changes that can alter what ``uri`` answers; None when it cannot be told (any change may).

    One entity (``/vms/{id}``) is altered by its own changes and those of what is below it; a
    collection by its collection's; both also by the collections their ``follow=`` links and
    ``search=`` fields name, and by permissions (a user's view depends on them).
    """
    path, _, query = uri.partition("?")
    segments = [unquote(s).split(";", 1)[0] for s in path.strip("/").split("/") if s]
    if not segments or segments[0] not in top_level:
        return None
    touched = {"permissions", "tags"} if "tags" in segments else {"permissions"}
    hrefs: tuple[str, ...] = ()
    if len(segments) % 2 == 0:
        hrefs = (API_ROOT + "/" + "/".join(segments),)
    else:
        touched.add(segments[0])
    params = parse_qs(query)
    for follow in params.get("follow", []):
        for link in follow.split(","):
            head = link.strip().split(".", 1)[0]
            touched.add(_REFERENCES.get(head, _REFERENCES.get(head.rstrip("s"), segments[0])))
    for search in params.get("search", []):
        words = {w.strip(" ()!=<>").lower().split(".", 1)[0] for w in search.replace("=", " = ").split()}
        touched.update(name for word, name in _REFERENCES.items() if word in words)
    fields = _document_fields(params.get("search", [])) if len(segments) == 1 else None
    if fields is None:
        return Reach(frozenset(touched), hrefs)
    return Reach(frozenset(touched), hrefs, members=segments[0], fields=fields)


#: Search fields whose value is the entity's own top-level document member of that name (a
#: reference's, for ``cluster``, ``host`` and ``template``: a rename of the one it names is a
#: change of that collection, which the reach covers); a change that alters none of those a
#: search reads cannot bring an entity in or out of its result.
_OWN_FIELDS = frozenset({"name", "status", "description", "comment", "type", "id", "memory", "address",
                         "cluster", "host", "template"})


def _document_fields(searches: list[str]) -> Optional[frozenset[str]]:
    """The top-level document members that the order and the ``search`` of a collection query
    read (``name`` always: the default order), or None when a search reads anything else (tags,
    free text, another object's fields)."""
    from engine_api.search.parser import (
        And,
        Condition,
        Or,
        SearchSyntaxError,
        parse_search,
    )

    fields = {"name"}

    def walk(node: Any) -> bool:
        if isinstance(node, (And, Or)):
            return all(walk(operand) for operand in node.operands)
        if isinstance(node, Condition):
            field = (node.object or node.name).lower()
            fields.add(field)
            return field in _OWN_FIELDS
        return False

    for search in searches:
        try:
            parsed = parse_search(search)
        except SearchSyntaxError:
            return None
        if parsed.condition is not None and not walk(parsed.condition):
            return None
        for key in parsed.sort:
            if key.field.lower() not in _OWN_FIELDS:
                return None
            fields.add(key.field.lower())
    return frozenset(fields)


def changed_keys(change: Any) -> Optional[frozenset[str]]:
    """The top-level members of its document that a modification altered (None for an addition,
    a removal or a patch of the whole document)."""
    if change.kind != "modified":
        return None
    try:
        paths = [op["path"] for op in json.loads(change.patch)]
    except (ValueError, TypeError, KeyError):
        return None
    keys = {path.split("/", 2)[1] for path in paths if path.startswith("/")}
    return None if any(not path.startswith("/") for path in paths) else frozenset(keys)


class WsgiQueries:
    """Evaluates a live query as the GET it is, through the application, in a feed thread."""

    def __init__(self, app: Any, feed: ChangeFeed) -> None:
        self.client = Client(app, use_cookies=False)
        self.feed = feed
        self.credentials: dict[QueryKey, dict[str, str]] = {}

    def _get(self, key: QueryKey) -> Evaluation:
        headers = {"Accept": "application/json", **self.credentials.get(key, {})}
        path, _, query = key.uri.partition("?")
        response = self.client.get(API_ROOT + path, query_string=query, headers=headers)
        body = response.get_data()
        revision = int(response.headers.get("Revision") or 0)
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        if response.status_code != 200:
            fault = data if isinstance(data, dict) and "detail" in data else {
                "reason": response.status, "detail": f"GET {key.uri} answered {response.status_code}"}
            return Evaluation(revision, status=response.status_code,
                              fault={"reason": str(fault.get("reason", "")), "detail": str(fault.get("detail", ""))})
        return Evaluation(revision, data)

    async def __call__(self, key: QueryKey) -> Evaluation:
        return await self.feed.call(self._get, key)


class LiveEndpoint:
    """The WebSocket of live queries of one process, sharing the change feed's log and hub."""

    def __init__(self, feed: ChangeFeed, authorize: Callable[[str], tuple[Optional[Any], str]],
                 evaluate: Any, reach: Callable[[QueryKey], Optional[Reach]], *, capacity: int = 256,
                 heartbeat: float = 15.0) -> None:
        self.feed = feed
        self.authorize = authorize
        self.evaluate = evaluate
        self.queries = LiveQueries(self.evaluate, reach)
        self.capacity = capacity
        self.heartbeat = heartbeat
        self.subscribers: set[Subscriber] = set()
        self._pump: Optional[asyncio.Task[None]] = None
        self.watches = True
        """Whether ``watch`` is served (a change log is there to watch)."""

    @staticmethod
    def serves(scope: Scope) -> bool:
        path = scope["path"].rstrip("/")
        return (scope["type"] == "websocket" and path == WS_PATH) or (scope["type"] == "http" and path == SSE_PATH)

    # -- the pump: changes committed → queries re-evaluated -------------------------------------

    def _ensure_pump(self) -> None:
        if self._pump is None or self._pump.done():
            self._pump = asyncio.get_running_loop().create_task(self._run_pump())

    async def _run_pump(self) -> None:
        cursor = await self.feed.start_at(None)
        self.queries.processed = cursor
        while self.subscribers:
            if not await self.feed.wait(cursor, 5.0):
                continue
            try:
                page = await self.feed.read(cursor, 1000)
                changes: Optional[set[tuple[Any, ...]]] = {(c.collection, c.href, changed_keys(c))
                                                           for c in page.changes}
            except Gone:
                page, changes = None, None
            revision = page.revision if page is not None else (await self.feed.window()).head
            await self.queries.changed(revision, changes)
            cursor = revision

    # -- one socket ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._sse(scope, receive, send)
            return
        if (await receive())["type"] != "websocket.connect":
            return
        authorization, extra = _credentials(scope)
        principal, failure = await self.feed.call(self.authorize, authorization)
        if principal is None:
            await send({"type": "websocket.close", "code": 1008, "reason": failure[:120]})
            return
        await send({"type": "websocket.accept"})
        subscriber = Subscriber(self.capacity)
        self.subscribers.add(subscriber)
        self._ensure_pump()
        identity = (principal.id, _header(scope, b"filter").lower() == "true")
        credentials = {"Authorization": authorization, **extra}
        writer = asyncio.get_running_loop().create_task(self._write(subscriber, send))
        watches: dict[str, asyncio.Task[None]] = {}
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None and message.get("bytes") is not None:
                    text = message["bytes"].decode("utf-8", "replace")
                await self._handle(subscriber, text or "", identity, credentials, watches)
        finally:
            for task in watches.values():
                task.cancel()
            writer.cancel()
            self.queries.drop(subscriber)
            self.subscribers.discard(subscriber)

    async def _handle(self, subscriber: Subscriber, text: str, identity: Any, credentials: dict[str, str],
                      watches: dict[str, "asyncio.Task[None]"]) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            subscriber.offer(_error(None, 400, f"The message is not JSON: {text[:80]!r}"))
            return
        if not isinstance(message, dict):
            subscriber.offer(_error(None, 400, "A message is a JSON object with an 'op'"))
            return
        op, sub_id = message.get("op"), message.get("id")
        if op == "ping":
            subscriber.offer({"type": "pong", "id": sub_id})
            return
        if not isinstance(sub_id, str) or not sub_id or len(sub_id) > 128:
            subscriber.offer(_error(None, 400, f"The '{op}' message needs an 'id': a string of 1 to 128 characters"))
            return
        if op == "subscribe":
            if len(subscriber.subscriptions) + len(watches) >= MAX_SUBSCRIPTIONS and sub_id not in \
                    subscriber.subscriptions:
                subscriber.offer(_error(sub_id, 400, f"A socket holds at most {MAX_SUBSCRIPTIONS} subscriptions"))
                return
            try:
                uri = query_uri(message.get("uri"))
            except BadQuery as bad:
                subscriber.offer(_error(sub_id, 400, str(bad)))
                return
            key = QueryKey(uri, identity)
            self.evaluate.credentials.setdefault(key, credentials)
            await self.queries.subscribe(subscriber, sub_id, key)
        elif op == "unsubscribe":
            found = self.queries.unsubscribe(subscriber, sub_id)
            task = watches.pop(sub_id, None)
            if task is not None:
                task.cancel()
                subscriber.watches.pop(sub_id, None)
            subscriber.offer({"type": "unsubscribed", "id": sub_id} if found or task is not None
                             else _error(sub_id, 404, f"No subscription '{sub_id}' on this socket"))
        elif op == "watch" and not self.watches:
            subscriber.offer(_error(sub_id, 400, "This server keeps no change log to watch: subscribe to a URI"))
        elif op == "watch":
            since, collection = message.get("since"), message.get("collection")
            if since is not None and (not isinstance(since, int) or isinstance(since, bool) or since < 0):
                subscriber.offer(_error(sub_id, 400, "'since' is a revision: a whole number, 0 or more"))
                return
            if collection is not None and not isinstance(collection, str):
                subscriber.offer(_error(sub_id, 400, "'collection' is the name of a collection"))
                return
            try:
                cursor = await self.feed.start_at(since)
            except Gone as gone:
                subscriber.offer(_error(sub_id, 410, gone.detail))
                return
            previous = watches.pop(sub_id, None)
            if previous is not None:
                previous.cancel()
            subscriber.watches[sub_id] = cursor
            subscriber.offer({"type": "watching", "id": sub_id, "revision": cursor})
            watches[sub_id] = asyncio.get_running_loop().create_task(
                self._watch(subscriber, sub_id, cursor, collection))
        else:
            subscriber.offer(_error(sub_id, 400, f"Unknown op {op!r}: subscribe, unsubscribe, watch or ping"))

    async def _watch(self, subscriber: Subscriber, sub_id: str, cursor: int, collection: Optional[str]) -> None:
        while sub_id in subscriber.watches and not subscriber.closed:
            try:
                page = await self.feed.read(cursor, 100, collection)
            except Gone as gone:
                subscriber.offer(_error(sub_id, 410, gone.detail))
                return
            for change in page.changes:
                subscriber.offer({"type": "change", "id": sub_id, "change": json.loads(change.json_text())})
            cursor = page.revision
            subscriber.watches[sub_id] = cursor
            if not page.changes:
                await self.feed.wait(cursor, self.heartbeat)

    # -- one live query over Server-Sent Events -------------------------------------------------

    async def _sse(self, scope: Scope, receive: Receive, send: Send) -> None:
        accept = accept_of(scope["headers"])
        if scope["method"] != "GET":
            await _send_fault(send, 405, f"Method {scope['method']} is not allowed on {scope['path']}", accept,
                              extra=[(b"allow", b"GET")])
            return
        authorization, extra = _credentials(scope)
        principal, failure = await self.feed.call(self.authorize, authorization)
        if principal is None:
            await _send_fault(send, 401, failure, accept, extra=[(b"www-authenticate", AUTHENTICATE_CHALLENGE)])
            return
        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("uri", [None])[0]
        try:
            uri = query_uri(given)
        except BadQuery as bad:
            await _send_fault(send, 400, str(bad), accept)
            return
        subscriber = Subscriber(self.capacity)
        self.subscribers.add(subscriber)
        self._ensure_pump()
        key = QueryKey(uri, (principal.id, _header(scope, b"filter").lower() == "true"))
        self.evaluate.credentials.setdefault(key, {"Authorization": authorization, **extra})
        try:
            await self.queries.subscribe(subscriber, "live", key)
            first = await subscriber.next(self.queries)
            if first["type"] == "error":
                await _send_fault(send, first["status"], first["fault"]["detail"], accept)
                return
            await send({"type": "http.response.start", "status": 200, "headers": list(STREAM_HEADERS)})
            await until_disconnect(receive, self._stream(subscriber, first, send))
        except ClientGone:
            pass
        finally:
            self.queries.drop(subscriber)
            self.subscribers.discard(subscriber)

    async def _stream(self, subscriber: Subscriber, first: dict[str, Any], send: Send) -> None:
        message: Optional[dict[str, Any]] = first
        while True:
            if message is None:
                frame = b": heartbeat\n\n"
            else:
                data = json.dumps({k: v for k, v in message.items() if k not in ("type", "id")}, separators=(",", ":"))
                frame = f"event: {message['type']}\nid: {message.get('revision', '')}\ndata: {data}\n\n".encode()
            await send({"type": "http.response.body", "body": frame, "more_body": True})
            try:
                message = await asyncio.wait_for(subscriber.next(self.queries), self.heartbeat)
            except asyncio.TimeoutError:
                message = None

    async def _write(self, subscriber: Subscriber, send: Send) -> None:
        while True:
            try:
                message = await asyncio.wait_for(subscriber.next(self.queries), self.heartbeat)
            except asyncio.TimeoutError:
                message = {"type": "heartbeat", "revision": self.queries.processed}
            await send({"type": "websocket.send", "text": json.dumps(message, separators=(",", ":"))})


def _error(sub_id: Optional[str], status: int, detail: str) -> dict[str, Any]:
    return {"type": "error", "id": sub_id, "status": status,
            "fault": {"reason": "Bad Request" if status == 400 else "Operation Failed", "detail": detail}}


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _credentials(scope: Scope) -> tuple[str, dict[str, str]]:
    """The socket's ``Authorization`` (or one made of ``?access_token=``), and the headers its
    queries carry besides it (``Filter``)."""
    authorization = _header(scope, b"authorization")
    if not authorization:
        token = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("access_token")
        if token:
            authorization = f"Bearer {token[0]}"
    extra = {}
    if _header(scope, b"filter"):
        extra["Filter"] = _header(scope, b"filter")
    return authorization, extra
