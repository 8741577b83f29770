"""The feed in one process, over a change log in memory: memory and log pages, waits, the window."""
from __future__ import annotations

import asyncio
import threading

import pytest

from push import ChangeFeed, Gone, Hub, Lagging, MemoryChangeLog, RecentChanges


def _commit(log: MemoryChangeLog, hub: Hub, count: int, collection: str = "vms") -> list[int]:
    revisions = [log.append(collection, f"e{index}").revision for index in range(count)]
    hub.advance(revisions[-1])
    return revisions


def test_recent_changes_hold_the_newest_and_answer_only_what_they_hold_whole():
    log = MemoryChangeLog()
    recent = RecentChanges(capacity=3)
    recent.anchor(0)
    records = [log.append("vms", str(index)) for index in range(5)]
    assert recent.extend(records) == 5
    assert (recent.oldest, recent.head) == (3, 5)
    assert recent.read(1, 10) is None
    page = recent.read(2, 10)
    assert [c.revision for c in page.changes] == [3, 4, 5] and page.revision == 5
    page = recent.read(2, 2)
    assert [c.revision for c in page.changes] == [3, 4] and page.revision == 4
    assert recent.read(6, 10) is None
    with pytest.raises(ValueError):
        recent.extend([log.append("vms", "x"), log.append("vms", "y")][1:])


def test_a_filtered_page_moves_the_cursor_past_what_it_left_out():
    log = MemoryChangeLog()
    for collection in ("vms", "hosts", "vms", "hosts", "hosts"):
        log.append(collection, "id")
    page = log.read(0, 10, "vms")
    assert [c.revision for c in page.changes] == [1, 3] and page.revision == 5
    page = log.read(0, 1, "vms")
    assert [c.revision for c in page.changes] == [1] and page.revision == 1
    assert log.read(3, 10, "vms").changes == [] and log.read(3, 10, "vms").revision == 5


def test_a_reader_waits_for_a_commit_in_another_thread_and_reads_it_from_memory():
    log, hub = MemoryChangeLog(), Hub()
    feed = ChangeFeed(log, hub, capacity=16)

    async def scenario() -> list[int]:
        await feed.ready()
        head = await feed.start_at(None)
        threading.Timer(0.1, _commit, (log, hub, 2)).start()
        assert await feed.wait(head, timeout=5)
        reads_before = log_reads[0]
        page = await feed.read(head, 10)
        assert log_reads[0] == reads_before, "a reader at the head reads from memory"
        return [c.revision for c in page.changes]

    log_reads = [0]
    original = log.read

    def counting_read(*args, **kwargs):
        log_reads[0] += 1
        return original(*args, **kwargs)

    log.read = counting_read  # type: ignore[method-assign]
    assert asyncio.run(scenario()) == [1, 2]


def test_a_wait_ends_false_after_its_timeout_when_nothing_commits():
    feed = ChangeFeed(MemoryChangeLog(), Hub())

    async def scenario() -> bool:
        return await feed.wait(await feed.start_at(None), timeout=0.2)

    assert asyncio.run(scenario()) is False


def test_a_reader_behind_memory_replays_from_the_log_and_one_before_the_window_is_gone():
    log, hub = MemoryChangeLog(), Hub()
    feed = ChangeFeed(log, hub, capacity=4)

    async def scenario() -> None:
        await feed.ready()
        _commit(log, hub, 10)
        await feed.wait(0, timeout=5)
        page = await feed.read(0, 100)
        assert [c.revision for c in page.changes] == list(range(1, 11))
        log.prune(keep=3)
        assert await feed.start_at(7) == 7
        with pytest.raises(Gone) as gone:
            await feed.start_at(6)
        assert gone.value.window.oldest == 8
        with pytest.raises(Gone):
            await feed.start_at(11)

    asyncio.run(scenario())


def test_a_live_reader_that_falls_out_of_memory_is_lagging():
    log, hub = MemoryChangeLog(), Hub()
    feed = ChangeFeed(log, hub, capacity=4)

    async def scenario() -> None:
        cursor = await feed.start_at(None)
        await feed.ready()
        _commit(log, hub, 10)
        await feed.wait(cursor + 9, timeout=5)
        with pytest.raises(Lagging):
            await feed.read(cursor, 100, live=True)
        assert len((await feed.read(cursor, 100)).changes) == 10

    asyncio.run(scenario())


def test_the_hub_wakes_each_loop_once_for_many_advances():
    hub = Hub()
    calls: list[int] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        hub.attach(loop, lambda: calls.append(hub.head))
        threads = [threading.Thread(target=hub.advance, args=(revision,)) for revision in range(1, 51)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        await asyncio.sleep(0.05)

    asyncio.run(scenario())
    assert 1 <= len(calls) < 50 and calls[-1] == 50
