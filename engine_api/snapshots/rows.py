"""A VM's snapshots and the disk images each holds."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine_api.limits import at_least
from engine_api.rows import Base, Id, ModelExtras, UtcDateTime, new_id, utcnow
from engine_api.types.fields import API_PREFIX


class Snapshot(ModelExtras, Base):
    """One snapshot of a VM: the engine's ``active`` one every VM has, the ``regular`` ones a
    user takes, and the ``preview`` that keeps the VM as it was while another is previewed.

    ``configuration`` is the VM's configuration when the snapshot was taken (the attributes
    :data:`engine_api.snapshots.service.CONFIGURATION` names), ``nics`` its vNICs then.
    """

    __tablename__ = "snapshots"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    vm_id: Mapped[str] = mapped_column(ForeignKey("vms.id", ondelete="CASCADE"), index=True)
    description: Mapped[Optional[str]] = mapped_column(Text)
    snapshot_type: Mapped[str] = mapped_column(String(16), default="regular")
    snapshot_status: Mapped[str] = mapped_column(String(16), default="ok")
    date: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    persist_memorystate: Mapped[bool] = mapped_column(Boolean, default=False)
    configuration: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    nics: Mapped[Optional[list[dict[str, Any]]]] = mapped_column(JSON)

    @property
    def vm(self) -> dict[str, str]:
        return {"href": f"{API_PREFIX}/vms/{self.vm_id}", "id": self.vm_id}


class SnapshotDisk(Base):
    """A disk as a snapshot holds it: the disk's id, and the image (volume) the snapshot keeps.

    On a storage domain it is a disk snapshot, whose id is its image's id.
    """

    __tablename__ = "snapshot_disks"

    pk: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    snapshot_id: Mapped[str] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"), index=True)
    vm_id: Mapped[str] = mapped_column(ForeignKey("vms.id", ondelete="CASCADE"), index=True)
    disk_id: Mapped[str] = mapped_column(Id, index=True)
    image_id: Mapped[str] = mapped_column(Id, default=new_id, index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[Optional[str]] = mapped_column(Text)
    provisioned_size: Mapped[int] = mapped_column(BigInteger, info=at_least(0))
    actual_size: Mapped[int] = mapped_column(BigInteger, default=0, info=at_least(0))
    format: Mapped[str] = mapped_column(String(8), default="cow")
    sparse: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="ok")
    storage_type: Mapped[str] = mapped_column(String(16), default="image")
    content_type: Mapped[str] = mapped_column(String(32), default="data")
    storage_domain_id: Mapped[Optional[str]] = mapped_column(
        ForeignKey("storage_domains.id", ondelete="SET NULL"), index=True)
    interface: Mapped[str] = mapped_column(String(16), default="virtio")
    bootable: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def id(self) -> str:
        return self.disk_id

    @property
    def storage_domain_ids(self) -> list[str]:
        return [self.storage_domain_id] if self.storage_domain_id else []

    @property
    def snapshot(self) -> dict[str, str]:
        return {"href": f"{API_PREFIX}/vms/{self.vm_id}/snapshots/{self.snapshot_id}", "id": self.snapshot_id}

    @property
    def disk(self) -> dict[str, str]:
        return {"href": f"{API_PREFIX}/disks/{self.disk_id}", "id": self.disk_id}
