"""The change feed of one process: pages of changes after a revision, and waiting for more.

One :class:`ChangeFeed` serves every reader of a process. Readers at the head share one
:class:`~push.recent.RecentChanges`: when the :class:`~push.hub.Hub` says the head moved, each
event loop with readers reads the new records from the source once (in a thread), hands them
to its parked readers in one pass (:class:`Parked`: subscribers written to directly) and wakes
the others, who take them from memory, so a change costs one read of the log per process and
loop, not one per reader. A reader further behind (a resume, a replay) reads its pages from the log
itself until it is close enough to the head.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import Executor
from typing import Any, Callable, Optional, Protocol, TypeVar

from push.hub import Hub, Signal, settle
from push.recent import RecentChanges
from push.records import Gone, Page, Window
from push.source import ChangeSource

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Records read from the source per read, to follow the head or to replay.
PAGE_SIZE = 500
#: Pages from memory kept for readers at the same cursor, at most, while the head stays.
MAX_SHARED_PAGES = 1024
#: Seconds between heartbeat passes over the parked readers, at most.
MAX_BEAT_INTERVAL = 1.0
#: Seconds before a failed read of new records is tried again.
RETRY_SECONDS = 1.0


class Lagging(Exception):
    """A live reader whose cursor has fallen out of the recent changes: it did not keep up."""

    def __init__(self, cursor: int, oldest: int) -> None:
        super().__init__(f"the reader at revision {cursor} fell behind the oldest change held ({oldest})")
        self.cursor = cursor
        self.oldest = oldest


class Parked(Protocol):
    """A reader at the head that is handed new changes and heartbeats as they come, without
    being woken: the tail writes to every parked reader in one pass."""

    heartbeat: float
    """Seconds of silence after which the reader wants :meth:`beat` to write."""

    def deliver(self) -> bool:
        """Take the changes now in memory, on the loop, without blocking; False when the reader
        must be woken to go on (a write that would wait, more to read than one page, a fall
        behind)."""
        ...

    def beat(self) -> bool:
        """Write a heartbeat if silent for long enough, without blocking; False when the reader
        must be woken to write it."""
        ...


class _Tail:
    """One event loop's follower of the head: it brings new records into the recent changes,
    hands them to the parked readers in one pass, and wakes the loop's waiting readers."""

    def __init__(self, feed: "ChangeFeed", loop: asyncio.AbstractEventLoop) -> None:
        self.feed = feed
        self.loop = loop
        self.signal = Signal(loop)
        self.parked: dict[Parked, "asyncio.Future[bool]"] = {}
        self._told = -1
        self._refill: Optional[asyncio.Task[None]] = None
        self._beat_interval = MAX_BEAT_INTERVAL
        self._beats: Optional[asyncio.TimerHandle] = None

    def park(self, parked: Parked) -> "asyncio.Future[bool]":
        """Hold ``parked`` until it must be woken: the future it waits for."""
        waiter: asyncio.Future[bool] = self.loop.create_future()
        self.parked[parked] = waiter
        self._beat_interval = min(self._beat_interval, parked.heartbeat / 3)
        if self._beats is None:
            self._beats = self.loop.call_later(self._beat_interval, self._beat)
        return waiter

    def _beat(self) -> None:
        self._beats = None
        self._hand_to_parked(lambda parked: parked.beat())
        if self.parked:
            self._beats = self.loop.call_later(self._beat_interval, self._beat)

    def head_moved(self) -> None:
        """The hub's head moved (called on the loop)."""
        if self._refill is None or self._refill.done():
            self._refill = self.loop.create_task(self._follow())

    async def _follow(self) -> None:
        feed = self.feed
        while True:
            recent = feed.recent
            if recent.head < feed.hub.head:
                try:
                    await feed.call(feed.bring_in_new_records)
                except Exception:
                    log.exception("reading new changes failed; trying again in %ss", RETRY_SECONDS)
                    self.loop.call_later(RETRY_SECONDS, self.head_moved)
                    return
            if recent.head > self._told:
                self._told = recent.head
                self._deliver_to_parked()
                self.signal.fire()
            if recent.head >= feed.hub.head:
                return

    def _deliver_to_parked(self) -> None:
        self._hand_to_parked(lambda parked: parked.deliver())

    def _hand_to_parked(self, hand: Callable[[Parked], bool]) -> None:
        """``hand`` each parked reader something; wake those it fails.

        The pass allocates nothing per reader (a list of the readers, not of their items), so
        the garbage collector is not made to promote, and then scan, thousands of temporaries.
        """
        for parked in list(self.parked):
            try:
                handed = hand(parked)
            except Exception:
                log.exception("handing changes to a parked reader failed")
                handed = False
            if not handed:
                waiter = self.parked.pop(parked, None)
                if waiter is not None:
                    settle(waiter, True)


class ChangeFeed:
    """Pages of changes after a revision from ``source``, and waits for the head to move.

    ``executor`` runs the source's reads (None: the loop's default executor); ``capacity`` is
    how many of the newest changes are kept in memory for readers at the head.
    """

    def __init__(self, source: ChangeSource, hub: Optional[Hub] = None, *, executor: Optional[Executor] = None,
                 capacity: int = 2048, page_size: int = PAGE_SIZE) -> None:
        self.source = source
        self.hub = hub or Hub()
        self.executor = executor
        self.recent = RecentChanges(capacity)
        self.page_size = page_size
        self._tails: dict[asyncio.AbstractEventLoop, _Tail] = {}
        self._lock = threading.Lock()
        self._reading = threading.Lock()
        self._pages: dict[tuple[int, int, Optional[str]], Page] = {}
        self._pages_head = -1

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in the feed's executor."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    # -- the head, kept by one tail per loop -----------------------------------------------------
    def _tail(self) -> _Tail:
        loop = asyncio.get_running_loop()
        tail = self._tails.get(loop)
        if tail is None:
            with self._lock:
                tail = self._tails.setdefault(loop, _Tail(self, loop))
            self.hub.attach(loop, tail.head_moved)
            if self.recent.anchored and self.hub.head > self.recent.head:
                tail.head_moved()
        return tail

    def _anchor(self) -> None:
        """Anchor the recent changes at the log's head, if nothing has yet (blocks)."""
        with self._reading:
            if not self.recent.anchored:
                head = self.source.window().head
                self.recent.anchor(head)
                self.hub.advance(head)

    def bring_in_new_records(self) -> None:
        """Read what follows the recent changes from the log and hold it (blocks).

        When more has committed than the recent changes hold, they start again nearer the head;
        when the log no longer has what follows them, at its head.
        """
        with self._reading:
            recent = self.recent
            if self.hub.head - recent.head > recent.capacity:
                recent.anchor(self.hub.head - recent.capacity)
            try:
                page = self.source.read(recent.head, self.page_size)
            except Gone as gone:
                recent.anchor(gone.window.head)
                self.hub.advance(gone.window.head)
                return
            try:
                recent.extend(page.changes)
            except ValueError:
                log.warning("the log has a gap after revision %s; following it from its head", recent.head)
                recent.anchor(page.revision)
            self.hub.advance(recent.head)

    async def ready(self) -> None:
        """Anchor the recent changes and follow the head on this loop."""
        if not self.recent.anchored:
            await self.call(self._anchor)
        self._tail()

    def close(self) -> None:
        """Stop following the head on every loop."""
        with self._lock:
            loops = list(self._tails)
            self._tails.clear()
        for loop in loops:
            self.hub.detach(loop)

    # -- reading ---------------------------------------------------------------------------------
    async def window(self) -> Window:
        """What the log holds now."""
        window = await self.call(self.source.window)
        self.hub.advance(window.head)
        return window

    async def start_at(self, since: Optional[int]) -> int:
        """The cursor of a new reader: ``since``, or the head when None. Raises :class:`Gone`."""
        window = await self.window()
        if since is None:
            return window.head
        if not window.serves(since):
            raise Gone(since, window)
        return since

    async def read(self, since: int, limit: int, collection: Optional[str] = None, *,
                   live: bool = False) -> Page:
        """At most ``limit`` changes after ``since`` (of ``collection``, when given).

        From memory when they are held there, else from the log; a ``live`` reader (one that
        has caught up with the head once) that is no longer in memory raises :class:`Lagging`.
        Raises :class:`Gone` when the log no longer has the changes.
        """
        await self.ready()
        page = self._recent_page(since, limit, collection)
        if page is not None:
            return page
        if live and since < self.recent.head:
            raise Lagging(since, self.recent.oldest)
        return await self.call(self.source.read, since, limit, collection)

    def _recent_page(self, since: int, limit: int, collection: Optional[str]) -> Optional[Page]:
        """The page from memory, shared by the readers at the same cursor while the head stays."""
        head = self.recent.head
        if head != self._pages_head or len(self._pages) > MAX_SHARED_PAGES:
            self._pages, self._pages_head = {}, head
        key = (since, limit, collection)
        page = self._pages.get(key)
        if page is None:
            page = self.recent.read(since, limit, collection)
            if page is not None and self.recent.head == head:
                self._pages[key] = page
        return page

    def at_head(self, cursor: int) -> bool:
        """Whether a reader at ``cursor`` has read everything this process has brought in."""
        return cursor >= self.recent.head

    async def park(self, parked: Parked, beyond: int) -> None:
        """Hold ``parked`` at the head, handed the changes after ``beyond`` and its heartbeats as
        they come (:class:`Parked`), until it must be woken."""
        await self.ready()
        tail = self._tail()
        if self.recent.head > beyond:
            return
        waiter = tail.park(parked)
        try:
            await waiter
        finally:
            tail.parked.pop(parked, None)

    def shared_page(self, since: int, limit: int, collection: Optional[str] = None) -> Optional[Page]:
        """The page from memory (None when it is not all there), shared by the readers at the same
        cursor; for parked readers, on the loop."""
        return self._recent_page(since, limit, collection)

    async def wait(self, beyond: int, timeout: Optional[float]) -> bool:
        """Wait until changes after ``beyond`` are in memory: True, or False after ``timeout``."""
        await self.ready()
        tail = self._tail()
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.recent.head <= beyond:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            await tail.signal.wait(remaining)
        return True
