"""What read and write services return for the presentation layer to render."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Hashable, Optional

from engine_api.types.base import TypeSchema


@dataclass
class EntityResult:
    schema: type[TypeSchema]
    entity: Any
    status: int = 200
    follow_tree: Any = None
    followed: Any = None
    location: str | None = None
    additions: Optional[dict[str, Any]] = None
    """What the engine adds to the entity's rendering (``all_content=true``), in the wire shape."""

    @property
    def follow_seconds(self) -> float | None:
        """The time spent following ``follow=`` links, or None when nothing was followed."""
        return None if self.followed is None else self.followed.seconds


@dataclass
class CollectionResult:
    schema: type[TypeSchema]
    items: list[Any]
    follow_tree: Any = None
    followed: Any = None
    additions: Optional[list[dict[str, Any]]] = None
    """What the engine adds to each item's rendering (``all_content=true``), in the wire shape."""

    @property
    def follow_seconds(self) -> float | None:
        """The time spent following ``follow=`` links, or None when nothing was followed."""
        return None if self.followed is None else self.followed.seconds


@dataclass
class ActionResult:
    """The answer of an action: ``<action><status>complete</status>…</action>``."""

    status: str = "complete"
    http_status: int = 200
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class WireResult:
    """A document that is already in the wire shape (the API root, a match report, an entity of
    the generic store); ``location`` is the href of an entity it added."""

    tag: str
    data: Any
    status: int = 200
    location: str | None = None


@dataclass
class RawResult:
    """A body served as is (a Domain XML document)."""

    body: bytes
    content_type: str
    status: int = 200


@dataclass
class DocumentResult:
    """One entity answered from its stored document: its rendering as the client asked for it
    (``representation`` is ``json`` or ``xml``), and its revision."""

    fragment: str
    representation: str
    revision: int
    status: int = 200
    tag: Optional[str] = None
    """The entity's element (``vm``), which an answer written anew from the document needs."""

    @property
    def etag(self) -> str:
        return f'"{self.revision}"'


@dataclass
class DocumentsResult:
    """A collection answered from stored documents, in order; ``revision`` is the log's head."""

    plural: str
    singular: str
    fragments: list[str]
    representation: str
    revision: int
    status: int = 200
    body: Optional[bytes] = None
    """The whole rendering, when it is at hand already (a kept listing); else the fragments'."""
    key: Optional[Hashable] = None
    """The key the listing is kept under among the engine's rendered listings, when it is kept."""

    @property
    def etag(self) -> str:
        return f'W/"{self.revision}"'
