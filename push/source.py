"""Where the feed reads changes from: a durable log of records in revision order, without gaps."""
from __future__ import annotations

import threading
import time
from typing import Optional, Protocol

from push.records import ChangeRecord, Gone, Page, Window


class ChangeSource(Protocol):
    """A change log: revisions gap-free and in commit order. Its methods block (a database read);
    the feed calls them in threads."""

    def window(self) -> Window:
        """The revisions the log holds now."""
        ...

    def read(self, since: int, limit: int, collection: Optional[str] = None) -> Page:
        """At most ``limit`` changes after ``since`` (of ``collection`` only, when given), in order.

        The page's ``revision`` is the last revision read: the last change's when the page is
        full, else the head the read saw. Raises :class:`Gone` when changes after ``since`` have
        been pruned, or ``since`` is past the head.
        """
        ...


def page_of(records: list[ChangeRecord], since: int, head: int, limit: int,
            collection: Optional[str]) -> Page:
    """The page of changes after ``since`` among ``records`` (all of the log from ``since + 1`` to
    ``head``, in order), at most ``limit`` of them, of ``collection`` when given."""
    if limit <= 0:
        return Page([], since)
    chosen: list[ChangeRecord] = []
    for record in records:
        if collection is None or record.collection == collection:
            chosen.append(record)
            if len(chosen) == limit:
                return Page(chosen, record.revision)
    return Page(chosen, head)


class MemoryChangeLog:
    """A change log in memory: the :class:`ChangeSource` of tests, and a model of the contract."""

    def __init__(self) -> None:
        self._records: list[ChangeRecord] = []
        self._head = 0
        self._lock = threading.Lock()

    def append(self, collection: str, entity_id: str, kind: str = "modified",
               document: Optional[str] = "{}", patch: str = "[]") -> ChangeRecord:
        """Commit one change; its record."""
        with self._lock:
            self._head += 1
            record = ChangeRecord(self._head, kind, collection, entity_id, f"/{collection}/{entity_id}",
                                  document, patch, time.time())
            self._records.append(record)
            return record

    def prune(self, keep: int) -> None:
        """Forget all but the newest ``keep`` records."""
        with self._lock:
            del self._records[:max(0, len(self._records) - keep)]

    def window(self) -> Window:
        with self._lock:
            oldest = self._records[0].revision if self._records else self._head + 1
            return Window(oldest, self._head)

    def read(self, since: int, limit: int, collection: Optional[str] = None) -> Page:
        with self._lock:
            head = self._head
            oldest = self._records[0].revision if self._records else head + 1
            window = Window(oldest, head)
            if not window.serves(since):
                raise Gone(since, window)
            after = self._records[since + 1 - oldest:]
        return page_of(after, since, head, limit, collection)
