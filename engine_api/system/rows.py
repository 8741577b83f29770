"""Users and their SSO tokens, events and jobs."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine_api.limits import at_least
from engine_api.rows import Base, Id, ModelExtras, UtcDateTime, new_id, utcnow


class User(ModelExtras, Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    user_name: Mapped[str] = mapped_column(String(255), unique=True)
    domain: Mapped[str] = mapped_column(String(255), default="internal-authz")
    principal: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    """For a user of the internal domain who logs in with a password: its PBKDF2 hash
    (:func:`engine_api.system.auth.hash_password`); None for the administrator, whose password
    is the engine's setting, and for users of other domains."""


class SsoToken(Base):
    """An SSO access token: the SHA-256 of the token (hex), never the token itself."""

    __tablename__ = "sso_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Event(ModelExtras, Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[int] = mapped_column(Integer, index=True)
    severity: Mapped[str] = mapped_column(String(16), default="normal")
    time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    description: Mapped[str] = mapped_column(Text)
    correlation_id: Mapped[Optional[str]] = mapped_column(String(255), index=True)
    origin: Mapped[str] = mapped_column(String(255), default="oVirt")
    custom_id: Mapped[int] = mapped_column(Integer, default=-1)
    flood_rate: Mapped[int] = mapped_column(Integer, default=30, info=at_least(0))
    vm_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    host_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    cluster_id: Mapped[Optional[str]] = mapped_column(String(36))
    data_center_id: Mapped[Optional[str]] = mapped_column(String(36))
    storage_domain_id: Mapped[Optional[str]] = mapped_column(String(36))
    template_id: Mapped[Optional[str]] = mapped_column(String(36))
    user_id: Mapped[Optional[str]] = mapped_column(String(36))


class Job(ModelExtras, Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="started")
    start_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    end_time: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime)
    last_updated: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_cleared: Mapped[bool] = mapped_column(Boolean, default=True)
    correlation_id: Mapped[Optional[str]] = mapped_column(String(255), index=True)
    owner_id: Mapped[Optional[str]] = mapped_column(String(36))
