"""The newest changes of the log, in memory: what live subscribers read, shared by all of them."""
from __future__ import annotations

import threading
from collections import deque
from typing import Iterable, Optional

from push.records import ChangeRecord, Page
from push.source import page_of


class RecentChanges:
    """The last ``capacity`` changes up to ``head``, contiguous, oldest first (thread-safe).

    It starts empty at a head (:meth:`anchor`) and grows by the records that follow it; the
    oldest fall out once ``capacity`` is reached. A reader whose cursor is older than what is
    held here reads the log instead (or, if it was live, is too slow: see the SSE subscription).
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("the capacity must be at least one change")
        self.capacity = capacity
        self._records: deque[ChangeRecord] = deque(maxlen=capacity)
        self._head: Optional[int] = None
        self._lock = threading.Lock()

    @property
    def anchored(self) -> bool:
        return self._head is not None

    @property
    def head(self) -> int:
        """The newest revision held (or anchored at)."""
        if self._head is None:
            raise RuntimeError("the recent changes are not anchored at a revision yet")
        return self._head

    @property
    def oldest(self) -> int:
        """The oldest revision held; ``head + 1`` when none is."""
        with self._lock:
            return self._records[0].revision if self._records else self.head + 1

    def anchor(self, head: int) -> None:
        """Hold nothing, at ``head``: the next record to hold is ``head + 1``."""
        with self._lock:
            self._records.clear()
            self._head = head

    def extend(self, records: Iterable[ChangeRecord]) -> int:
        """Hold the records that follow the head (those already held are skipped); how many.

        Records must follow one another without a gap; one that does not is refused with
        :class:`ValueError`, the ones before it held.
        """
        added = 0
        with self._lock:
            for record in records:
                if record.revision <= self.head:
                    continue
                if record.revision != self.head + 1:
                    raise ValueError(f"revision {record.revision} does not follow {self.head}")
                self._records.append(record)
                self._head = record.revision
                added += 1
        return added

    def holds_after(self, since: int) -> bool:
        """Whether every change after ``since`` up to the head is held here."""
        with self._lock:
            if self._head is None or since > self._head:
                return False
            oldest = self._records[0].revision if self._records else self._head + 1
            return since >= oldest - 1

    def read(self, since: int, limit: int, collection: Optional[str] = None) -> Optional[Page]:
        """A page of the changes after ``since``, or None when they are not all held here."""
        with self._lock:
            if self._head is None or since > self._head:
                return None
            oldest = self._records[0].revision if self._records else self._head + 1
            if since < oldest - 1:
                return None
            head = self._head
            start = since + 1 - oldest
            if collection is None:
                stop = min(len(self._records), start + max(limit, 0))
                return _unfiltered_page([self._records[index] for index in range(start, stop)], since, head, limit)
            after = [self._records[index] for index in range(start, len(self._records))]
        return page_of(after, since, head, limit, collection)


def _unfiltered_page(changes: list[ChangeRecord], since: int, head: int, limit: int) -> Page:
    """The page of ``changes`` (the first ``limit`` after ``since``), read as far as they go."""
    if limit <= 0:
        return Page([], since)
    if len(changes) == limit:
        return Page(changes, changes[-1].revision)
    return Page(changes, head)
