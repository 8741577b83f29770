"""The change feed as Server-Sent Events: the frames, and one subscriber's stream.

A stream starts with a ``retry:`` advice, replays the changes after the subscriber's cursor,
then follows the head::

    id: 42
    event: modified
    data: {"revision":"42","kind":"modified","collection":"vms","id":"…","href":"…",…}

``id`` is the revision (what a client sends back as ``Last-Event-ID``), ``event`` the kind. When
the replay has caught up, and whenever the subscriber is idle for a heartbeat interval after its
cursor moved past changes it did not ask for, a ``bookmark`` event carries the cursor as its
``id``; otherwise an idle interval sends a ``: heartbeat`` comment. A subscriber that falls
behind what the process holds in memory, or whose changes the log no longer keeps, gets a
``resync`` event (its ``data`` names the revision to resume after) and the stream ends.
"""
from __future__ import annotations

import asyncio
import json
import weakref
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional

from push.feed import ChangeFeed, Lagging
from push.records import Gone

Write = Callable[[bytes], Awaitable[None]]
Offer = Callable[[bytes], bool]

HEARTBEAT_FRAME = b": heartbeat\n\n"
#: Seconds between looks for stalled subscribers, at most.
MAX_STALL_LOOK = 1.0


@dataclass(frozen=True)
class StreamSettings:
    """How a subscriber's stream behaves."""

    heartbeat: float = 15.0
    """Seconds of silence after which a heartbeat comment (or a bookmark) is sent."""
    batch: int = 100
    """Changes written to the subscriber at once, at most."""
    retry_ms: int = 2000
    """The reconnection delay advised to clients (the ``retry:`` field)."""
    stall_timeout: float = 60.0
    """Seconds one write may wait for a client that reads nothing before the stream is dropped."""


def retry_frame(milliseconds: int) -> bytes:
    return f"retry: {milliseconds}\n\n".encode()


def bookmark_frame(revision: int) -> bytes:
    """A bookmark: the subscriber has every change it asked for up to ``revision``."""
    return f'id: {revision}\nevent: bookmark\ndata: {{"revision":"{revision}"}}\n\n'.encode()


def resync_frame(revision: int, reason: str) -> bytes:
    """The stream cannot go on gap-free: resume after ``revision``, or list again if that is gone."""
    data = json.dumps({"revision": str(revision), "reason": reason}, separators=(",", ":"))
    return f"event: resync\ndata: {data}\n\n".encode()


class Stalled(Exception):
    """The subscriber read nothing for longer than the stall timeout."""


class Subscription:
    """One subscriber's stream of changes after ``cursor`` (of ``collection``, when given).

    ``write`` (given to :meth:`run`) sends bytes to the subscriber and waits while it does not
    read. ``offer``, when the server has one, writes bytes at once or refuses (returns False)
    when the subscriber cannot take them now: with it, a subscriber at the head is parked, and
    new changes are written to every parked subscriber in one pass, without waking each one.
    """

    def __init__(self, feed: ChangeFeed, cursor: int, collection: Optional[str] = None,
                 settings: Optional[StreamSettings] = None, *, offer: Optional[Offer] = None) -> None:
        self.feed = feed
        self.cursor = cursor
        self.collection = collection
        self.settings = settings or StreamSettings()
        self.offer = offer
        self.live = False
        self.stalled = False
        self.writing_since: Optional[float] = None
        self.last_written = 0.0
        self.loop: asyncio.AbstractEventLoop
        self._sent_id = cursor

    async def run(self, write: Write) -> str:
        """Write the stream until it cannot go on gap-free; the reason it ended (a resync).

        Raises :class:`Stalled` when a write waits longer than the stall timeout for the
        subscriber to read; cancel the task to end it when the subscriber disconnects.
        """
        task = asyncio.current_task()
        assert task is not None
        self.loop = asyncio.get_running_loop()
        self.last_written = self.loop.time()
        watch = _StallWatch.of(self.loop)
        watch.add(self, task)
        try:
            return await self._stream(write)
        except asyncio.CancelledError:
            if self.stalled:
                task.uncancel()
                raise Stalled(f"the subscriber read nothing for {self.settings.stall_timeout:g} seconds") from None
            raise
        finally:
            watch.remove(self)

    async def _stream(self, write: Write) -> str:
        await self._write(write, retry_frame(self.settings.retry_ms))
        while True:
            try:
                progressed = await self._send_next_page(write)
            except (Lagging, Gone) as stop:
                reason = stop.detail if isinstance(stop, Gone) else "the subscriber did not keep up with the changes"
                await self._write(write, resync_frame(self.cursor, reason))
                return reason
            if progressed and not self.feed.at_head(self.cursor):
                continue
            if not self.live:
                self.live = True
                await self._bookmark(write)
                continue
            if self._silence() >= self.settings.heartbeat:
                await self._idle(write)
                continue
            await self._wait()

    def _silence(self) -> float:
        """Seconds since the subscriber was last written to."""
        return self.loop.time() - self.last_written

    async def _wait(self) -> None:
        """Wait for changes after the cursor, or for the next heartbeat.

        With ``offer``, the subscriber is parked: new changes, heartbeats and bookmarks are
        written to it in one pass over every parked subscriber, and it is woken only when a
        write must wait, or a page is not enough. Without, it is woken for each change.
        """
        if self.offer is None:
            await self.feed.wait(self.cursor, self.settings.heartbeat - self._silence())
        else:
            await self.feed.park(self, self.cursor)

    # -- parked (see push.feed.Parked): on the loop, never blocking ------------------------------
    @property
    def heartbeat(self) -> float:
        return self.settings.heartbeat

    def deliver(self) -> bool:
        """Write the changes now in memory straight to the subscriber."""
        assert self.offer is not None
        page = self.feed.shared_page(self.cursor, self.settings.batch, self.collection)
        if page is None:
            return False
        if page.changes:
            if not self._offer(page.sse_frames()):
                return False
            self._sent_id = page.changes[-1].revision
        self.cursor = max(self.cursor, page.revision)
        return self.feed.at_head(self.cursor)

    def beat(self) -> bool:
        """Write a heartbeat (or a bookmark) if the subscriber has been silent long enough."""
        if self._silence() < self.settings.heartbeat:
            return True
        if self.cursor > self._sent_id:
            if not self._offer(bookmark_frame(self.cursor)):
                return False
            self._sent_id = self.cursor
            return True
        return self._offer(HEARTBEAT_FRAME)

    def _offer(self, frames: bytes) -> bool:
        assert self.offer is not None
        if not self.offer(frames):
            return False
        self.last_written = self.loop.time()
        return True

    async def _send_next_page(self, write: Write) -> bool:
        """Send the next page of changes; whether the cursor moved."""
        page = await self.feed.read(self.cursor, self.settings.batch, self.collection, live=self.live)
        if page.changes:
            await self._write(write, page.sse_frames())
            self._sent_id = page.changes[-1].revision
        moved = page.revision > self.cursor
        self.cursor = max(self.cursor, page.revision)
        return moved

    async def _idle(self, write: Write) -> None:
        if self.cursor > self._sent_id:
            await self._bookmark(write)
        else:
            await self._write(write, HEARTBEAT_FRAME)

    async def _bookmark(self, write: Write) -> None:
        await self._write(write, bookmark_frame(self.cursor))
        self._sent_id = self.cursor

    async def _write(self, write: Write, frames: bytes) -> None:
        self.writing_since = self.loop.time()
        try:
            await write(frames)
        finally:
            self.writing_since = None
            self.last_written = self.loop.time()


class _StallWatch:
    """One event loop's look, now and then, for subscriptions whose write does not return: such a
    subscription's task is cancelled (and its stream ends with :class:`Stalled`). One look serves
    every subscription, so a write costs no timer of its own."""

    _watches: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _StallWatch]" = weakref.WeakKeyDictionary()

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.running: dict[Subscription, asyncio.Task[Any]] = {}
        self.interval = MAX_STALL_LOOK
        self._timer: Optional[asyncio.TimerHandle] = None

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> "_StallWatch":
        watch = cls._watches.get(loop)
        if watch is None:
            watch = cls._watches[loop] = cls(loop)
        return watch

    def add(self, subscription: Subscription, task: "asyncio.Task[Any]") -> None:
        self.running[subscription] = task
        self.interval = min(self.interval, subscription.settings.stall_timeout / 4)
        if self._timer is None:
            self._timer = self.loop.call_later(self.interval, self._look)

    def remove(self, subscription: Subscription) -> None:
        self.running.pop(subscription, None)

    def _look(self) -> None:
        self._timer = None
        now = self.loop.time()
        for subscription, task in self.running.items():
            since = subscription.writing_since
            if since is not None and now - since > subscription.settings.stall_timeout and not subscription.stalled:
                subscription.stalled = True
                task.cancel()
        if self.running:
            self._timer = self.loop.call_later(self.interval, self._look)
        else:
            self.interval = MAX_STALL_LOOK
