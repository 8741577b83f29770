"""The change log in SQL as the feed's source, and pruning it to the retention window."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import delete, func, select

from engine_api.db import Database
from engine_api.documents.guard import vetted
from engine_api.documents.recorder import LOG
from engine_api.models import Change, RevisionCounter
from push import ChangeRecord, Gone, Page, Window
from push.source import page_of

_HEAD = select(RevisionCounter.value).where(RevisionCounter.name == LOG)
_OLDEST = select(func.min(Change.revision))
_RECORD = select(Change.revision, Change.kind, Change.collection, Change.entity_id, Change.href, Change.document,
                 Change.patch, Change.committed_at)


def _window(connection: Any, head: int) -> Window:
    oldest = connection.execute(_OLDEST).scalar()
    return Window(oldest if oldest is not None else head + 1, head)


class SqlChangeLog:
    """The ``changes`` table of ``db``, read with plain statements (no ORM session, no recorder).

    The head is the revision counter's value: every revision up to it has committed, since the
    counter's row is locked from the moment a transaction draws revisions until it commits.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def head(self) -> int:
        with self.db.engine.connect() as connection:
            return int(connection.execute(_HEAD).scalar() or 0)

    def window(self) -> Window:
        with self.db.engine.connect() as connection:
            head = int(connection.execute(_HEAD).scalar() or 0)
            return _window(connection, head)

    def read(self, since: int, limit: int, collection: Optional[str] = None) -> Page:
        """The changes after ``since`` (see :class:`push.ChangeSource`).

        The head is read first and the oldest revision last: records are only ever pruned from
        the oldest up, so when the oldest kept after the read still follows ``since``, every
        record the read needed was there when it ran.
        """
        with self.db.engine.connect() as connection:
            head = int(connection.execute(_HEAD).scalar() or 0)
            rows: list[Any] = []
            if limit > 0 and since < head:
                query = _RECORD.where(Change.revision > since, Change.revision <= head)
                if collection is not None:
                    query = query.where(Change.collection == collection)
                rows = list(connection.execute(query.order_by(Change.revision).limit(limit)))
            window = _window(connection, head)
        if not window.serves(since):
            raise Gone(since, window)
        return page_of([ChangeRecord(*row) for row in rows], since, head, limit, None)


def prune(db: Database, keep: int) -> int:
    """Delete all but the newest ``keep`` change records; how many were deleted."""
    with db.engine.begin() as connection:
        head = int(connection.execute(_HEAD).scalar() or 0)
        if head <= keep:
            return 0
        with vetted(connection):
            return connection.execute(delete(Change).where(Change.revision <= head - keep)).rowcount or 0
