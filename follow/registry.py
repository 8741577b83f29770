"""The registry of optimized follow handlers.

A handler loads one link for a whole level of parents at once, replacing the generic per-entity
crawl for one (collection, link path) pair::

    registry = HandlerRegistry()

    @registry.register("vms", "disk_attachments")
    def vm_disk_attachments(vms, node, session):
        rows = session.scalars(select(DiskAttachment).where(DiskAttachment.vm_id.in_(...)))
        by_vm = group_by(rows, "vm_id")
        return [by_vm.get(vm.id, []) for vm in vms]

A handler is called as ``handler(parents, node, context)``. ``parents`` holds every distinct
entity of one level (the top-level entities for ``disk_attachments``, all their attachments for
``disk_attachments.disk``); ``node`` is the :class:`~follow.tree.LinkNode` being followed;
``context`` is whatever the caller passed to :func:`follow.follower.follow_links` (typically the
database session). It returns one value per parent, in the same order: a list for a
sub-collection link, an entity or ``None`` for a single reference.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeAlias, overload

from follow.tree import LinkNode, normalize_link_name

__all__ = ["HandlerRegistration", "HandlerRegistry", "LinkHandler", "normalize_link_path"]

LinkHandler: TypeAlias = Callable[[Sequence[Any], LinkNode, Any], Sequence[Any]]


def normalize_link_path(path: str) -> str:
    """Normalize a dotted link path segment by segment (see ``normalize_link_name``)."""
    return ".".join(
        normalize_link_name(segment) for segment in path.split(".") if segment.strip()
    )


class HandlerRegistration(NamedTuple):
    """One registered handler, with the collection and path in normalized spelling."""

    collection: str
    path: str
    handler: LinkHandler


class HandlerRegistry:
    """Handlers keyed by (collection, link path), both compared in normalized spelling.

    Collections are the top-level URL collection the request is for (``vms``, ``hosts``); the
    path is the dotted link path from that collection's entities (``disk_attachments.disk``).
    """

    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], LinkHandler] = {}
        self._disabled = 0
        self._lock = threading.Lock()

    @staticmethod
    def _key(collection: str, path: str) -> tuple[str, str]:
        key = (normalize_link_name(collection), normalize_link_path(path))
        if not key[0] or not key[1]:
            raise ValueError(
                f"A handler needs a collection and a link path, got {collection!r}, {path!r}."
            )
        return key

    @overload
    def register(
        self, collection: str, path: str, handler: LinkHandler, *, replace: bool = False
    ) -> LinkHandler: ...

    @overload
    def register(
        self, collection: str, path: str, handler: None = None, *, replace: bool = False
    ) -> Callable[[LinkHandler], LinkHandler]: ...

    def register(
        self,
        collection: str,
        path: str,
        handler: LinkHandler | None = None,
        *,
        replace: bool = False,
    ) -> LinkHandler | Callable[[LinkHandler], LinkHandler]:
        """Register ``handler`` for ``path`` on ``collection``.

        Called with a handler, registers it and returns it; called without, returns a decorator
        that does the same. Registering a second handler for the same pair raises ``ValueError``
        unless ``replace=True``.
        """

        def decorate(function: LinkHandler) -> LinkHandler:
            key = self._key(collection, path)
            with self._lock:
                if key in self._handlers and not replace:
                    raise ValueError(
                        f"A follow handler for {path!r} on {collection!r} is already registered."
                    )
                self._handlers[key] = function
            return function

        if handler is not None:
            return decorate(handler)
        return decorate

    def unregister(self, collection: str, path: str) -> LinkHandler | None:
        """Remove and return the handler for the pair, or return ``None`` if there was none."""
        with self._lock:
            return self._handlers.pop(self._key(collection, path), None)

    def handler_for(self, collection: str, path: str) -> LinkHandler | None:
        """The handler for ``path`` on ``collection``, or ``None`` (always while disabled)."""
        if self._disabled:
            return None
        return self._handlers.get(self._key(collection, path))

    @property
    def enabled(self) -> bool:
        """False while inside :meth:`disabled`."""
        return not self._disabled

    @contextmanager
    def disabled(self) -> Iterator[HandlerRegistry]:
        """Make :meth:`handler_for` return ``None`` inside the ``with`` block.

        Nests, and applies to every thread (a live test server included), so a test can compare
        the generic path with the optimized one.
        """
        with self._lock:
            self._disabled += 1
        try:
            yield self
        finally:
            with self._lock:
                self._disabled -= 1

    def __iter__(self) -> Iterator[HandlerRegistration]:
        """The registrations, in the order they were made."""
        with self._lock:
            items = list(self._handlers.items())
        for (collection, path), handler in items:
            yield HandlerRegistration(collection, path, handler)

    def __len__(self) -> int:
        return len(self._handlers)

    def __contains__(self, item: object) -> bool:
        """``("vms", "diskattachments") in registry``, in either spelling."""
        if not isinstance(item, tuple) or len(item) != 2:
            return False
        collection, path = item
        if not isinstance(collection, str) or not isinstance(path, str):
            return False
        try:
            return self._key(collection, path) in self._handlers
        except ValueError:
            return False

    def __repr__(self) -> str:
        pairs = ", ".join(f"{c}:{p}" for c, p in self._handlers)
        return f"<HandlerRegistry {pairs or '(empty)'}{'' if self.enabled else ' disabled'}>"
