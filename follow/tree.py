"""The link tree of a ``follow=`` parameter.

``follow=disk_attachments.disk,nics.statistics`` names two paths; dots nest, commas separate, and
paths sharing a prefix share their nodes::

    (root)
    ├── disk_attachments
    │   └── disk
    └── nics
        └── statistics

oVirt spells a link two ways: the attribute name (``disk_attachments``) and the URL segment used
as ``rel`` (``diskattachments``). Every comparison in this module uses :func:`normalize_link_name`
on both sides, so either spelling finds the same node, while each node keeps the spelling the
client wrote for display.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_NODES",
    "FollowSyntaxError",
    "LinkNode",
    "normalize_link_name",
    "parse_follow",
]

DEFAULT_MAX_DEPTH = 5
DEFAULT_MAX_NODES = 100

_SEGMENT = re.compile(r"[A-Za-z0-9_]+")


class FollowSyntaxError(ValueError):
    """A ``follow=`` value that cannot be turned into a link tree.

    ``path`` is the offending path as written (trimmed), when one can be named.
    """

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


def normalize_link_name(name: str) -> str:
    """Return the spelling-independent key of a link name.

    Lowercases and removes underscores, so the attribute spelling and the rel spelling compare
    equal: ``normalize_link_name("Disk_Attachments") == normalize_link_name("diskattachments")``.
    """
    return name.strip().lower().replace("_", "")


def _split_path(path: str) -> list[str]:
    """Split a dotted path into trimmed, non-empty segments."""
    return [segment.strip() for segment in path.split(".") if segment.strip()]


class LinkNode:
    """One link of a follow tree; the root has no name and stands for the followed entity.

    Attributes:
        name: the link as the client wrote it, lowercased (``""`` for the root).
        key: the normalized spelling used for every lookup (see :func:`normalize_link_name`).
        parent: the node above, ``None`` for the root.
        followed: set once the link's data has been loaded, by a handler, the generic follower
            or :meth:`mark_followed`.
    """

    __slots__ = ("name", "key", "parent", "followed", "_children")

    def __init__(self, name: str = "", parent: LinkNode | None = None) -> None:
        self.name = name.lower()
        self.key = normalize_link_name(name)
        self.parent = parent
        self.followed = False
        self._children: dict[str, LinkNode] = {}

    # -- structure -------------------------------------------------------------------------

    @property
    def children(self) -> tuple[LinkNode, ...]:
        """The child links, in the order they were first written."""
        return tuple(self._children.values())

    @property
    def is_root(self) -> bool:
        return self.parent is None

    @property
    def root(self) -> LinkNode:
        """The root of the tree this node belongs to."""
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    @property
    def depth(self) -> int:
        """Distance from the root: 0 for the root, 1 for a top-level link."""
        depth = 0
        node = self
        while node.parent is not None:
            depth += 1
            node = node.parent
        return depth

    @property
    def path(self) -> str:
        """The dotted path from the root, in the spelling written (``""`` for the root)."""
        names: list[str] = []
        node: LinkNode | None = self
        while node is not None and node.parent is not None:
            names.append(node.name)
            node = node.parent
        return ".".join(reversed(names))

    @property
    def key_path(self) -> str:
        """The dotted path from the root in normalized spelling."""
        keys: list[str] = []
        node: LinkNode | None = self
        while node is not None and node.parent is not None:
            keys.append(node.key)
            node = node.parent
        return ".".join(reversed(keys))

    def child(self, name: str) -> LinkNode | None:
        """Return the child link called ``name`` in either spelling, or ``None``."""
        return self._children.get(normalize_link_name(name))

    def add_child(self, name: str) -> LinkNode:
        """Return the child called ``name``, creating it if absent (the first spelling stays)."""
        key = normalize_link_name(name)
        node = self._children.get(key)
        if node is None:
            node = LinkNode(name.strip(), self)
            self._children[key] = node
        return node

    def find(self, path: str) -> LinkNode | None:
        """Return the node at the dotted ``path`` below this one, or ``None``.

        Spellings are normalized per segment; the empty path is this node itself.
        """
        node: LinkNode | None = self
        for segment in _split_path(path):
            assert node is not None
            node = node.child(segment)
            if node is None:
                return None
        return node

    # -- traversal -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[LinkNode]:
        """Iterate over all descendants, level by level (breadth first), excluding this node."""
        for level in self.levels():
            yield from level

    def levels(self) -> Iterator[list[LinkNode]]:
        """Yield the descendants grouped by level: first the children, then the grandchildren…"""
        level = list(self._children.values())
        while level:
            yield level
            level = [child for node in level for child in node._children.values()]

    def node_count(self) -> int:
        """Number of descendants (the root itself not counted)."""
        return sum(1 for _ in self)

    def paths(self) -> list[str]:
        """The dotted paths of all leaves, as written, in tree order (depth first)."""
        if not self._children:
            return [self.path] if self.parent is not None else []
        result: list[str] = []
        for child in self._children.values():
            result.extend(child.paths())
        return result

    # -- marking ---------------------------------------------------------------------------

    def mark_followed(self, path: str) -> bool:
        """Mark every node on the dotted ``path`` (relative to this node) as followed.

        Spellings are normalized per segment. An unknown path, or a path only partly present,
        changes nothing and returns ``False``; otherwise returns ``True``.
        """
        nodes: list[LinkNode] = []
        node = self
        for segment in _split_path(path):
            found = node.child(segment)
            if found is None:
                return False
            nodes.append(found)
            node = found
        if not nodes:
            return False
        for found in nodes:
            found.followed = True
        return True

    def is_followed(self, path: str) -> bool:
        """Whether the node at the dotted ``path`` exists and is marked followed."""
        node = self.find(path)
        return node is not None and node is not self and node.followed

    def unfollowed(self) -> list[LinkNode]:
        """The descendants not yet marked followed, level by level."""
        return [node for node in self if not node.followed]

    # -- representation --------------------------------------------------------------------

    def __repr__(self) -> str:
        if self.parent is None:
            return f"<LinkNode root {','.join(self.paths()) or '(empty)'}>"
        flag = " followed" if self.followed else ""
        return f"<LinkNode {self.path}{flag}>"


def parse_follow(
    text: str | None,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> LinkNode:
    """Parse a ``follow=`` parameter into a link tree and return its root.

    Commas separate paths and dots nest links; whitespace around paths and segments is trimmed
    and empty segments are ignored, so ``None``, ``""`` and ``","`` all give an empty tree.
    Paths sharing a prefix (in either spelling) share nodes.

    Raises:
        FollowSyntaxError: a segment contains anything but ASCII letters, digits and
            underscores, or consists of underscores only; a path is deeper than ``max_depth``;
            the tree has more than ``max_nodes`` nodes. The message names the offending path.
    """
    root = LinkNode()
    if not text:
        return root
    count = 0
    for raw_path in text.split(","):
        segments = _split_path(raw_path)
        if not segments:
            continue
        written = ".".join(segments)
        for segment in segments:
            if not _SEGMENT.fullmatch(segment) or not normalize_link_name(segment):
                raise FollowSyntaxError(
                    f"Invalid link name {segment!r} in follow path {written!r}: "
                    "only letters, digits and underscores are allowed.",
                    written,
                )
        if len(segments) > max_depth:
            raise FollowSyntaxError(
                f"Follow path {written!r} is {len(segments)} links deep; "
                f"at most {max_depth} are allowed.",
                written,
            )
        node = root
        for segment in segments:
            existing = node.child(segment)
            if existing is None:
                count += 1
                if count > max_nodes:
                    raise FollowSyntaxError(
                        f"Follow tree exceeds {max_nodes} links at path {written!r}.",
                        written,
                    )
                existing = node.add_child(segment)
            node = existing
    return root
