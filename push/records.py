"""Change records as the feed delivers them, and the pages a reader gets of the log."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional

KINDS = ("added", "modified", "deleted")


def _one_line(json_text: str) -> str:
    """``json_text`` on one line: a JSON string never holds a raw line break, so dropping the
    break characters changes only whitespace between tokens."""
    if "\n" in json_text or "\r" in json_text:
        return json_text.replace("\r", "").replace("\n", "")
    return json_text


@dataclass(slots=True, eq=False)
class ChangeRecord:
    """One committed change of one entity, at ``revision`` in the log.

    ``document`` is the entity's new representation as JSON text (``None`` once deleted);
    ``patch`` is the RFC 6902 JSON Patch from its previous representation, as JSON text;
    ``committed_at`` is when its transaction committed, in seconds since the epoch.
    """

    revision: int
    kind: str
    collection: str
    entity_id: str
    href: str
    document: Optional[str]
    patch: str
    committed_at: float
    _json: Optional[str] = field(default=None, repr=False)
    _frame: Optional[bytes] = field(default=None, repr=False)

    def json_text(self) -> str:
        """The record as one line of JSON: the object the feed's JSON and SSE answers carry.

        ``{"revision": "12", "kind": "modified", "collection": "vms", "id": …, "href": …,
        "committed_at": <epoch milliseconds>, "document": {…}, "patch": [...]}``; a deleted
        entity's record has no ``document``. Computed once and shared by every subscriber.
        """
        if self._json is None:
            head = json.dumps({"revision": str(self.revision), "kind": self.kind, "collection": self.collection,
                               "id": self.entity_id, "href": self.href,
                               "committed_at": int(self.committed_at * 1000)},
                              ensure_ascii=False, separators=(",", ":"))
            parts = [head[:-1]]
            if self.document is not None:
                parts.append(',"document":' + _one_line(self.document))
            parts.append(',"patch":' + _one_line(self.patch) + "}")
            self._json = "".join(parts)
        return self._json

    def sse_frame(self) -> bytes:
        """The record as a Server-Sent Event: ``id`` its revision, ``event`` its kind."""
        if self._frame is None:
            self._frame = f"id: {self.revision}\nevent: {self.kind}\ndata: {self.json_text()}\n\n".encode()
        return self._frame

    def as_wire(self) -> dict[str, Any]:
        """The record's JSON object, parsed."""
        return json.loads(self.json_text())


@dataclass(frozen=True)
class Page:
    """Changes read after some revision, and ``revision``: how far the log was read.

    ``revision`` is the cursor to read from next. It passes the last change of ``changes`` when
    the changes after it did not match the reader's collection, so an idle reader's cursor
    advances too.
    """

    changes: list[ChangeRecord]
    revision: int
    _frames: Optional[bytes] = field(default=None, compare=False, repr=False)

    def sse_frames(self) -> bytes:
        """The page's changes as Server-Sent Events, computed once for every subscriber."""
        if self._frames is None:
            object.__setattr__(self, "_frames", b"".join(change.sse_frame() for change in self.changes))
        assert self._frames is not None
        return self._frames


@dataclass(frozen=True)
class Window:
    """What the log holds: every revision from ``oldest`` to ``head``.

    An empty log holds nothing: ``oldest`` is then ``head + 1``.
    """

    oldest: int
    head: int

    def serves(self, since: int) -> bool:
        """Whether a reader at ``since`` can be told every change after it."""
        return self.oldest - 1 <= since <= self.head


class Gone(Exception):
    """The changes after ``since`` are no longer all in the log (or ``since`` is not one of its
    revisions): the reader must list again and resume from the revision its list reflects."""

    def __init__(self, since: int, window: Window) -> None:
        if since > window.head:
            detail = (f"Revision {since} is after the newest revision {window.head}: list the entities again "
                      f"and resume from the revision the list reflects")
        else:
            detail = (f"The changes after revision {since} are no longer kept (the oldest kept is "
                      f"{window.oldest}): list the entities again and resume from the revision the list reflects")
        super().__init__(detail)
        self.since = since
        self.window = window
        self.detail = detail
