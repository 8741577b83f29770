"""Tags and their assignments."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine_api.rows import Base, Id, ModelExtras, new_id

#: The id and name of the tag every other descends from.
ROOT_TAG_ID = "00000000-0000-0000-0000-000000000000"
ROOT_TAG_NAME = "root"


class Tag(ModelExtras, Base):
    """A tag. ``path`` is the ids from the root down to the tag, each followed by ``/``
    (``<root>/<parent>/<tag>/``): the tags below one are those whose path starts with its own."""

    __tablename__ = "tags"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[Optional[str]] = mapped_column(Text)
    parent_id: Mapped[Optional[str]] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(2000), index=True)


class TagAssignment(Base):
    """A tag on one object: ``object_type`` is its collection (``vms``, ``hosts``, ``templates``, ``users``)."""

    __tablename__ = "tag_assignments"
    __table_args__ = (UniqueConstraint("tag_id", "object_type", "object_id"),
                      Index("ix_tag_assignments_object", "object_type", "object_id"))

    pk: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    tag_id: Mapped[str] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(Id)
