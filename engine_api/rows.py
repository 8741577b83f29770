"""The base of the SQL model: ids, UTC timestamps, the columns entities share, and the engine's
own bookkeeping (transitions due, leases of duties)."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

Id = String(36)
"""The column type of a UUID id."""

def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[dt.datetime], dialect: Any) -> Optional[dt.datetime]:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc) if value is not None else None

    def process_result_value(self, value: Optional[dt.datetime], dialect: Any) -> Optional[dt.datetime]:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


class Base(DeclarativeBase):
    pass


class ModelExtras:
    """What a client set of an entity's attributes that the API model defines and its columns do
    not hold (a VM's ``serial_number``, a host's ``power_management``…), in the JSON wire shape,
    so that it reads back what it set."""

    model_extras: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON, default=None)


class Named:
    """Columns every named entity has."""

    name: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[Optional[str]] = mapped_column(Text)
    comment: Mapped[Optional[str]] = mapped_column(Text)


class Transition(Base):
    """A state change due at a given time: what makes the engine's asynchronous work happen."""

    __tablename__ = "transitions"
    __table_args__ = (Index("ix_transitions_due", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    step: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    job_id: Mapped[Optional[str]] = mapped_column(String(36))
    correlation_id: Mapped[Optional[str]] = mapped_column(String(255))
    payload: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)


class Lease(Base):
    """A duty one process of several holds at a time (the ticker), until ``expires_at`` (epoch s)."""

    __tablename__ = "engine_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[float] = mapped_column(Float)
