"""VMs and templates: adding one (with its template's disks and NICs), updating, removing."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import func, select

from engine_api import models as m
from engine_api.faults import cannot
from engine_api.network import macs
from engine_api.services import transitions
from engine_api.services.context import RequestContext
from engine_api.services.crud import name_already_used, require, unique_name
from engine_api.snapshots import service as snapshots
from engine_api.system import events, jobs
from engine_api.system.events import acting_user
from engine_api.vms import content, devices
from engine_api.vms.lifecycle import RUNNING_STATES

#: Attributes a new VM takes from its template when the request does not set them.
INHERITED = (
    "memory", "memory_guaranteed", "memory_max", "cpu_sockets", "cpu_cores", "cpu_threads",
    "cpu_architecture", "os_type", "boot_devices", "type", "stateless", "display_type",
    "high_availability",
)


def _copy_disk(ctx: RequestContext, source: m.Disk, **overrides: Any) -> m.Disk:
    disk = m.Disk(
        name=source.name, description=source.description, provisioned_size=source.provisioned_size,
        actual_size=source.actual_size, format=source.format, sparse=source.sparse,
        storage_domain_id=source.storage_domain_id, content_type=source.content_type,
        wipe_after_delete=source.wipe_after_delete, status="locked",
    )
    for key, value in overrides.items():
        setattr(disk, key, value)
    ctx.session.add(disk)
    ctx.session.flush()
    return disk


def _attachments_of(ctx: RequestContext, **owner: str) -> list[tuple[m.DiskAttachment, m.Disk]]:
    (key, value), = owner.items()
    rows = ctx.session.execute(
        select(m.DiskAttachment, m.Disk).join(m.Disk, m.Disk.id == m.DiskAttachment.disk_id)
        .where(getattr(m.DiskAttachment, key) == value)
    ).all()
    return [(row[0], row[1]) for row in rows]


# -- VMs ----------------------------------------------------------------------------------

def add_vm(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Vm:
    data.setdefault("template_id", m.BLANK_TEMPLATE_ID)
    require(data, "Vm", "name", "cluster_id")
    unique_name(ctx, m.Vm, data["name"], name_already_used("add", "VM"))
    template = ctx.session.get(m.Template, data["template_id"])
    if template is not None and template.status != "ok":
        raise cannot("add VM", "Template is locked or illegal")
    placement = data.pop("placement_host_ids", None)
    console = data.pop("console_enabled", None)
    source = snapshots.source_of(ctx, data.pop("source_snapshots", None))
    if source is not None:
        snapshots.configure_from(ctx, source, data)
        template = None
    vm = m.Vm(**data)
    if template is not None:
        for name in INHERITED:
            if name not in data:
                setattr(vm, name, getattr(template, name))
    if placement:
        vm.placement_host_id = placement[0]
    vm.status = "down"
    vm.creation_time = ctx.now
    ctx.session.add(vm)
    ctx.session.flush()
    devices.add_default_devices(ctx, vm)
    ctx.session.add(snapshots.active_snapshot(vm))
    if console is not None:
        ctx.session.flush()
        content.set_console(ctx, vm, console)
    job = None
    if source is not None:
        job = snapshots.clone_disks_and_nics(ctx, source, vm)
    template_disks = _attachments_of(ctx, template_id=vm.template_id) if source is None else []
    if template_disks:
        job = jobs.start_job(ctx, f"Creating VM {vm.name} from Template {template.name if template else ''}")
        vm.status = "image_locked"
    for attachment, disk in template_disks:
        copy = _copy_disk(ctx, disk, template_id=vm.template_id)
        own = m.DiskAttachment(disk_id=copy.id, vm_id=vm.id, interface=attachment.interface,
                               bootable=attachment.bootable, active=True)
        ctx.session.add(own)
        devices.add_disk_device(ctx, vm.id, own)
        transitions.schedule(ctx, "disk", copy.id, "ok")
    pool_id = macs.nic_pool_id(ctx.session, vm.cluster_id)
    template_nics = select(m.Nic).where(m.Nic.template_id == vm.template_id) if source is None else None
    for nic in ctx.session.scalars(template_nics) if template_nics is not None else ():
        copy = m.Nic(vm_id=vm.id, name=nic.name, interface=nic.interface, vnic_profile_id=nic.vnic_profile_id,
                     mac=macs.allocate_mac(ctx, vm.cluster_id), mac_pool_id=pool_id, linked=nic.linked,
                     plugged=nic.plugged)
        ctx.session.add(copy)
        ctx.session.flush()
        devices.add_nic_device(ctx, copy)
    events.record_event(ctx, 34, f"VM {vm.name} was created by {acting_user(ctx)}.",
                        vm_id=vm.id, cluster_id=vm.cluster_id)
    if job is not None:
        transitions.schedule(ctx, "vm-image", vm.id, "ok", job_id=job.id)
    return vm


def vm_image_step(ctx: RequestContext, vm_id: str, step: str, payload: dict[str, Any]) -> None:
    vm = ctx.session.get(m.Vm, vm_id)
    if vm is not None and vm.status == "image_locked":
        vm.status = "down"
        events.record_event(ctx, 53, f"VM {vm.name} creation has been completed.", vm_id=vm.id,
                            cluster_id=vm.cluster_id, correlation_id=payload.get("correlation_id"))
    jobs.end_job(ctx, payload.get("job_id"))


def update_vm(ctx: RequestContext, vm: m.Vm, data: dict[str, Any]) -> m.Vm:
    if "name" in data and data["name"] != vm.name:
        unique_name(ctx, m.Vm, data["name"], name_already_used("edit", "VM"), exclude_id=vm.id)
    if "cluster_id" in data and data["cluster_id"] != vm.cluster_id and vm.status != "down":
        raise cannot("update VM", "VM must be down to change its cluster")
    if "template_id" in data and data["template_id"] != vm.template_id:
        raise cannot("update VM", "The template of a VM cannot be changed")
    if "cluster_id" in data and data["cluster_id"] != vm.cluster_id:
        macs.move_vm_nics(ctx, vm, data["cluster_id"])
    console = data.pop("console_enabled", None)
    if console is not None:
        content.set_console(ctx, vm, console)
    placement = data.pop("placement_host_ids", None)
    if placement is not None:
        vm.placement_host_id = placement[0] if placement else None
    for key, value in data.items():
        setattr(vm, key, value)
    events.record_event(ctx, 35, f"VM {vm.name} configuration was updated by {acting_user(ctx)}.",
                        vm_id=vm.id, cluster_id=vm.cluster_id)
    return vm


def remove_vm(ctx: RequestContext, vm: m.Vm, parent_id: Optional[str] = None) -> None:
    # The VM's row lock first, as the ticker takes it before a step of the VM's (a snapshot's),
    # so that removing the VM and such a step never wait for each other's rows.
    ctx.session.refresh(vm, with_for_update=True)
    if vm.status in RUNNING_STATES:
        raise cannot("remove VM", "VM is running")
    if vm.status == "image_locked":
        raise cannot("remove VM", "VM is locked. Please try again in a few minutes")
    snapshots.check_not_attached_elsewhere(
        ctx, "remove VM", list(ctx.session.scalars(select(m.Snapshot.id).where(m.Snapshot.vm_id == vm.id))))
    for attachment, disk in _attachments_of(ctx, vm_id=vm.id):
        if attachment.snapshot_id is not None:
            continue
        shared = ctx.session.scalar(
            select(func.count()).select_from(m.DiskAttachment).where(m.DiskAttachment.disk_id == disk.id)
        )
        if ctx.params.detach_only is not True and shared == 1:
            ctx.session.delete(disk)
    for kind in ("vm", "vm-image", snapshots.KIND):
        transitions.cancel(ctx, kind, vm.id)
    ctx.session.delete(vm)
    events.record_event(ctx, 113, f"VM {vm.name} was successfully removed.", cluster_id=vm.cluster_id)


# -- templates ----------------------------------------------------------------------------

def add_template(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Template:
    base_id = data.pop("base_template_ref", None)
    base = ctx.session.get(m.Template, base_id) if base_id else None
    if base is not None:  # a new version of a template: it has its base's name and the next number
        if base.base_template_id is not None or base.id == m.BLANK_TEMPLATE_ID:
            raise cannot("add Template", "The base template of a version must be a base template")
        data["name"] = base.name
    require(data, "Template", "name", "source_vm_id")
    if base is None:
        unique_name(ctx, m.Template, data["name"], name_already_used("add", "Template"))
    vm = ctx.session.get(m.Vm, data["source_vm_id"])
    assert vm is not None
    if vm.status not in ("down",):
        raise cannot("add Template", "VM must be down")
    template = m.Template(**data)
    if base is not None:
        template.base_template_id = base.id
        template.version_number = 1 + (ctx.session.scalar(select(func.max(m.Template.version_number)).where(
            (m.Template.base_template_id == base.id) | (m.Template.id == base.id))) or 1)
    for name in INHERITED:
        if name not in data:
            setattr(template, name, getattr(vm, name))
    template.cluster_id = data.get("cluster_id") or vm.cluster_id
    template.status = "locked"
    template.creation_time = ctx.now
    ctx.session.add(template)
    ctx.session.flush()
    job = jobs.start_job(ctx, f"Creating Template {template.name} from VM {vm.name}")
    vm.status = "image_locked"
    for attachment, disk in _attachments_of(ctx, vm_id=vm.id):
        copy = _copy_disk(ctx, disk)
        ctx.session.add(m.DiskAttachment(disk_id=copy.id, template_id=template.id, interface=attachment.interface,
                                         bootable=attachment.bootable, active=True))
        transitions.schedule(ctx, "disk", copy.id, "ok")
    for nic in ctx.session.scalars(select(m.Nic).where(m.Nic.vm_id == vm.id)):
        ctx.session.add(m.Nic(template_id=template.id, name=nic.name, interface=nic.interface,
                              vnic_profile_id=nic.vnic_profile_id, linked=nic.linked, plugged=nic.plugged))
    events.record_event(ctx, 48, f"Creation of Template {template.name} from VM {vm.name} was initiated by "
                        f"{acting_user(ctx)}.", template_id=template.id, vm_id=vm.id,
                        cluster_id=template.cluster_id)
    transitions.schedule(ctx, "template", template.id, "ok", job_id=job.id, payload={"vm_id": vm.id})
    return template


def template_step(ctx: RequestContext, template_id: str, step: str, payload: dict[str, Any]) -> None:
    template = ctx.session.get(m.Template, template_id)
    vm = ctx.session.get(m.Vm, payload.get("vm_id")) if payload.get("vm_id") else None
    if vm is not None and vm.status == "image_locked":
        vm.status = "down"
    if template is not None and template.status == "locked":
        template.status = "ok"
        for _attachment, disk in _attachments_of(ctx, template_id=template.id):
            if disk.status == "locked":
                disk.status = "ok"
        events.record_event(ctx, 51, f"Creation of Template {template.name} from VM "
                            f"{vm.name if vm else ''} has been completed.", template_id=template.id,
                            cluster_id=template.cluster_id, correlation_id=payload.get("correlation_id"))
    jobs.end_job(ctx, payload.get("job_id"))


def remove_template(ctx: RequestContext, template: m.Template, parent_id: Optional[str] = None) -> None:
    if template.id == m.BLANK_TEMPLATE_ID:
        raise cannot("remove Template", "Blank Template cannot be removed")
    if ctx.session.scalars(select(m.Vm.id).where(m.Vm.template_id == template.id).limit(1)).first():
        raise cannot("remove Template", "The following VMs are based on this Template")
    if ctx.session.scalars(select(m.Template.id).where(m.Template.base_template_id == template.id).limit(1)).first():
        raise cannot("remove Template", "The Template has versions; remove them first")
    if template.status == "locked":
        raise cannot("remove Template", "Template is locked. Please try again in a few minutes")
    for _attachment, disk in _attachments_of(ctx, template_id=template.id):
        ctx.session.delete(disk)
    ctx.session.delete(template)
    events.record_event(ctx, 50, f"Removal of Template {template.name} was initiated by "
                        f"{acting_user(ctx)}.",
                        cluster_id=template.cluster_id)
    events.record_event(ctx, 251, f"Removal of Template {template.name} has been completed.",
                        cluster_id=template.cluster_id)
