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
from dataclasses import dataclass
from typing import Awaitable, Callable, Optional

from push.feed import ChangeFeed, Lagging
from push.records import Gone

Write = Callable[[bytes], Awaitable[None]]

HEARTBEAT_FRAME = b": heartbeat\n\n"


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
    """One subscriber's stream of changes after ``cursor`` (of ``collection``, when given)."""

    def __init__(self, feed: ChangeFeed, cursor: int, collection: Optional[str] = None,
                 settings: Optional[StreamSettings] = None) -> None:
        self.feed = feed
        self.cursor = cursor
        self.collection = collection
        self.settings = settings or StreamSettings()
        self.live = False
        self._sent_id = cursor

    async def run(self, write: Write) -> str:
        """Write the stream until it cannot go on gap-free; the reason it ended (a resync).

        Raises :class:`Stalled` when the subscriber stops reading; cancel the task to end it
        when the subscriber disconnects.
        """
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
            if not await self.feed.wait(self.cursor, self.settings.heartbeat):
                await self._idle(write)

    async def _send_next_page(self, write: Write) -> bool:
        """Send the next page of changes; whether the cursor moved."""
        page = await self.feed.read(self.cursor, self.settings.batch, self.collection, live=self.live)
        if page.changes:
            await self._write(write, b"".join(change.sse_frame() for change in page.changes))
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
        try:
            async with asyncio.timeout(self.settings.stall_timeout):
                await write(frames)
        except TimeoutError:
            raise Stalled(f"the subscriber read nothing for {self.settings.stall_timeout:g} seconds") from None
