"""Following the links of a tree for a list of entities, level by level.

:func:`follow_links` walks a :class:`~follow.tree.LinkNode` tree breadth first. For each node it
either calls the optimized handler registered for the node's path, once with every parent of the
level, or falls back to the caller's generic ``resolve(parent, node, context)`` once per parent —
the crawl the engine does with one internal request per entity. The values found become the
parents of the next level. Nothing here knows about HTTP or SQL: the caller supplies entities,
the resolver and the handlers.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence, Set
from typing import Any

from follow.registry import HandlerRegistry, normalize_link_path
from follow.tree import LinkNode, normalize_link_name

__all__ = ["FollowResult", "Resolver", "UnknownLink", "follow_links", "is_link_collection"]

Resolver = Callable[[Any, LinkNode, Any], Any]


class UnknownLink(LookupError):
    """A link name that the entity type does not have.

    Raised by resolvers and handlers; :func:`follow_links` lets it propagate after filling in
    ``path`` (the dotted path of the node being followed) so the engine can answer a 400 fault
    whose detail is :attr:`message`.
    """

    def __init__(self, link: str, entity_type: str, path: str | None = None) -> None:
        self.link = link
        self.entity_type = entity_type
        self.path = path
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The engine's fault detail: ``Problem following 'x' link in Vm entity.``"""
        return f"Problem following '{self.link}' link in {self.entity_type} entity."


def is_link_collection(value: Any) -> bool:
    """Whether a followed value is a sub-collection (flattened) rather than a single entity.

    Lists, tuples, sets and any other non-string sequence count as collections.
    """
    if isinstance(value, (str, bytes, bytearray)):
        return False
    return isinstance(value, (Sequence, Set))


class FollowResult:
    """The values found by :func:`follow_links`, and what it cost to find them.

    Values are keyed by the *identity* of the parent entity (ORM objects give no hashing
    guarantees) and by the normalized link key, so ``get(vm, "diskattachments")`` and
    ``get(vm, "disk_attachments")`` are the same lookup. A single reference that turned out
    absent is recorded as ``None``: :meth:`has` is then true and :meth:`get` returns ``None``.

    ``handler_calls`` and ``resolve_calls`` count, per normalized path (``diskattachments.disk``),
    how many times a handler and the generic resolver were called; ``seconds`` is the wall time
    :func:`follow_links` spent filling this result, handlers and resolvers included.
    """

    def __init__(self) -> None:
        self._values: dict[tuple[int, str], tuple[Any, Any]] = {}
        self.handler_calls: Counter[str] = Counter()
        self.resolve_calls: Counter[str] = Counter()
        self.seconds = 0.0

    @staticmethod
    def _link_key(link: str | LinkNode) -> str:
        return link.key if isinstance(link, LinkNode) else normalize_link_name(link)

    def record(self, parent: Any, link: str | LinkNode, value: Any) -> None:
        """Store ``value`` as the followed ``link`` of ``parent``."""
        # The parent is kept alongside the value so that its id() cannot be reused while the
        # result is alive.
        self._values[(id(parent), self._link_key(link))] = (parent, value)

    def has(self, parent: Any, link: str | LinkNode) -> bool:
        """Whether ``link`` of ``parent`` was followed (even if the reference was absent)."""
        return (id(parent), self._link_key(link)) in self._values

    def get(self, parent: Any, link: str | LinkNode, default: Any = None) -> Any:
        """The followed value of ``link`` for ``parent``, or ``default`` if it was not followed."""
        entry = self._values.get((id(parent), self._link_key(link)))
        return default if entry is None else entry[1]

    def links(self, parent: Any) -> dict[str, Any]:
        """Every followed link of ``parent``, as ``{normalized key: value}``."""
        marker = id(parent)
        return {key: value for (owner, key), (_, value) in self._values.items() if owner == marker}

    def handler_call_count(self, path: str | None = None) -> int:
        """Handler calls for one path (either spelling), or in total."""
        if path is None:
            return sum(self.handler_calls.values())
        return self.handler_calls[normalize_link_path(path)]

    def resolve_call_count(self, path: str | None = None) -> int:
        """Generic resolver calls for one path (either spelling), or in total."""
        if path is None:
            return sum(self.resolve_calls.values())
        return self.resolve_calls[normalize_link_path(path)]

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return (
            f"<FollowResult {len(self._values)} values, "
            f"{self.handler_call_count()} handler calls, {self.resolve_call_count()} resolves>"
        )


def _distinct(values: Iterable[Any]) -> list[Any]:
    """Drop ``None`` and repeated objects (by identity), keeping the first occurrence's order."""
    seen: set[int] = set()
    result: list[Any] = []
    for value in values:
        if value is None or id(value) in seen:
            continue
        seen.add(id(value))
        result.append(value)
    return result


def _flatten(values: Iterable[Any]) -> list[Any]:
    """Flatten sub-collections one level and drop ``None`` and duplicates."""
    flat: list[Any] = []
    for value in values:
        if is_link_collection(value):
            flat.extend(value)
        else:
            flat.append(value)
    return _distinct(flat)


def _relative(node: LinkNode, top: LinkNode) -> tuple[str, str]:
    """The path of ``node`` below ``top``, as written and normalized."""
    names: list[str] = []
    keys: list[str] = []
    current: LinkNode | None = node
    while current is not None and current is not top:
        names.append(current.name)
        keys.append(current.key)
        current = current.parent
    return ".".join(reversed(names)), ".".join(reversed(keys))


def follow_links(
    collection: str,
    entities: Sequence[Any],
    tree: LinkNode,
    *,
    resolve: Resolver,
    registry: HandlerRegistry | None = None,
    context: Any = None,
    result: FollowResult | None = None,
) -> FollowResult:
    """Follow every link of ``tree`` for ``entities`` of ``collection``, breadth first.

    For each node of a level, in tree order:

    * a node already marked followed is skipped: neither handled nor resolved. Its children take
      their parents from the values already recorded for it in ``result`` (a caller that
      preloads a link records what it loaded with :meth:`FollowResult.record`);
    * otherwise, if ``registry`` has a handler for ``(collection, path)``, it is called once
      with all distinct parents of the level and must return one value per parent, aligned;
    * otherwise ``resolve(parent, node, context)`` is called once per distinct parent.

    The node is then marked followed (so the tree is consumed: parse a fresh one per request).
    The next level's parents are the values found, lists flattened, ``None`` and repeated
    objects dropped. A level with no parents makes no calls.

    Args:
        collection: the top-level collection the entities belong to (``"vms"``).
        entities: the entities whose links are followed (one entity for a single GET).
        tree: the root of the link tree, from :func:`follow.tree.parse_follow`.
        resolve: the generic resolver for one link of one entity.
        registry: optimized handlers; ``None`` means the generic resolver only.
        context: passed unchanged to handlers and the resolver (e.g. a database session).
        result: an existing result to add to; a new one by default.

    Raises:
        UnknownLink: from a resolver or handler, with ``path`` filled in.
        TypeError: a handler returned something other than one value per parent.
    """
    found = result if result is not None else FollowResult()
    started = time.perf_counter()
    targets: dict[int, list[Any]] = {id(tree): _distinct(entities)}

    try:
        for level in tree.levels():
            for node in level:
                parents = targets.get(id(node.parent), [])
                path, key_path = _relative(node, tree)
                if node.followed:
                    recorded = [found.get(p, node) for p in parents if found.has(p, node)]
                    targets[id(node)] = _flatten(recorded)
                    continue
                values = _follow_node(
                    collection, node, path, key_path, parents, resolve, registry, context, found
                )
                for parent, value in zip(parents, values):
                    found.record(parent, node, value)
                targets[id(node)] = _flatten(values)
                node.followed = True
    finally:
        found.seconds += time.perf_counter() - started
    return found


def _follow_node(
    collection: str,
    node: LinkNode,
    path: str,
    key_path: str,
    parents: list[Any],
    resolve: Resolver,
    registry: HandlerRegistry | None,
    context: Any,
    found: FollowResult,
) -> list[Any]:
    """Load one node's values for all parents, by handler or by generic resolution."""
    if not parents:
        return []
    handler = registry.handler_for(collection, key_path) if registry is not None else None
    try:
        if handler is not None:
            found.handler_calls[key_path] += 1
            values = handler(parents, node, context)
            if not is_link_collection(values) or isinstance(values, Set):
                raise TypeError(
                    f"Follow handler {handler!r} for {path!r} on {collection!r} returned "
                    f"{type(values).__name__}, not a sequence of one value per parent."
                )
            values = list(values)
            if len(values) != len(parents):
                raise TypeError(
                    f"Follow handler {handler!r} for {path!r} on {collection!r} returned "
                    f"{len(values)} values for {len(parents)} parents."
                )
            return values
        values = []
        for parent in parents:
            found.resolve_calls[key_path] += 1
            values.append(resolve(parent, node, context))
        return values
    except UnknownLink as error:
        if error.path is None:
            error.path = path
        raise
