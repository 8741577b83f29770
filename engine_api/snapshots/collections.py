"""The collections of snapshots, and of disk snapshots below storage domains and disks."""
from __future__ import annotations

from engine_api import models as m
from engine_api.services.follow_handlers import children
from engine_api.services.registry import CollectionDef, Concept, StepKind
from engine_api.snapshots import schemas as t
from engine_api.snapshots import service
from engine_api.storage.collections import DISKS, STORAGE_DOMAINS
from engine_api.vms.collections import VMS

VM_SNAPSHOTS = CollectionDef(
    "snapshots", t.Snapshot, m.Snapshot, "Snapshot", parent=VMS, parent_key="vm_id", order_by=("date",),
    add=service.create_snapshot, remove=service.remove_snapshot,
    actions={"restore": service.restore_snapshot})
STORAGE_DOMAIN_DISK_SNAPSHOTS = CollectionDef(
    "disksnapshots", t.DiskSnapshot, m.SnapshotDisk, "DiskSnapshot", parent=STORAGE_DOMAINS,
    parent_key="storage_domain_id", id_attribute="image_id", order_by=("name",), read_only=True,
    remove=service.remove_disk_snapshot)
DISK_DISK_SNAPSHOTS = CollectionDef(
    "disksnapshots", t.DiskImageSnapshot, m.SnapshotDisk, "DiskSnapshot", parent=DISKS, id_attribute="image_id",
    order_by=(), read_only=True, compute=service.disk_snapshots_of, remove=service.remove_disk_snapshot)

CONCEPT = Concept(
    "snapshots", "Snapshots of VMs, and the disk snapshots of storage domains and disks",
    (VM_SNAPSHOTS, STORAGE_DOMAIN_DISK_SNAPSHOTS, DISK_DISK_SNAPSHOTS),
    follow=(("vms", "snapshots", children("vms/snapshots")),),
    steps={service.KIND: StepKind(service.snapshot_step, lock=service.lock_snapshot_vm)},
)
