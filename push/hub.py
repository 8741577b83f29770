"""The head revision a process knows, and waking whoever waits for it on any event loop.

Commits happen in threads (a request's, the ticker's) and, with several processes, in other
processes (a notification or a poll tells this one). :meth:`Hub.advance` may be called from any
thread: it records the new head and schedules each attached event loop's callback once, however
many advances arrive before the loop runs it. On the loop, a :class:`Signal` wakes every waiter
at once, each with its own future, so a waiter that times out or is cancelled leaves the others
untouched.
"""
from __future__ import annotations

import asyncio
import math
import threading
from typing import Callable, Optional


class _LoopWaker:
    """One event loop's callback, scheduled at most once until it runs."""

    def __init__(self, loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
        self.loop = loop
        self.callback = callback
        self.scheduled = False

    def run(self) -> None:
        self.scheduled = False
        self.callback()


class Hub:
    """The newest revision known to have committed, and the loops to tell when it moves."""

    def __init__(self, head: int = 0) -> None:
        self._head = head
        self._lock = threading.Lock()
        self._wakers: dict[asyncio.AbstractEventLoop, _LoopWaker] = {}

    @property
    def head(self) -> int:
        return self._head

    def advance(self, revision: int) -> None:
        """Revision ``revision`` has committed (callable from any thread)."""
        with self._lock:
            if revision <= self._head:
                return
            self._head = revision
            due = [waker for waker in self._wakers.values() if not waker.scheduled]
            for waker in due:
                waker.scheduled = True
        for waker in due:
            try:
                waker.loop.call_soon_threadsafe(waker.run)
            except RuntimeError:  # the loop has closed
                self.detach(waker.loop)

    def attach(self, loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
        """Call ``callback`` on ``loop`` after the head moves."""
        with self._lock:
            self._wakers[loop] = _LoopWaker(loop, callback)

    def detach(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            self._wakers.pop(loop, None)


def _settle(waiter: "asyncio.Future[bool]", value: bool) -> None:
    if not waiter.done():
        waiter.set_result(value)


#: Seconds by which the deadlines of waits are grouped: one timer serves every wait of a slot.
DEADLINE_SLOT = 0.05


class Signal:
    """Wakes every task of one event loop that waits for it.

    Waits time out in slots of :data:`DEADLINE_SLOT` seconds (rounded up), one timer per slot
    for all the waits that end in it, rather than a timer per wait: thousands of subscribers
    waiting for the next change cost no timer each, and a fire cancels none. A waiter made with
    ``shared=False`` is left alone by :meth:`fire` (only its timeout or its owner settles it).
    """

    def __init__(self, loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        self.loop = loop or asyncio.get_running_loop()
        self._waiters: set["asyncio.Future[bool]"] = set()
        self._slots: dict[int, set["asyncio.Future[bool]"]] = {}
        self._slot_of: dict["asyncio.Future[bool]", set["asyncio.Future[bool]"]] = {}

    def __len__(self) -> int:
        return len(self._waiters)

    def waiter(self, timeout: Optional[float], *, shared: bool = True) -> "asyncio.Future[bool]":
        """A future set to True by :meth:`fire` (when ``shared``), to False after ``timeout``
        seconds; :meth:`forget` it once settled."""
        waiter: asyncio.Future[bool] = self.loop.create_future()
        if shared:
            self._waiters.add(waiter)
        if timeout is not None:
            number = math.ceil((self.loop.time() + max(timeout, 0.0)) / DEADLINE_SLOT)
            slot = self._slots.get(number)
            if slot is None:
                slot = self._slots[number] = set()
                self.loop.call_at(number * DEADLINE_SLOT, self._expire, number)
            slot.add(waiter)
            self._slot_of[waiter] = slot
        return waiter

    def forget(self, waiter: "asyncio.Future[bool]") -> None:
        self._waiters.discard(waiter)
        slot = self._slot_of.pop(waiter, None)
        if slot is not None:
            slot.discard(waiter)

    async def wait(self, timeout: Optional[float]) -> bool:
        """True when fired within ``timeout`` seconds (None: no limit), else False."""
        waiter = self.waiter(timeout)
        try:
            return await waiter
        finally:
            self.forget(waiter)

    def _expire(self, number: int) -> None:
        for waiter in self._slots.pop(number, ()):
            _settle(waiter, False)

    def fire(self) -> None:
        """Wake every current shared waiter (on the signal's loop)."""
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            _settle(waiter, True)


def settle(waiter: "asyncio.Future[bool]", value: bool = True) -> None:
    """Set ``waiter``'s result unless it is already settled."""
    _settle(waiter, value)
