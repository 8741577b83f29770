"""Disk attachments of VMs: attaching a disk (or a new one), plugging and unplugging it, detaching it."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from engine_api import models as m
from engine_api.faults import BadRequest, Conflict, cannot
from engine_api.services.context import RequestContext
from engine_api.services.crud import require
from engine_api.services.refs import resolve_refs
from engine_api.storage import disks
from engine_api.system import events
from engine_api.system.events import acting_user
from engine_api.vms import devices, libvirt_domains, lifecycle
from engine_api.vms.schemas import DiskSnapshotRef

#: The VM states in which the engine detaches a disk.
DETACH_STATES = frozenset({"up", "down"})


ALREADY_ATTACHED = "The disk is already attached to VM"
"""``ACTION_TYPE_FAILED_DISK_ALREADY_ATTACHED``."""


def _no_other_boot_disk(ctx: RequestContext, vm: m.Vm, action: str, exclude_disk: Optional[str] = None) -> None:
    """``DiskValidator.isVmNotContainsBootDisk``: a VM has one active boot disk (409
    ``ACTION_TYPE_FAILED_DISK_BOOT_IN_USE``)."""
    stmt = (select(m.Disk.name).join(m.DiskAttachment, m.DiskAttachment.disk_id == m.Disk.id)
            .where(m.DiskAttachment.vm_id == vm.id, m.DiskAttachment.bootable.is_(True),
                   m.DiskAttachment.active.is_(True)))
    if exclude_disk is not None:
        stmt = stmt.where(m.DiskAttachment.disk_id != exclude_disk)
    boot = ctx.session.scalars(stmt.limit(1)).first()
    if boot is not None:
        raise Conflict(f"[Cannot {action} Virtual Disk. Disk {boot} in VM {vm.name} is already marked as boot.]")


def add_vm_disk_attachment(ctx: RequestContext, data: dict[str, Any], vm_id: Optional[str]) -> m.DiskAttachment:
    vm = ctx.session.get(m.Vm, vm_id)
    assert vm is not None
    disk_value = data.pop("disk_id", None)
    require(data, "DiskAttachment", "interface")
    if disk_value is None:
        raise BadRequest("DiskAttachment [disk] required for add", reason="Incomplete parameters")
    held: Optional[m.SnapshotDisk] = None
    if isinstance(disk_value, dict):
        if data.get("bootable"):
            _no_other_boot_disk(ctx, vm, "add")
        disk = disks.new_disk(ctx, resolve_refs(ctx, disk_value))
    elif isinstance(disk_value, DiskSnapshotRef):
        disk, held = _disk_as_snapshot_holds_it(ctx, vm, disk_value)
    else:
        disk = ctx.session.get(m.Disk, disk_value)
        assert disk is not None
        if data.get("bootable"):
            _no_other_boot_disk(ctx, vm, "attach")
        exists = ctx.session.scalars(select(m.DiskAttachment.pk).where(
            m.DiskAttachment.vm_id == vm_id, m.DiskAttachment.disk_id == disk.id)).first()
        if exists:
            raise cannot("attach Virtual Disk", ALREADY_ATTACHED)
        attached = ctx.session.scalars(select(m.DiskAttachment.pk).where(
            m.DiskAttachment.disk_id == disk.id, m.DiskAttachment.vm_id.is_not(None))).first()
        if attached and not disk.shareable:
            raise cannot("attach Virtual Disk", "The disk is not shareable and is already attached to a VM")
    attachment = m.DiskAttachment(disk_id=disk.id, vm_id=vm_id, **data)
    if held is not None:
        attachment.snapshot_id, attachment.image_id = held.snapshot_id, held.image_id
    ctx.session.add(attachment)
    ctx.session.flush()
    devices.add_disk_device(ctx, vm.id, attachment)
    if attachment.active and libvirt_domains.needs_hotplug(vm):
        if disk.status == "ok":
            plug_disk(ctx, vm, attachment, disk, True)
        else:  # plugged when its creation ends
            devices.set_plugged(ctx, vm.id, disk.id, False)
    if not isinstance(disk_value, dict):
        events.record_event(ctx, 2016, f"Disk {disk.name} was successfully attached to VM {vm.name} by "
                            f"{acting_user(ctx)}.", vm_id=vm.id, cluster_id=vm.cluster_id)
    return attachment


def _disk_as_snapshot_holds_it(ctx: RequestContext, vm: m.Vm,
                               ref: DiskSnapshotRef) -> tuple[m.Disk, m.SnapshotDisk]:
    """The disk and the image a regular snapshot of another VM holds of it, for attaching to ``vm``
    (the engine's AttachDiskToVm with a snapshot: a backup reads the snapshot's image)."""
    action = "attach Virtual Disk"
    snapshot = ctx.session.get(m.Snapshot, ref.snapshot_id)
    if snapshot is None:
        raise cannot(action, "VM's Snapshot does not exist")
    if snapshot.snapshot_type != "regular":
        raise cannot(action, "The operation is only allowed for regular snapshots")
    if snapshot.snapshot_status != "ok":
        raise cannot(action, f"Snapshot {snapshot.description} is currently being created",
                     "Please try again in a few minutes")
    held = ctx.session.scalars(select(m.SnapshotDisk).where(
        m.SnapshotDisk.snapshot_id == snapshot.id, m.SnapshotDisk.disk_id == ref.disk.id)).first() \
        if ref.disk.id else None
    disk = ctx.session.get(m.Disk, held.disk_id) if held is not None else None
    if held is None or disk is None:
        raise cannot(action, "The specified disk does not exist")
    if ctx.session.scalars(select(m.DiskAttachment.pk).where(
            m.DiskAttachment.vm_id == vm.id, m.DiskAttachment.disk_id == disk.id)).first():
        raise cannot(action, ALREADY_ATTACHED)
    return disk, held


def update_disk_attachment(ctx: RequestContext, attachment: m.DiskAttachment, data: dict[str, Any]) -> Any:
    disk_value = data.pop("disk_id", None)
    if isinstance(disk_value, dict):
        disk = ctx.session.get(m.Disk, attachment.disk_id)
        assert disk is not None
        for key in ("name", "description", "provisioned_size", "shareable", "wipe_after_delete"):
            if key in disk_value:
                if key == "provisioned_size" and disk_value[key] < disk.provisioned_size:
                    raise Conflict(disks.REQUESTED_SIZE_TOO_SMALL)
                setattr(disk, key, disk_value[key])
    if data.get("bootable") and not attachment.bootable and attachment.active and attachment.vm_id:
        vm = ctx.session.get(m.Vm, attachment.vm_id)
        assert vm is not None
        _no_other_boot_disk(ctx, vm, "edit", exclude_disk=attachment.disk_id)
    active = data.pop("active", None)
    for key, value in data.items():
        setattr(attachment, key, value)
    if active is not None and active != attachment.active:
        attachment.active = active
        vm = ctx.session.get(m.Vm, attachment.vm_id) if attachment.vm_id else None
        if vm is not None:
            disk = ctx.session.get(m.Disk, attachment.disk_id)
            assert disk is not None
            devices.set_plugged(ctx, vm.id, disk.id, active)
            if libvirt_domains.needs_hotplug(vm) and disk.status == "ok":
                plug_disk(ctx, vm, attachment, disk, active)
    return attachment


def plug_disk(ctx: RequestContext, vm: m.Vm, attachment: m.DiskAttachment, disk: m.Disk, plugged: bool) -> None:
    """Hot-plug or hot-unplug a disk of a running VM (its device row already says which)."""
    lifecycle.lock_vm(ctx, vm)
    if plugged:
        libvirt_domains.plug_disk(ctx.session, vm, disk.id)
    else:
        libvirt_domains.unplug_disk(ctx.session, vm, disk.id, attachment.interface)
    libvirt_domains.disk_plug_event(ctx, vm, disk.name, plugged, f" by {acting_user(ctx)}.")


def remove_disk_attachment(ctx: RequestContext, attachment: m.DiskAttachment, parent_id: Optional[str] = None) -> None:
    """Detach a disk; one plugged into a running VM is hot-unplugged first. A disk attached as a
    snapshot holds it stays its own VM's, whatever ``detach_only`` says."""
    vm = ctx.session.get(m.Vm, attachment.vm_id) if attachment.vm_id else None
    if vm is not None and vm.status == "image_locked":
        raise Conflict("[Cannot detach Virtual Disk: VM is locked. Please try again in a few minutes.]")
    if vm is not None and vm.status not in DETACH_STATES:
        status = vm.status.replace("_", " ").title().replace(" ", "")
        raise Conflict(f"[Cannot detach Virtual Disk because the VM is in {status} status.]")
    disk = ctx.session.get(m.Disk, attachment.disk_id)
    if vm is not None and disk is not None and attachment.active and vm.status != "down" \
            and libvirt_domains.needs_hotplug(vm):
        plug_disk(ctx, vm, attachment, disk, False)
    if vm is not None:
        devices.remove_device(ctx, vm.id, attachment.disk_id)
        events.record_event(ctx, 2018, f"Disk {disk.name if disk else attachment.disk_id} was successfully "
                            f"detached from VM {vm.name} by {acting_user(ctx)}.",
                            vm_id=vm.id, cluster_id=vm.cluster_id)
    ctx.session.delete(attachment)
    if disk is not None and ctx.params.detach_only is False and attachment.snapshot_id is None:
        ctx.session.delete(disk)


def vm_attachments_query(ctx: RequestContext, vm_id: Optional[str]) -> Any:
    return select(m.DiskAttachment).where(m.DiskAttachment.vm_id == vm_id)
