"""Schemas of snapshots, the disks and vNICs they hold, and disk snapshots on storage domains."""
from __future__ import annotations

from typing import Any

from engine_api.statistics.schemas import Owner
from engine_api.storage.schemas import Disk
from engine_api.types import enums
from engine_api.types.base import ComputedSchema, StructSchema, TypeSchema
from engine_api.types.common import Identified
from engine_api.types.fields import (
    API_PREFIX,
    Boolean,
    DateTime,
    Enum,
    String,
    Struct,
    WrappedList,
)
from engine_api.vms.schemas import Nic


class AttachedDisk(StructSchema):
    disk = Struct(Identified)


class Snapshot(TypeSchema):
    type_name, plural, collection = "snapshot", "snapshots", "snapshots"

    description = String()
    date = DateTime(dump_only=True)
    persist_memorystate = Boolean()
    snapshot_status = Enum(enums.SNAPSHOT_STATUS, dump_only=True)
    snapshot_type = Enum(enums.SNAPSHOT_TYPE, dump_only=True)
    vm = Struct(Owner, dump_only=True)
    disk_attachments = WrappedList("disk_attachment", Struct(AttachedDisk), load_only=True)
    disks = WrappedList("disk", Struct(Identified), load_only=True)

    @classmethod
    def href(cls, obj: Any) -> str:
        return f"{API_PREFIX}/vms/{obj.vm_id}/snapshots/{obj.id}"


class SnapshotDisk(Disk):
    """A disk as a snapshot holds it, at ``/vms/{vm}/snapshots/{snapshot}/disks/{disk}``."""

    links = ()

    snapshot = Struct(Owner, dump_only=True)

    @classmethod
    def href(cls, obj: Any) -> str:
        return f"{API_PREFIX}/vms/{obj.vm_id}/snapshots/{obj.snapshot_id}/disks/{obj.disk_id}"


class DiskSnapshot(Disk):
    """A disk snapshot on its storage domain (its id is the image's)."""

    type_name, plural, collection = "disk_snapshot", "disk_snapshots", "disksnapshots"
    links = ()

    id = String(attribute="image_id", dump_only=True)
    disk = Struct(Owner, dump_only=True)
    snapshot = Struct(Owner, dump_only=True)

    @classmethod
    def href(cls, obj: Any) -> str:
        return f"{API_PREFIX}/storagedomains/{obj.storage_domain_id}/disksnapshots/{obj.image_id}"


class SnapshotNic(ComputedSchema, Nic):
    """A vNIC as a snapshot holds it."""


class DiskImageSnapshot(DiskSnapshot):
    """A disk snapshot below its disk, at ``/disks/{disk}/disksnapshots/{image}``."""

    @classmethod
    def href(cls, obj: Any) -> str:
        return f"{API_PREFIX}/disks/{obj.disk_id}/disksnapshots/{obj.image_id}"
