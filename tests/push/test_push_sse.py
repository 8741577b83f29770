"""One subscriber's SSE stream over a change log in memory: replay, live, heartbeats, bookmarks, resync."""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

import pytest

from push import ChangeFeed, Hub, MemoryChangeLog, Stalled, StreamSettings, Subscription
from tests.push.frames import Event, parse_stream


class Recorder:
    """A subscriber's side of the stream: every frame written, and a way to wait for events."""

    def __init__(self) -> None:
        self.text = ""
        self.changed = asyncio.Event()

    async def write(self, frames: bytes) -> None:
        self.text += frames.decode()
        self.changed.set()

    @property
    def events(self) -> list[Event]:
        return parse_stream(self.text)

    async def until(self, predicate: Callable[[list[Event]], bool], timeout: float = 5) -> list[Event]:
        async def wait() -> list[Event]:
            while not predicate(self.events):
                self.changed.clear()
                await self.changed.wait()
            return self.events

        return await asyncio.wait_for(wait(), timeout)


def _changes(events: list[Event]) -> list[int]:
    return [int(e.id) for e in events if e.event in ("added", "modified", "deleted")]


def _running(coroutine: Awaitable[str]) -> "asyncio.Task[str]":
    return asyncio.get_running_loop().create_task(coroutine)  # type: ignore[arg-type]


def test_a_stream_replays_then_bookmarks_then_follows_the_head_then_beats():
    log, hub = MemoryChangeLog(), Hub()
    for index in range(3):
        log.append("vms", f"vm{index}")
    feed = ChangeFeed(log, hub, capacity=64)
    settings = StreamSettings(heartbeat=0.2)

    async def scenario() -> list[Event]:
        client = Recorder()
        task = _running(Subscription(feed, 1, settings=settings).run(client.write))
        await client.until(lambda events: any(e.event == "bookmark" for e in events))
        hub.advance(log.append("vms", "vm9", kind="added").revision)
        await client.until(lambda events: _changes(events) == [2, 3, 4])
        await client.until(lambda events: events[-1].event == "comment")
        task.cancel()
        return client.events

    events = asyncio.run(scenario())
    assert events[0].retry == settings.retry_ms
    kinds = [(e.event, e.id) for e in events[1:5]]
    assert kinds == [("modified", "2"), ("modified", "3"), ("bookmark", "3"), ("added", "4")]
    assert events[4].json()["revision"] == "4" and events[4].json()["href"] == "/vms/vm9"
    assert events[-1].comment == "heartbeat"


def test_an_idle_filtered_stream_gets_a_bookmark_past_the_changes_it_left_out():
    log, hub = MemoryChangeLog(), Hub()
    feed = ChangeFeed(log, hub, capacity=64)

    async def scenario() -> list[Event]:
        client = Recorder()
        task = _running(Subscription(feed, 0, "hosts", StreamSettings(heartbeat=0.2)).run(client.write))
        await client.until(lambda events: [e.id for e in events if e.event == "bookmark"] == ["0"])
        for collection in ("vms", "hosts", "vms", "vms"):
            hub.advance(log.append(collection, "x").revision)
        events = await client.until(lambda events: [e.id for e in events if e.event == "bookmark"][-1:] == ["4"])
        task.cancel()
        return events

    events = asyncio.run(scenario())
    assert _changes(events) == [2]
    assert all(e.json()["collection"] == "hosts" for e in events if e.event == "modified")


def test_a_subscriber_too_slow_for_memory_gets_a_resync_and_its_stream_ends():
    log, hub = MemoryChangeLog(), Hub()
    feed = ChangeFeed(log, hub, capacity=4)

    async def scenario() -> tuple[str, list[Event]]:
        client = Recorder()
        reading = asyncio.Event()
        reading.set()

        async def slow_write(frames: bytes) -> None:
            await reading.wait()
            await client.write(frames)

        task = _running(Subscription(feed, 0, settings=StreamSettings(heartbeat=5, batch=2)).run(slow_write))
        await client.until(lambda events: any(e.event == "bookmark" for e in events))
        reading.clear()
        hub.advance(log.append("vms", "a").revision)
        await asyncio.sleep(0.1)
        for index in range(10):
            hub.advance(log.append("vms", str(index)).revision)
        await feed.wait(10, timeout=5)
        reading.set()
        return await asyncio.wait_for(task, 5), client.events

    reason, events = asyncio.run(scenario())
    assert events[-1].event == "resync"
    resume_after = int(events[-1].json()["revision"])
    assert resume_after == max(_changes(events))
    assert _changes(events) == list(range(1, resume_after + 1))
    assert "did not keep up" in reason


def test_a_subscriber_that_reads_nothing_is_dropped_after_the_stall_timeout():
    feed = ChangeFeed(MemoryChangeLog(), Hub())

    async def never_read(frames: bytes) -> None:
        await asyncio.Event().wait()

    async def scenario() -> None:
        await Subscription(feed, 0, settings=StreamSettings(stall_timeout=0.2)).run(never_read)

    with pytest.raises(Stalled):
        asyncio.run(scenario())


def test_a_parked_subscriber_is_handed_changes_and_heartbeats_in_one_pass_until_it_cannot_take_them():
    log, hub = MemoryChangeLog(), Hub()
    feed = ChangeFeed(log, hub, capacity=64)

    async def scenario() -> tuple[list[str], list[Event]]:
        client = Recorder()
        ways: list[str] = []
        taking = [True]

        async def write(frames: bytes) -> None:
            ways.append("write")
            await client.write(frames)

        def offer(frames: bytes) -> bool:
            if not taking[0]:
                return False
            ways.append("offer")
            client.text += frames.decode()
            client.changed.set()
            return True

        subscription = Subscription(feed, 0, settings=StreamSettings(heartbeat=0.3), offer=offer)
        task = _running(subscription.run(write))
        await client.until(lambda events: any(e.event == "bookmark" for e in events))
        hub.advance(log.append("vms", "a").revision)
        await client.until(lambda events: _changes(events) == [1])
        await client.until(lambda events: events[-1].event == "comment")
        taking[0] = False
        hub.advance(log.append("vms", "b").revision)
        await client.until(lambda events: _changes(events) == [1, 2])
        task.cancel()
        return ways, client.events

    ways, events = asyncio.run(scenario())
    assert ways[:2] == ["write", "write"], "the retry advice and the first bookmark are written"
    assert ways[2:4] == ["offer", "offer"], "the change and the heartbeat are handed over while parked"
    assert ways[-1] == "write", "a change the subscriber cannot take at once is written, waiting for it"
    assert [e.event for e in events if e.event != "comment"] == ["message", "bookmark", "modified", "modified"]
