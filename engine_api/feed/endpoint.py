"""``GET /ovirt-engine/api/changes``: the change feed, served on the event loop.

The feed is answered by the ASGI layer itself, before a request would be handed to the Flask
application on a thread: a long-poll or a Server-Sent Events stream holds no thread while it
waits. Authentication and reads of the log run in the feed's own small thread pool.

* ``since=N`` (or ``Last-Event-ID: N``, which wins): the changes after revision ``N``; absent,
  from the head. ``collection=vms``: only that collection's changes. ``max=K``: at most ``K``
  (default 100, at most 1000). ``wait=S``: when nothing follows ``N``, wait up to ``S`` seconds
  (at most 60) for a change.
* ``Accept: application/xml`` or ``application/json``: one page (see :mod:`push.wire`); the
  ``Revision`` header and the page's ``revision`` are where to resume.
* ``Accept: text/event-stream``: the same changes as Server-Sent Events (see :mod:`push.sse`).
* A revision older than the log keeps (or newer than its head) is a 410 fault: list again.
"""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Optional, TypeVar

from engine_api.db import Database
from engine_api.feed.changelog import SqlChangeLog
from engine_api.feed.request import (
    BadFeedRequest,
    FeedRequest,
    feed_request,
    is_feed_path,
)
from engine_api.feed.wakeups import FeedWakeups
from engine_api.serving.faults import accept_of, fault_response
from engine_api.serving.protocol import CHUNK_WRITER
from push import (
    ChangeFeed,
    Gone,
    Hub,
    Page,
    Stalled,
    StreamSettings,
    Subscription,
    page_json,
    page_xml,
)
from push.wire import JSON_TYPE, XML_TYPE

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
T = TypeVar("T")

#: The challenge of every 401, as the API's.
AUTHENTICATE_CHALLENGE = b'Bearer realm="ovirt-engine", Basic realm="ovirt-engine"'
STREAM_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-store"),
                  (b"x-accel-buffering", b"no")]


class ClientGone(Exception):
    """The client disconnected while its request was being served."""


async def _cancel_on_disconnect(receive: Receive, task: "asyncio.Task[Any]", gone: list[bool]) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.append(True)
    task.cancel()


async def until_disconnect(receive: Receive, work: Awaitable[T]) -> T:
    """Await ``work`` in this task, cancelled (as :class:`ClientGone`) if the client disconnects."""
    task = asyncio.current_task()
    assert task is not None
    gone: list[bool] = []
    watcher = asyncio.get_running_loop().create_task(_cancel_on_disconnect(receive, task, gone))
    try:
        return await work
    except asyncio.CancelledError:
        if gone:
            task.uncancel()
            raise ClientGone() from None
        raise
    finally:
        watcher.cancel()


class ChangesEndpoint:
    """The change feed of one process over ``db``: its hub, its wake-ups and its requests.

    ``authorize(header)`` returns the principal of an ``Authorization`` header or ``None`` and
    why not (it blocks: it runs in the feed's threads); ``collections`` are the values the
    ``collection`` parameter takes.
    """

    def __init__(self, db: Database, authorize: Callable[[str], tuple[Optional[Any], str]],
                 collections: list[str], *, heartbeat: float = 15.0, memory: int = 2048,
                 poll_interval: float = 0.2, threads: int = 2) -> None:
        self.authorize = authorize
        self.collections = frozenset(collections)
        self.hub = Hub()
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="engine-emu-feed")
        self.feed = ChangeFeed(SqlChangeLog(db), self.hub, executor=self.executor, capacity=memory)
        self.stream_settings = StreamSettings(heartbeat=heartbeat)
        self.wakeups = FeedWakeups(db, self.hub, poll_interval)

    @staticmethod
    def serves(scope: Scope) -> bool:
        return scope["type"] == "http" and is_feed_path(scope["path"])

    def start(self) -> None:
        self.wakeups.start()

    def stop(self) -> None:
        self.wakeups.stop()
        self.feed.close()
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        accept = accept_of(scope["headers"])
        if scope["method"] != "GET":
            await _send_fault(send, 405, f"Method {scope['method']} is not allowed on {scope['path']}", accept,
                              extra=[(b"allow", b"GET")])
            return
        principal, failure = await self.feed.call(self.authorize, _authorization(scope))
        if principal is None:
            await _send_fault(send, 401, failure, accept, extra=[(b"www-authenticate", AUTHENTICATE_CHALLENGE)])
            return
        try:
            request = feed_request(scope, self.collections)
        except BadFeedRequest as bad:
            await _send_fault(send, 400, bad.detail, accept)
            return
        try:
            if request.stream:
                await until_disconnect(receive, self._stream(scope, request, send, accept))
            else:
                await until_disconnect(receive, self._long_poll(request, send, accept))
        except ClientGone:
            return

    async def _long_poll(self, request: FeedRequest, send: Send, accept: Optional[str]) -> None:
        try:
            page = await self._page(request)
        except Gone as gone:
            await _send_fault(send, 410, gone.detail, accept)
            return
        body = page_json(page) if request.json else page_xml(page)
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", (JSON_TYPE if request.json else XML_TYPE).encode()),
            (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"),
            (b"revision", str(page.revision).encode())]})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _page(self, request: FeedRequest) -> Page:
        """The changes after the request's revision, waiting up to its ``wait`` for the first."""
        cursor = await self.feed.start_at(request.since)
        page = await self.feed.read(cursor, request.max, request.collection)
        deadline = asyncio.get_running_loop().time() + request.wait
        while not page.changes and request.max > 0:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or not await self.feed.wait(page.revision, remaining):
                break
            page = await self.feed.read(page.revision, request.max, request.collection)
        return page

    async def _stream(self, scope: Scope, request: FeedRequest, send: Send, accept: Optional[str]) -> None:
        try:
            cursor = await self.feed.start_at(request.since)
        except Gone as gone:
            await _send_fault(send, 410, gone.detail, accept)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*STREAM_HEADERS, (b"revision", str(cursor).encode())]})

        async def write(frames: bytes) -> None:
            await send({"type": "http.response.body", "body": frames, "more_body": True})

        writer = scope.get("extensions", {}).get(CHUNK_WRITER)
        subscription = Subscription(self.feed, cursor, request.collection, self.stream_settings,
                                    offer=writer.offer if writer is not None else None)
        try:
            reason = await subscription.run(write)
        except Stalled as stalled:
            log.info("dropped a change feed subscriber at revision %s: %s", subscription.cursor, stalled)
            return
        log.info("a change feed subscriber at revision %s must resync: %s", subscription.cursor, reason)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _authorization(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            return value.decode("latin-1")
    return ""


async def _send_fault(send: Send, status: int, detail: str, accept: Optional[str], *,
                      extra: Optional[list[tuple[bytes, bytes]]] = None) -> None:
    headers, body = fault_response(status, detail, accept)
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body, "more_body": False})
