"""Rendered listings, kept by the change log's head they reflect.

A listing assembled from documents (``GET /vms?follow=nics``) is the same bytes until something
commits: every committed change moves the log's head (one revision per change, across
processes). So each process keeps the bodies of its recent listings with the head they were
assembled at, and answers a repeat whose head is unchanged with the kept body: one indexed read
of the head instead of reading and joining every document again. A listing with a
``search`` is never kept, because the search language reads rows that a document may not show.

The bodies are bounded by ``budget`` bytes in all (the least recently used go first); a budget of
0 keeps nothing.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable, Optional


class RenderedListings:
    """Listing bodies of one engine (one database), by key and head revision."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._bodies: OrderedDict[Hashable, tuple[int, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.budget > 0

    def kept_head(self, key: Hashable) -> Optional[int]:
        """The head of the body kept for ``key``, if one is kept."""
        kept = self._bodies.get(key)
        return kept[0] if kept is not None else None

    def get(self, key: Hashable, head: int) -> Optional[bytes]:
        """The body kept for ``key`` when it reflects exactly ``head``."""
        with self._lock:
            kept = self._bodies.get(key)
            if kept is None or kept[0] != head:
                return None
            self._bodies.move_to_end(key)
            return kept[1]

    def put(self, key: Hashable, head: int, body: bytes) -> None:
        """Keep ``body`` as the listing ``key`` at ``head`` (not when it alone exceeds the budget)."""
        if len(body) > self.budget:
            return
        with self._lock:
            previous = self._bodies.pop(key, None)
            if previous is not None:
                self.size -= len(previous[1])
            if previous is not None and previous[0] > head:
                self._bodies[key] = previous
                self.size += len(previous[1])
                return
            self._bodies[key] = (head, body)
            self.size += len(body)
            while self.size > self.budget:
                _, (_, dropped) = self._bodies.popitem(last=False)
                self.size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._bodies)
