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


class Signal:
    """Wakes every task of one event loop that waits for it."""

    def __init__(self, loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        self.loop = loop or asyncio.get_running_loop()
        self._waiters: set["asyncio.Future[bool]"] = set()

    def __len__(self) -> int:
        return len(self._waiters)

    async def wait(self, timeout: Optional[float]) -> bool:
        """True when fired within ``timeout`` seconds (None: no limit), else False."""
        waiter: asyncio.Future[bool] = self.loop.create_future()
        self._waiters.add(waiter)
        timer = self.loop.call_later(timeout, _settle, waiter, False) if timeout is not None else None
        try:
            return await waiter
        finally:
            if timer is not None:
                timer.cancel()
            self._waiters.discard(waiter)

    def fire(self) -> None:
        """Wake every current waiter (on the signal's loop)."""
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            _settle(waiter, True)
