"""push.live: one evaluation per query and change for all its subscribers, none for a change that
cannot touch it, patches that rebuild the result, nothing when the result did not change, and a
bounded queue that turns into a resync for a subscriber that stops reading."""
from __future__ import annotations

import asyncio
import copy

import jsonpatch

from push.live import Evaluation, LiveQueries, QueryKey, Reach, Subscriber


class Store:
    """Results by URI at a revision, as an evaluator sees them."""

    def __init__(self) -> None:
        self.revision = 1
        self.results: dict[str, object] = {"/vms": {"vm": [{"id": "1", "status": "down"}]}, "/hosts": {"host": []}}
        self.calls: list[str] = []

    def set(self, uri: str, value: object) -> int:
        self.revision += 1
        self.results[uri] = value
        return self.revision

    async def evaluate(self, key: QueryKey) -> Evaluation:
        self.calls.append(key.uri)
        if key.uri not in self.results:
            return Evaluation(self.revision, status=404, fault={"reason": "Not Found", "detail": key.uri})
        return Evaluation(self.revision, copy.deepcopy(self.results[key.uri]))


def _touches(key: QueryKey) -> Reach:
    return Reach(frozenset({key.uri.strip("/").split("?")[0]}))


def _drain(subscriber: Subscriber, queries: LiveQueries) -> list[dict]:
    async def take() -> list[dict]:
        found = []
        while len(subscriber) or subscriber._resync:
            found.append(await subscriber.next(queries))
        return found
    return _run(take())


_loop = asyncio.new_event_loop()


def _run(coroutine):
    return _loop.run_until_complete(coroutine)


def test_one_evaluation_per_change_for_every_subscriber_and_patches_that_rebuild_the_result():
    store = Store()
    queries = LiveQueries(store.evaluate, _touches)
    subscribers = [Subscriber() for _ in range(50)]
    for index, subscriber in enumerate(subscribers):
        _run(queries.subscribe(subscriber, f"q{index}", QueryKey("/vms")))
    assert store.calls == ["/vms"] and len(queries) == 1
    results = [_drain(s, queries)[0]["result"] for s in subscribers]
    revision = store.set("/vms", {"vm": [{"id": "1", "status": "up"}, {"id": "2", "status": "down"}]})
    assert _run(queries.changed(revision, [("vms/nics", "/vms/1/nics/2")])) == 1
    assert store.calls == ["/vms", "/vms"]
    for subscriber, result in zip(subscribers, results):
        (message,) = _drain(subscriber, queries)
        assert message["type"] == "patch" and message["revision"] == revision
        assert jsonpatch.apply_patch(result, message["patch"]) == store.results["/vms"]


def test_a_change_that_cannot_touch_a_query_evaluates_nothing_and_an_unchanged_result_sends_nothing():
    store = Store()
    queries = LiveQueries(store.evaluate, _touches)
    subscriber = Subscriber()
    _run(queries.subscribe(subscriber, "h", QueryKey("/hosts")))
    _drain(subscriber, queries)
    assert _run(queries.changed(store.set("/vms", {"vm": []}), [("vms", "/vms/1")])) == 0
    assert store.calls == ["/hosts"]
    assert _run(queries.changed(store.set("/other", 1), [("hosts", "/hosts/1")])) == 1  # evaluated, the same result
    assert _drain(subscriber, queries) == []


def test_a_bad_query_gets_an_error_and_is_not_kept():
    store = Store()
    queries = LiveQueries(store.evaluate, _touches)
    subscriber = Subscriber()
    _run(queries.subscribe(subscriber, "bad", QueryKey("/nope")))
    (message,) = _drain(subscriber, queries)
    assert message["type"] == "error" and message["status"] == 404 and len(queries) == 0
    assert subscriber.subscriptions == {}


def test_a_subscriber_that_stops_reading_holds_a_bounded_queue_then_resyncs():
    store = Store()
    queries = LiveQueries(store.evaluate, _touches)
    slow, fast = Subscriber(capacity=8), Subscriber(capacity=8)
    _run(queries.subscribe(slow, "q", QueryKey("/vms")))
    _run(queries.subscribe(fast, "q", QueryKey("/vms")))
    fast_result = _drain(fast, queries)[0]["result"]
    for step in range(100):
        _run(queries.changed(store.set("/vms", {"vm": [{"id": "1", "status": f"s{step}"}]}), [("vms", "/vms/1")]))
        assert len(slow) <= slow.capacity
        for message in _drain(fast, queries):
            fast_result = jsonpatch.apply_patch(fast_result, message["patch"])
    assert fast_result == store.results["/vms"] and slow.dropped > 0
    messages = _drain(slow, queries)
    assert messages[0]["type"] == "resync" and messages[0]["result"] == store.results["/vms"]
    assert len(messages) <= slow.capacity + 1


def test_unsubscribing_the_last_subscriber_forgets_the_query():
    store = Store()
    queries = LiveQueries(store.evaluate, _touches)
    subscriber = Subscriber()
    _run(queries.subscribe(subscriber, "a", QueryKey("/vms")))
    _run(queries.subscribe(subscriber, "b", QueryKey("/vms")))
    assert store.calls == ["/vms"]
    assert queries.unsubscribe(subscriber, "a") and len(queries) == 1
    queries.drop(subscriber)
    assert len(queries) == 0 and subscriber.closed


def test_a_reach_by_href_is_touched_by_that_entity_and_what_is_below_it_only():
    reach = Reach(frozenset({"permissions"}), ("/api/vms/1",))
    assert reach.touched_by("vms", "/api/vms/1") and reach.touched_by("vms/nics", "/api/vms/1/nics/2")
    assert not reach.touched_by("vms", "/api/vms/10") and not reach.touched_by("vms", "/api/vms/2")
    assert reach.touched_by("permissions", "/api/permissions/9")


def test_a_collection_reach_by_members_ignores_what_cannot_bring_an_entity_in_or_out():
    reach = Reach(frozenset({"vms", "permissions"}), members="vms", fields=frozenset({"name", "status"}))
    held = lambda: frozenset({"/api/vms/1"})  # noqa: E731
    # an entity the result holds: any change of it, or below it
    assert reach.touched_by("vms", "/api/vms/1", frozenset({"description"}), held)
    assert reach.touched_by("vms/nics", "/api/vms/1/nics/5", None, held)
    # another entity: only a change of a member the search reads, an addition or a removal
    assert not reach.touched_by("vms", "/api/vms/2", frozenset({"description"}), held)
    assert reach.touched_by("vms", "/api/vms/2", frozenset({"status", "description"}), held)
    assert reach.touched_by("vms", "/api/vms/3", None, held)
    assert not reach.touched_by("vms/nics", "/api/vms/2/nics/6", None, held)
    # another collection the query reads is not narrowed
    assert reach.touched_by("permissions", "/api/permissions/9", frozenset({"role"}), held)


def test_a_query_narrowed_by_members_is_evaluated_only_for_the_changes_that_can_alter_it():
    store = Store()
    store.results["/vms?search=status=up"] = {"vm": [{"href": "/api/vms/1", "status": "up"}]}
    queries = LiveQueries(store.evaluate, lambda key: Reach(frozenset({"vms"}), members="vms",
                                                          fields=frozenset({"name", "status"})))
    subscriber = Subscriber()
    _run(queries.subscribe(subscriber, "up", QueryKey("/vms?search=status=up")))
    _drain(subscriber, queries)
    store.revision += 1
    assert _run(queries.changed(store.revision, [("vms", "/api/vms/2", frozenset({"description"}))])) == 0
    store.revision += 1
    assert _run(queries.changed(store.revision, [("vms", "/api/vms/1", frozenset({"description"}))])) == 1
    store.set("/vms?search=status=up", {"vm": [{"href": "/api/vms/1", "status": "up"},
                                              {"href": "/api/vms/2", "status": "up"}]})
    assert _run(queries.changed(store.revision, [("vms", "/api/vms/2", frozenset({"status"}))])) == 1
    assert [m["type"] for m in _drain(subscriber, queries)] == ["patch"]
    store.revision += 1
    # the result now holds the second VM: its changes count
    assert _run(queries.changed(store.revision, [("vms", "/api/vms/2", frozenset({"description"}))])) == 1
