"""Live queries: the result of a query, then an RFC 6902 patch of it each time a change alters it.

A :class:`LiveQueries` keeps one :class:`LiveQuery` per distinct query (its :class:`QueryKey`:
the URI and whom it is evaluated for), however many subscribers share it. When changes commit,
:meth:`LiveQueries.changed` re-evaluates, once, each query that a changed collection can touch
(a query that none of them can touch is not evaluated at all), diffs the new result against the
last one and queues the patch for every subscriber; a result that did not change sends nothing.

Each :class:`Subscriber` (one socket, say) has one bounded queue of outgoing messages for all its
subscriptions. One that stops reading never holds more than ``capacity`` messages: when its queue
is full its pending messages are dropped, and what it gets next is a ``resync`` of each of its
subscriptions, with the whole current result. Memory is bounded by the number of queries and
subscribers, never by how far behind a subscriber is.

The messages (plain dicts, JSON on the wire)::

    {"type": "result", "id": "q1", "revision": 812, "result": {...}}
    {"type": "patch",  "id": "q1", "revision": 815, "patch": [{"op": "replace", ...}]}
    {"type": "resync", "id": "q1", "revision": 830, "result": {...}}
    {"type": "error",  "id": "q1", "status": 404, "fault": {"reason": ..., "detail": ...}}

The package knows nothing of how a query is evaluated: ``evaluate(key)`` is given (the engine
runs the GET in process; a proxy polls a backend), and answers a :class:`Evaluation`.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Hashable, Iterable, Optional

import jsonpatch

log = logging.getLogger(__name__)

#: Outgoing messages a subscriber may have waiting before it must resync.
DEFAULT_CAPACITY = 256


@dataclass(frozen=True)
class QueryKey:
    """What makes two subscriptions one query: the URI, and the identity it is evaluated as
    (the user, and whether his view is filtered), which sees the same result for both."""

    uri: str
    identity: Hashable = None


@dataclass(frozen=True)
class Reach:
    """The changes that can alter a query's result: those of the top-level ``collections`` (and
    of their sub-collections: ``vms`` covers ``vms/nics``), and those of the entities at or below
    the ``hrefs`` (one VM's query is touched by that VM's changes alone).

    A collection query whose order and search read only some top-level members of its entities'
    documents names its collection as ``members`` and those members as ``fields``: a change to an
    entity that is not in the result, which alters none of ``fields`` (or is below the entity: a
    NIC of a VM the result does not hold), cannot alter the result."""

    collections: frozenset[str] = frozenset()
    hrefs: tuple[str, ...] = ()
    members: Optional[str] = None
    fields: frozenset[str] = frozenset()

    def touched_by(self, collection: str, href: str, keys: Optional[frozenset[str]] = None,
                   held: Callable[[], frozenset[str]] = frozenset) -> bool:
        """Whether a change of ``href`` in ``collection`` that altered the top-level ``keys`` of its
        document (None: unknown, or added or removed) can alter the result; ``held()`` gives the
        hrefs of the entities the result holds."""
        top = collection.split("/", 1)[0]
        if top in self.collections:
            if top != self.members:
                return True
            entity = entity_href(href, top)
            if entity in held():
                return True
            if href != entity:
                return False
            return keys is None or bool(keys & self.fields)
        return any(href == prefix or href.startswith(prefix + "/") for prefix in self.hrefs)


def entity_href(href: str, collection: str) -> str:
    """The href of the entity of ``collection`` that ``href`` is, or is below
    (``…/vms/1`` for ``…/vms/1/nics/2``)."""
    marker = f"/{collection}/"
    start = href.find(marker)
    if start < 0:
        return href
    end = href.find("/", start + len(marker))
    return href if end < 0 else href[:end]


def held_hrefs(result: Any) -> frozenset[str]:
    """The hrefs of the entities a collection's result holds (``{"vm": [{"href": …}, …]}``)."""
    if not isinstance(result, dict):
        return frozenset()
    return frozenset(item["href"] for items in result.values() if isinstance(items, list)
                     for item in items if isinstance(item, dict) and isinstance(item.get("href"), str))


@dataclass(frozen=True)
class Evaluation:
    """A query's answer: the result (a JSON value) and the revision it reflects, or a fault."""

    revision: int
    result: Any = None
    status: int = 200
    fault: Optional[dict[str, str]] = None

    @property
    def ok(self) -> bool:
        return self.fault is None


Evaluate = Callable[[QueryKey], Awaitable[Evaluation]]


class Subscriber:
    """One consumer of live queries: a bounded queue of messages for all its subscriptions."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._messages: deque[dict[str, Any]] = deque()
        self._resync: dict[str, Optional[QueryKey]] = {}
        self._ready = asyncio.Event()
        self.subscriptions: dict[str, QueryKey] = {}
        self.watches: dict[str, int] = {}
        """The subscriber's watches of the change log, each with the revision it has reached."""
        self.dropped = 0
        self.closed = False

    def __len__(self) -> int:
        return len(self._messages)

    def offer(self, message: dict[str, Any]) -> None:
        """Queue a message; when the queue is full, drop what waits and owe a resync of every
        subscription instead."""
        if self.closed:
            return
        if len(self._messages) >= self.capacity:
            self.dropped += len(self._messages)
            self._messages.clear()
            self._resync.update(self.subscriptions)
            self._resync.update(dict.fromkeys(self.watches))
        elif message.get("id") not in self._resync:
            self._messages.append(message)
        self._ready.set()

    async def next(self, queries: "LiveQueries") -> dict[str, Any]:
        """The next message to send: a resync owed, else the oldest queued message."""
        while True:
            if self._resync:
                sub_id, key = next(iter(self._resync.items()))
                del self._resync[sub_id]
                if sub_id in self.watches:
                    return {"type": "resync", "id": sub_id, "revision": self.watches[sub_id],
                            "reason": "the watch fell behind: list again, then watch from the list's revision"}
                query = queries.get(key) if key is not None else None
                if query is not None and sub_id in self.subscriptions:
                    return query.message("resync", sub_id)
                continue
            if self._messages:
                return self._messages.popleft()
            self._ready.clear()
            await self._ready.wait()

    def close(self) -> None:
        self.closed = True
        self._messages.clear()
        self._resync.clear()
        self._ready.set()


@dataclass
class LiveQuery:
    """One distinct query: its last evaluation and its subscribers (subscriber → their ids)."""

    key: QueryKey
    reach: Optional[Reach]
    """The changes that can alter the result; None for any."""
    evaluation: Evaluation
    subscribers: dict[Subscriber, set[str]] = field(default_factory=dict)
    evaluations: int = 1
    _held: Optional[tuple[Evaluation, frozenset[str]]] = field(default=None, repr=False)

    def touched_by(self, change: tuple[Any, ...]) -> bool:
        """Whether ``change`` — (collection, href) or (collection, href, changed keys) — can alter
        the result."""
        if self.reach is None:
            return True
        collection, href, *rest = change
        return self.reach.touched_by(collection, href, rest[0] if rest else None, self.held)

    def held(self) -> frozenset[str]:
        """The hrefs of the entities the last result holds."""
        if self._held is None or self._held[0] is not self.evaluation:
            self._held = (self.evaluation, held_hrefs(self.evaluation.result))
        return self._held[1]

    def message(self, kind: str, sub_id: str) -> dict[str, Any]:
        ev = self.evaluation
        if not ev.ok:
            return {"type": "error", "id": sub_id, "revision": ev.revision, "status": ev.status, "fault": ev.fault}
        return {"type": kind, "id": sub_id, "revision": ev.revision, "result": ev.result}


class LiveQueries:
    """Every live query of one server, shared by their subscribers.

    ``reach(key)`` tells which changes can alter a query's result (a :class:`Reach`; None: any),
    so that :meth:`changed` evaluates only the queries a change can touch.
    """

    def __init__(self, evaluate: Evaluate, reach: Callable[[QueryKey], Optional[Reach]] = lambda key: None) -> None:
        self.evaluate = evaluate
        self.reach = reach
        self._queries: dict[QueryKey, LiveQuery] = {}
        self._pending: dict[QueryKey, asyncio.Future[LiveQuery]] = {}
        self._lock = asyncio.Lock()
        self.evaluations = 0
        self.processed = 0
        """The revision :meth:`changed` has brought every query to."""

    def __len__(self) -> int:
        return len(self._queries)

    def get(self, key: QueryKey) -> Optional[LiveQuery]:
        return self._queries.get(key)

    async def _evaluate(self, key: QueryKey) -> Evaluation:
        self.evaluations += 1
        return await self.evaluate(key)

    async def subscribe(self, subscriber: Subscriber, sub_id: str, key: QueryKey) -> None:
        """Add a subscription; its first message (the current result, or the query's fault)
        is queued at once. A query already live is not evaluated again."""
        query = self._queries.get(key)
        if query is None:
            pending = self._pending.get(key)
            if pending is not None:
                query = await asyncio.shield(pending)
            else:
                future: asyncio.Future[LiveQuery] = asyncio.get_running_loop().create_future()
                self._pending[key] = future
                try:
                    evaluation = await self._evaluate(key)
                    if not evaluation.ok:
                        future.cancel()
                        subscriber.offer(LiveQuery(key, None, evaluation).message("error", sub_id))
                        return
                    query = self._queries.get(key) or LiveQuery(key, self.reach(key), evaluation)
                    self._queries[key] = query
                    future.set_result(query)
                except BaseException as error:
                    future.set_exception(error)
                    future.exception()
                    raise
                finally:
                    self._pending.pop(key, None)
        self.unsubscribe(subscriber, sub_id)
        query.subscribers.setdefault(subscriber, set()).add(sub_id)
        subscriber.subscriptions[sub_id] = key
        subscriber.offer(query.message("result", sub_id))
        if query.evaluation.revision < self.processed:
            async with self._lock:  # a change committed between the evaluation and now
                if query.evaluation.revision < self.processed:
                    await self._refresh(query)

    def unsubscribe(self, subscriber: Subscriber, sub_id: str) -> bool:
        """Drop one subscription; a query nobody subscribes to any more is forgotten."""
        key = subscriber.subscriptions.pop(sub_id, None)
        if key is None:
            return False
        query = self._queries.get(key)
        if query is not None:
            ids = query.subscribers.get(subscriber)
            if ids is not None:
                ids.discard(sub_id)
                if not ids:
                    del query.subscribers[subscriber]
            if not query.subscribers:
                del self._queries[key]
        return True

    def drop(self, subscriber: Subscriber) -> None:
        """Drop every subscription of a subscriber that went away."""
        for sub_id in list(subscriber.subscriptions):
            self.unsubscribe(subscriber, sub_id)
        subscriber.close()

    async def changed(self, revision: int, changes: Optional[Iterable[tuple[Any, ...]]] = None) -> int:
        """Changes up to ``revision`` committed, each as its (collection, href), or (collection,
        href, the top-level keys it altered or None) (``changes`` None: unknown ones): re-evaluate,
        once each, the queries they can touch and send their patches; returns how many queries
        were evaluated."""
        seen = None if changes is None else set(changes)
        async with self._lock:
            self.processed = max(self.processed, revision)
            due = [query for query in self._queries.values()
                   if query.evaluation.revision < revision and
                   (seen is None or any(query.touched_by(c) for c in seen))]
            for query in due:
                await self._refresh(query)
            return len(due)

    def all(self) -> list[LiveQuery]:
        """The live queries, each with at least one subscriber."""
        return list(self._queries.values())

    async def refresh(self, query: LiveQuery) -> Evaluation:
        """Evaluate one query now and send its subscribers what changed (for a poller that keeps
        queries current on a clock rather than from a change log); its new evaluation."""
        async with self._lock:
            await self._refresh(query)
            return query.evaluation

    async def _refresh(self, query: LiveQuery) -> None:
        try:
            new = await self._evaluate(query.key)
        except Exception:
            log.exception("a live query failed to evaluate: %s", query.key.uri)
            return
        old = query.evaluation
        query.evaluation = new
        query.evaluations += 1
        if old.ok and new.ok:
            patch = jsonpatch.make_patch(old.result, new.result).patch
            if not patch:
                return
            messages = [("patch", {"patch": patch})]
        elif old.ok != new.ok or old.status != new.status or old.fault != new.fault:
            messages = [("error" if not new.ok else "result", {})]
        else:
            return
        for subscriber, ids in list(query.subscribers.items()):
            for sub_id in ids:
                kind, extra = messages[0]
                if kind == "patch":
                    subscriber.offer({"type": "patch", "id": sub_id, "revision": new.revision, **extra})
                else:
                    subscriber.offer(query.message(kind, sub_id))
