"""Disks: creating one on a storage domain (locked until it is ready), removing it."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from engine_api import models as m
from engine_api.faults import BadRequest, Conflict, cannot
from engine_api.services import transitions
from engine_api.services.context import RequestContext
from engine_api.services.crud import require
from engine_api.system import events, jobs
from engine_api.system.events import acting_user
from engine_api.vms import attachments, devices, libvirt_domains
from engine_api.vms.lifecycle import RUNNING_STATES

REQUESTED_SIZE_TOO_SMALL = "[Cannot edit Virtual Disk. New disk size must be larger than the current disk size.]"
"""``ACTION_TYPE_FAILED_REQUESTED_DISK_SIZE_IS_TOO_SMALL`` of UpdateDisk."""


def new_disk(ctx: RequestContext, data: dict[str, Any]) -> m.Disk:
    if data.get("lun_storage") is not None:
        return new_lun_disk(ctx, data)
    domains = data.pop("storage_domain_ids", None) or []
    require(data, "Disk", "provisioned_size", "format")
    if not domains:
        raise BadRequest("Disk [storageDomains] required for add", reason="Incomplete parameters")
    if data["provisioned_size"] <= 0:
        raise BadRequest("Disk provisioned_size must be positive")
    domain = ctx.session.get(m.StorageDomain, domains[0])
    if domain is None or domain.status not in ("active",):
        raise cannot("add Disk", "Storage Domain is not active")
    data.setdefault("name", f"disk_{m.new_id()[:8]}")
    disk = m.Disk(**data)
    disk.storage_domain_id = domains[0]
    disk.status = "locked"
    disk.actual_size = 0 if disk.sparse else disk.provisioned_size
    ctx.session.add(disk)
    ctx.session.flush()
    job = jobs.start_job(ctx, f"Adding Disk {disk.name}")
    events.record_event(ctx, 2020, f"Add-Disk operation of '{disk.name}' was initiated by "
                        f"{acting_user(ctx)}.", storage_domain_id=disk.storage_domain_id)
    transitions.schedule(ctx, "disk", disk.id, "ok", job_id=job.id)
    return disk


def _lun_ids(ctx: RequestContext) -> set[str]:
    """The LUNs direct LUN disks use already."""
    used = set()
    for extras in ctx.session.scalars(select(m.Disk.model_extras).where(m.Disk.storage_type == "lun")):
        for unit in ((extras or {}).get("lun_storage") or {}).get("logical_units", {}).get("logical_unit", []):
            used.add(unit.get("id"))
    return used


def new_lun_disk(ctx: RequestContext, data: dict[str, Any]) -> m.Disk:
    """A direct LUN disk: a LUN of the storage server, used by VMs as it is, so no size, format or
    storage domain of its own; it is ready at once."""
    storage = data.pop("lun_storage")
    data.pop("storage_domain_ids", None)
    units = (storage.get("logical_units") or {}).get("logical_unit") or []
    if not storage.get("type"):
        raise BadRequest("Disk [lunStorage.type] required for add", reason="Incomplete parameters")
    if len(units) != 1 or not units[0].get("id"):
        raise BadRequest("Disk [lunStorage.logicalUnits.id] required for add", reason="Incomplete parameters")
    unit = units[0]
    if storage["type"] == "iscsi" and not (unit.get("address") and unit.get("target")):
        raise BadRequest("LogicalUnit [address, target] required for add", reason="Incomplete parameters")
    if unit["id"] in _lun_ids(ctx):
        raise cannot("add Virtual Disk", "The provided LUN is used by another disk")
    for secret in ("password", "driver_sensitive_options"):  # the engine never answers with secrets
        storage.pop(secret, None)
        unit.pop(secret, None)
    data.setdefault("name", f"disk_{m.new_id()[:8]}")
    disk = m.Disk(**{k: v for k, v in data.items() if k not in ("format", "sparse", "provisioned_size")})
    disk.storage_type, disk.format, disk.sparse, disk.status = "lun", "raw", False, "ok"
    disk.provisioned_size = disk.actual_size = int(unit.get("size") or 0)
    disk.model_extras = {"lun_storage": storage}
    ctx.session.add(disk)
    ctx.session.flush()
    events.record_event(ctx, 2021, f"The disk '{disk.name}' was successfully added.")
    return disk


def add_disk(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Disk:
    return new_disk(ctx, data)


def update_disk(ctx: RequestContext, disk: m.Disk, data: dict[str, Any]) -> m.Disk:
    """UpdateDisk: a disk grows, never shrinks."""
    size = data.get("provisioned_size")
    if size is not None and size < disk.provisioned_size:
        raise Conflict(REQUESTED_SIZE_TOO_SMALL)
    for key, value in data.items():
        setattr(disk, key, value)
    return disk


def disk_step(ctx: RequestContext, disk_id: str, step: str, payload: dict[str, Any]) -> None:
    disk = ctx.session.get(m.Disk, disk_id)
    if disk is not None and disk.status == "locked":
        disk.status = "ok"
        if payload.get("job_id"):
            events.record_event(ctx, 2021, f"The disk '{disk.name}' was successfully added.",
                                storage_domain_id=disk.storage_domain_id,
                                correlation_id=payload.get("correlation_id"))
        for attachment in ctx.session.scalars(select(m.DiskAttachment).where(
                m.DiskAttachment.disk_id == disk.id, m.DiskAttachment.active.is_(True),
                m.DiskAttachment.vm_id.is_not(None))):
            vm = ctx.session.get(m.Vm, attachment.vm_id)
            if vm is not None and vm.status in libvirt_domains.HOTPLUG_STATES:
                devices.set_plugged(ctx, vm.id, disk.id, True)
                attachments.plug_disk(ctx, vm, attachment, disk, True)
    jobs.end_job(ctx, payload.get("job_id"))


def remove_disk(ctx: RequestContext, disk: m.Disk, parent_id: Optional[str] = None) -> None:
    vm_ids = list(ctx.session.scalars(select(m.DiskAttachment.vm_id).where(m.DiskAttachment.disk_id == disk.id)))
    running = ctx.session.scalars(select(m.Vm.id).where(m.Vm.id.in_(vm_ids), m.Vm.status.in_(RUNNING_STATES))).first()
    if running:
        raise cannot("remove Disk", "Disk is attached to a running VM")
    if disk.status == "locked":
        raise cannot("remove Disk", "Disk is locked. Please try again later")
    for vm_id in vm_ids:
        if vm_id:
            devices.remove_device(ctx, vm_id, disk.id)
    ctx.session.delete(disk)
    domain = ctx.session.get(m.StorageDomain, disk.storage_domain_id) if disk.storage_domain_id else None
    events.record_event(ctx, 2014, f"Disk {disk.name} was successfully removed from domain "
                        f"{domain.name if domain else ''} (User {acting_user(ctx)}).",
                        storage_domain_id=disk.storage_domain_id)


def storage_domain_disks(ctx: RequestContext, domain_id: Optional[str]) -> Any:
    return select(m.Disk).where(m.Disk.storage_domain_id == domain_id)


def add_storage_domain_disk(ctx: RequestContext, data: dict[str, Any], domain_id: Optional[str]) -> m.Disk:
    """A floating disk added through its storage domain (``POST /storagedomains/{id}/disks``):
    the same as ``POST /disks`` naming that domain."""
    data["storage_domain_ids"] = [domain_id]
    return new_disk(ctx, data)
