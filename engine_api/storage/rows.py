"""Storage domains and disks."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine_api.limits import at_least
from engine_api.rows import Base, Id, ModelExtras, Named, UtcDateTime, new_id, utcnow


class StorageDomain(ModelExtras, Named, Base):
    __tablename__ = "storage_domains"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(16), default="data")
    storage_type: Mapped[str] = mapped_column(String(16), default="nfs")
    storage_address: Mapped[Optional[str]] = mapped_column(String(255))
    storage_path: Mapped[Optional[str]] = mapped_column(String(1024))
    storage_format: Mapped[str] = mapped_column(String(8), default="v5")
    data_center_id: Mapped[Optional[str]] = mapped_column(ForeignKey("data_centers.id"), index=True)
    status: Mapped[Optional[str]] = mapped_column(String(32))
    external_status: Mapped[str] = mapped_column(String(16), default="ok")
    master: Mapped[bool] = mapped_column(Boolean, default=False)
    available: Mapped[int] = mapped_column(BigInteger, default=2 * 1024**4, info=at_least(0))
    used: Mapped[int] = mapped_column(BigInteger, default=0, info=at_least(0))
    committed: Mapped[int] = mapped_column(BigInteger, default=0, info=at_least(0))
    host_id: Mapped[Optional[str]] = mapped_column(ForeignKey("hosts.id", ondelete="SET NULL"))

    @property
    def data_center_ids(self) -> list[str]:
        return [self.data_center_id] if self.data_center_id else []


class Disk(ModelExtras, Base):
    __tablename__ = "disks"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[Optional[str]] = mapped_column(Text)
    comment: Mapped[Optional[str]] = mapped_column(Text)
    image_id: Mapped[str] = mapped_column(Id, default=new_id)
    provisioned_size: Mapped[int] = mapped_column(BigInteger, info=at_least(0))
    actual_size: Mapped[int] = mapped_column(BigInteger, default=0, info=at_least(0))
    format: Mapped[str] = mapped_column(String(8), default="cow")
    sparse: Mapped[bool] = mapped_column(Boolean, default=True)
    shareable: Mapped[bool] = mapped_column(Boolean, default=False)
    wipe_after_delete: Mapped[bool] = mapped_column(Boolean, default=False)
    propagate_errors: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="locked")
    storage_type: Mapped[str] = mapped_column(String(16), default="image")
    content_type: Mapped[str] = mapped_column(String(32), default="data")
    storage_domain_id: Mapped[Optional[str]] = mapped_column(ForeignKey("storage_domains.id"), index=True)
    template_id: Mapped[Optional[str]] = mapped_column(ForeignKey("templates.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    @property
    def storage_domain_ids(self) -> list[str]:
        return [self.storage_domain_id] if self.storage_domain_id else []


class DomainOvf(Base):
    """A VM or template a storage domain holds as its OVF describes it, not as the engine knows it:
    one exported to an export domain, or one on a data domain the engine has not registered.

    ``configuration`` holds the VM's attributes (those of :data:`engine_api.vms.service.INHERITED`,
    ``description``, ``comment``), ``disks`` its disks (id, image, name, sizes, format, interface,
    bootable) and ``nics`` its vNICs (name, interface, MAC, network and profile names).
    ``unregistered`` is set for those on a data domain.
    """

    __tablename__ = "storage_domain_ovfs"

    pk: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    id: Mapped[str] = mapped_column(Id, index=True)
    storage_domain_id: Mapped[str] = mapped_column(ForeignKey("storage_domains.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="vm")
    name: Mapped[str] = mapped_column(String(255))
    unregistered: Mapped[bool] = mapped_column(Boolean, default=False)
    configuration: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    disks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    nics: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
