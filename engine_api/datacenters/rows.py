"""Data centers and their clusters."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine_api.limits import at_least
from engine_api.rows import Base, Id, ModelExtras, Named, new_id


class DataCenter(ModelExtras, Named, Base):
    __tablename__ = "data_centers"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(32), default="uninitialized")
    storage_format: Mapped[str] = mapped_column(String(8), default="v5")
    version_major: Mapped[int] = mapped_column(Integer, default=4, info=at_least(0))
    version_minor: Mapped[int] = mapped_column(Integer, default=7, info=at_least(0))
    quota_mode: Mapped[str] = mapped_column(String(16), default="disabled")


class Cluster(ModelExtras, Named, Base):
    __tablename__ = "clusters"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    data_center_id: Mapped[Optional[str]] = mapped_column(ForeignKey("data_centers.id"), index=True)
    cpu_type: Mapped[Optional[str]] = mapped_column(String(255))
    cpu_architecture: Mapped[str] = mapped_column(String(16), default="x86_64")
    version_major: Mapped[int] = mapped_column(Integer, default=4, info=at_least(0))
    version_minor: Mapped[int] = mapped_column(Integer, default=7, info=at_least(0))
    memory_over_commit: Mapped[int] = mapped_column(Integer, default=100, info=at_least(0))
    ballooning_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    mac_pool_id: Mapped[Optional[str]] = mapped_column(ForeignKey("mac_pools.id"))
