"""A VM's CD-ROM: the ISO its configuration names, and the one a running VM has inserted.

Every VM has one CD-ROM, the engine's device of type ``disk`` and device ``cdrom``, whose id on
the wire is the empty GUID as the engine answers it. Its file is kept in the device's spec
params: ``path`` is the configured ISO (what the next run boots with), ``current`` the ISO
inserted into the running VM with the start it belongs to, so that a restart begins again from
the configured one. Changing it with ``current=true`` inserts or ejects a CD in the running VM
(events 38 and 528); without, it changes the configuration (event 35).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import select

from engine_api import models as m
from engine_api.faults import cannot
from engine_api.services.context import RequestContext
from engine_api.system import events
from engine_api.system.events import acting_user
from engine_api.types.fields import API_PREFIX
from engine_api.vms.libvirt_domains import HOTPLUG_STATES

#: The id the engine gives every VM's CD-ROM.
CDROM_ID = "00000000-0000-0000-0000-000000000000"
USER_UPDATE_VM = 35
USER_CHANGE_DISK_VM = 38
USER_EJECT_VM_DISK = 528


@dataclass(frozen=True)
class CdromEntity:
    id: str
    href: str
    vm: dict[str, str]
    file: Optional[dict[str, str]] = None


def _inserted(vm: m.Vm, spec: dict[str, Any]) -> str:
    """The ISO a running VM has in its CD-ROM: the one inserted since its start, else the configured one."""
    current = spec.get("current")
    started = vm.start_time.isoformat() if vm.start_time else None
    if isinstance(current, dict) and current.get("since") == started:
        return str(current.get("file") or "")
    return str(spec.get("path") or "")


def cdroms_of(ctx: RequestContext, vms: Sequence[m.Vm]) -> list[list[CdromEntity]]:
    """The CD-ROM of each VM (one statement for all): with ``current=true`` a running VM's inserted CD."""
    devices = {row.vm_id: row for row in ctx.session.scalars(select(m.VmDevice).where(
        m.VmDevice.vm_id.in_([vm.id for vm in vms]), m.VmDevice.type == "disk", m.VmDevice.device == "cdrom"))}
    found = []
    for vm in vms:
        device = devices.get(vm.id)
        if device is None:
            found.append([])
            continue
        spec = device.spec_params or {}
        running = vm.status in HOTPLUG_STATES
        name = _inserted(vm, spec) if ctx.params.current and running else str(spec.get("path") or "")
        found.append([CdromEntity(id=CDROM_ID, href=f"{API_PREFIX}/vms/{vm.id}/cdroms/{CDROM_ID}",
                                  vm={"href": f"{API_PREFIX}/vms/{vm.id}", "id": vm.id},
                                  file={"id": name} if name else None)])
    return found


def update_cdrom(ctx: RequestContext, cdrom: CdromEntity, data: dict[str, Any]) -> CdromEntity:
    """Insert, change or eject the CD: in the running VM with ``current=true``, else in its configuration."""
    vm = ctx.session.get(m.Vm, cdrom.vm["id"], with_for_update=True)
    assert vm is not None
    device = ctx.session.scalars(select(m.VmDevice).where(
        m.VmDevice.vm_id == vm.id, m.VmDevice.type == "disk", m.VmDevice.device == "cdrom")).one()
    wanted = str((data.get("file") or {}).get("id") or "")
    spec = dict(device.spec_params or {})
    if ctx.params.current:
        if vm.status not in HOTPLUG_STATES:
            raise cannot("change CD", "VM is not running")
        spec["current"] = {"file": wanted, "since": vm.start_time.isoformat() if vm.start_time else None}
        if wanted:
            events.record_event(ctx, USER_CHANGE_DISK_VM, f"CD {wanted} was inserted to VM {vm.name} by "
                                f"{acting_user(ctx)}.", vm_id=vm.id, cluster_id=vm.cluster_id)
        else:
            events.record_event(ctx, USER_EJECT_VM_DISK, f"CD was ejected from VM {vm.name} by {acting_user(ctx)}.",
                                vm_id=vm.id, cluster_id=vm.cluster_id)
    else:
        spec["path"] = wanted
        events.record_event(ctx, USER_UPDATE_VM, f"VM {vm.name} configuration was updated by {acting_user(ctx)}.",
                            vm_id=vm.id, cluster_id=vm.cluster_id)
    device.spec_params = spec
    ctx.session.flush()
    return cdroms_of(ctx, [vm])[0][0]


def add_cdrom(ctx: RequestContext, data: dict[str, Any], vm_id: Optional[str]) -> CdromEntity:
    """``POST /vms/{id}/cdroms``: a VM has one CD-ROM, which the engine refuses to add again."""
    raise cannot("add CD-ROM", "The VM already has a CD-ROM device")
