"""The documents of API entities, the change log, and the counter that hands out revisions."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import (
    BigInteger,
    Float,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine_api.rows import Base

HREF_LENGTH = 512
"""The longest href a document has: the deepest path of the API with ids of 64 characters."""

class Document(Base):
    """The full wire representation (JSON shape) of one API entity, as of ``revision``.

    ``href`` is the entity's API path; ``collection`` the registry key of the collection that
    holds it (``vms``, ``vms/nics``), or for an entity of the generic store its path template
    without identifiers (``vms/snapshots``). Entities with bespoke behaviour keep their rows too;
    types without it live here alone.
    """

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_collection", "collection", "entity_id"),
                      Index("ix_documents_row", "collection", "row_key"))

    href: Mapped[str] = mapped_column(String(HREF_LENGTH), primary_key=True)
    collection: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[str] = mapped_column(String(64))
    """The primary key of the entity's row; for an entity without a row, its insertion order."""
    parent_href: Mapped[Optional[str]] = mapped_column(String(HREF_LENGTH), index=True)
    revision: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[str] = mapped_column(Text)
    """The JSON wire shape, as JSON text."""
    xml: Mapped[str] = mapped_column(Text)
    """The same entity as its XML element: a rendering kept with the document."""


class Change(Base):
    """One committed change of one entity: the change log, in revision order without gaps."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_collection", "collection", "revision"),)

    revision: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    collection: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    href: Mapped[str] = mapped_column(String(HREF_LENGTH))
    kind: Mapped[str] = mapped_column(String(16))
    document: Mapped[Optional[str]] = mapped_column(Text)
    patch: Mapped[str] = mapped_column(Text)
    committed_at: Mapped[float] = mapped_column(Float)


class RevisionCounter(Base):
    """The last revision handed out. Its row stays locked by the writing transaction until
    commit, so revisions are assigned in commit order, across processes."""

    __tablename__ = "revision_counter"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class LogPublication(Base):
    """How far the change log has been published to one place outside (an MQTT broker): every
    revision up to ``revision``. Kept with the log, so a reset to another scenario keeps it."""

    __tablename__ = "log_publications"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)
