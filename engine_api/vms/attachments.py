"""Disk attachments of VMs: attaching a disk (or a new one), plugging and unplugging it, detaching it."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from engine_api import models as m
from engine_api.faults import BadRequest, cannot
from engine_api.services.context import RequestContext
from engine_api.services.crud import require
from engine_api.services.refs import resolve_refs
from engine_api.storage import disks
from engine_api.system import events
from engine_api.system.events import acting_user
from engine_api.vms import devices, libvirt_domains, lifecycle
from engine_api.vms.lifecycle import RUNNING_STATES


def add_vm_disk_attachment(ctx: RequestContext, data: dict[str, Any], vm_id: Optional[str]) -> m.DiskAttachment:
    vm = ctx.session.get(m.Vm, vm_id)
    assert vm is not None
    disk_value = data.pop("disk_id", None)
    require(data, "DiskAttachment", "interface")
    if disk_value is None:
        raise BadRequest("DiskAttachment [disk] required for add", reason="Incomplete parameters")
    if isinstance(disk_value, dict):
        disk = disks.new_disk(ctx, resolve_refs(ctx, disk_value))
    else:
        disk = ctx.session.get(m.Disk, disk_value)
        assert disk is not None
        exists = ctx.session.scalars(select(m.DiskAttachment.pk).where(
            m.DiskAttachment.vm_id == vm_id, m.DiskAttachment.disk_id == disk.id)).first()
        if exists:
            raise cannot("attach Virtual Disk", "The disk is already attached to the VM")
        attached = ctx.session.scalars(select(m.DiskAttachment.pk).where(
            m.DiskAttachment.disk_id == disk.id, m.DiskAttachment.vm_id.is_not(None))).first()
        if attached and not disk.shareable:
            raise cannot("attach Virtual Disk", "The disk is not shareable and is already attached to a VM")
    if data.get("bootable"):
        other = ctx.session.scalars(select(m.DiskAttachment.pk).where(
            m.DiskAttachment.vm_id == vm_id, m.DiskAttachment.bootable.is_(True))).first()
        if other:
            raise cannot("attach Virtual Disk", "The VM already has a bootable disk")
    attachment = m.DiskAttachment(disk_id=disk.id, vm_id=vm_id, **data)
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


def update_disk_attachment(ctx: RequestContext, attachment: m.DiskAttachment, data: dict[str, Any]) -> Any:
    disk_value = data.pop("disk_id", None)
    if isinstance(disk_value, dict):
        disk = ctx.session.get(m.Disk, attachment.disk_id)
        assert disk is not None
        for key in ("name", "description", "provisioned_size", "shareable", "wipe_after_delete"):
            if key in disk_value:
                if key == "provisioned_size" and disk_value[key] < disk.provisioned_size:
                    raise cannot("extend Virtual Disk", "New disk size must be larger than the current disk size")
                setattr(disk, key, disk_value[key])
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
    vm = ctx.session.get(m.Vm, attachment.vm_id) if attachment.vm_id else None
    if vm is not None and vm.status in RUNNING_STATES and attachment.active:
        raise cannot("detach Virtual Disk", "Disk is active; deactivate it first or stop the VM")
    disk = ctx.session.get(m.Disk, attachment.disk_id)
    if vm is not None:
        devices.remove_device(ctx, vm.id, attachment.disk_id)
        events.record_event(ctx, 2018, f"Disk {disk.name if disk else attachment.disk_id} was successfully "
                            f"detached from VM {vm.name} by {acting_user(ctx)}.",
                            vm_id=vm.id, cluster_id=vm.cluster_id)
    ctx.session.delete(attachment)
    if disk is not None and ctx.params.detach_only is False:
        ctx.session.delete(disk)


def vm_attachments_query(ctx: RequestContext, vm_id: Optional[str]) -> Any:
    return select(m.DiskAttachment).where(m.DiskAttachment.vm_id == vm_id)
