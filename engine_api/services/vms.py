"""VMs, templates, disks, disk attachments and NICs."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import func, select

from engine_api import models as m
from engine_api import types as t
from engine_api.faults import BadRequest, cannot
from engine_api.services import devices, events, jobs, libvirt_domains, lifecycle, macs, transitions
from engine_api.services.context import RequestContext
from engine_api.services.crud import require, unique_name
from engine_api.services.events import acting_user
from engine_api.services.infra import STORAGE_DOMAINS
from engine_api.services.lifecycle import RUNNING_STATES
from engine_api.services.refs import resolve_refs
from engine_api.services.registry import REGISTRY, CollectionDef

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


def _unlock_later(ctx: RequestContext, kind: str, entity_id: str, job_id: Optional[str]) -> None:
    transitions.schedule(ctx, kind, entity_id, "ok", job_id=job_id)


# -- VMs ------------------------------------------------------------------------------------

def add_vm(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Vm:
    data.setdefault("template_id", m.BLANK_TEMPLATE_ID)
    require(data, "Vm", "name", "cluster_id")
    unique_name(ctx, m.Vm, data["name"], "VM")
    template = ctx.session.get(m.Template, data["template_id"])
    if template is not None and template.status != "ok":
        raise cannot("add VM", "Template is locked or illegal")
    placement = data.pop("placement_host_ids", None)
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
    job = None
    template_disks = _attachments_of(ctx, template_id=vm.template_id)
    if template_disks:
        job = jobs.start_job(ctx, f"Creating VM {vm.name} from Template {template.name if template else ''}")
        vm.status = "image_locked"
    for attachment, disk in template_disks:
        copy = _copy_disk(ctx, disk, template_id=vm.template_id)
        own = m.DiskAttachment(disk_id=copy.id, vm_id=vm.id, interface=attachment.interface,
                               bootable=attachment.bootable, active=True)
        ctx.session.add(own)
        devices.add_disk_device(ctx, vm.id, own)
        _unlock_later(ctx, "disk", copy.id, None)
    pool_id = macs.nic_pool_id(ctx.session, vm.cluster_id)
    for nic in ctx.session.scalars(select(m.Nic).where(m.Nic.template_id == vm.template_id)):
        copy = m.Nic(vm_id=vm.id, name=nic.name, interface=nic.interface, vnic_profile_id=nic.vnic_profile_id,
                     mac=macs.allocate_mac(ctx, vm.cluster_id), mac_pool_id=pool_id, linked=nic.linked,
                     plugged=nic.plugged)
        ctx.session.add(copy)
        ctx.session.flush()
        devices.add_nic_device(ctx, copy)
    events.record_event(ctx, 34, f"VM {vm.name} was created by {acting_user(ctx)}.",
                        vm_id=vm.id, cluster_id=vm.cluster_id)
    if job is not None:
        _unlock_later(ctx, "vm-image", vm.id, job.id)
    return vm


@transitions.step_handler("vm-image")
def vm_image_step(ctx: RequestContext, vm_id: str, step: str, payload: dict[str, Any]) -> None:
    vm = ctx.session.get(m.Vm, vm_id)
    if vm is not None and vm.status == "image_locked":
        vm.status = "down"
        events.record_event(ctx, 53, f"VM {vm.name} creation has been completed.", vm_id=vm.id,
                            cluster_id=vm.cluster_id, correlation_id=payload.get("correlation_id"))
    jobs.end_job(ctx, payload.get("job_id"))


def update_vm(ctx: RequestContext, vm: m.Vm, data: dict[str, Any]) -> m.Vm:
    if "name" in data and data["name"] != vm.name:
        unique_name(ctx, m.Vm, data["name"], "VM", exclude_id=vm.id)
    if "cluster_id" in data and data["cluster_id"] != vm.cluster_id and vm.status != "down":
        raise cannot("update VM", "VM must be down to change its cluster")
    if "template_id" in data and data["template_id"] != vm.template_id:
        raise cannot("update VM", "The template of a VM cannot be changed")
    if "cluster_id" in data and data["cluster_id"] != vm.cluster_id:
        macs.move_vm_nics(ctx, vm, data["cluster_id"])
    placement = data.pop("placement_host_ids", None)
    if placement is not None:
        vm.placement_host_id = placement[0] if placement else None
    for key, value in data.items():
        setattr(vm, key, value)
    events.record_event(ctx, 35, f"VM {vm.name} configuration was updated by {acting_user(ctx)}.",
                        vm_id=vm.id, cluster_id=vm.cluster_id)
    return vm


def remove_vm(ctx: RequestContext, vm: m.Vm, parent_id: Optional[str] = None) -> None:
    if vm.status in RUNNING_STATES:
        raise cannot("remove VM", "VM is running")
    if vm.status == "image_locked":
        raise cannot("remove VM", "VM is locked. Please try again in a few minutes")
    for _attachment, disk in _attachments_of(ctx, vm_id=vm.id):
        shared = ctx.session.scalar(
            select(func.count()).select_from(m.DiskAttachment).where(m.DiskAttachment.disk_id == disk.id)
        )
        if ctx.params.detach_only is not True and shared == 1:
            ctx.session.delete(disk)
    for kind in ("vm", "vm-image"):
        transitions.cancel(ctx, kind, vm.id)
    ctx.session.delete(vm)
    events.record_event(ctx, 113, f"VM {vm.name} was successfully removed.", cluster_id=vm.cluster_id)


# -- templates ------------------------------------------------------------------------------

def add_template(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Template:
    require(data, "Template", "name", "source_vm_id")
    unique_name(ctx, m.Template, data["name"], "Template")
    vm = ctx.session.get(m.Vm, data["source_vm_id"])
    assert vm is not None
    if vm.status not in ("down",):
        raise cannot("add Template", "VM must be down")
    template = m.Template(**data)
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
        _unlock_later(ctx, "disk", copy.id, None)
    for nic in ctx.session.scalars(select(m.Nic).where(m.Nic.vm_id == vm.id)):
        ctx.session.add(m.Nic(template_id=template.id, name=nic.name, interface=nic.interface,
                              vnic_profile_id=nic.vnic_profile_id, linked=nic.linked, plugged=nic.plugged))
    events.record_event(ctx, 48, f"Creation of Template {template.name} from VM {vm.name} was initiated by "
                        f"{acting_user(ctx)}.", template_id=template.id, vm_id=vm.id,
                        cluster_id=template.cluster_id)
    transitions.schedule(ctx, "template", template.id, "ok", job_id=job.id, payload={"vm_id": vm.id})
    return template


@transitions.step_handler("template")
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


# -- disks ----------------------------------------------------------------------------------

def _new_disk(ctx: RequestContext, data: dict[str, Any]) -> m.Disk:
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
    _unlock_later(ctx, "disk", disk.id, job.id)
    return disk


def add_disk(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Disk:
    return _new_disk(ctx, data)


@transitions.step_handler("disk")
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
                _plug_disk(ctx, vm, attachment, disk, True)
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
    return _new_disk(ctx, data)


# -- disk attachments -----------------------------------------------------------------------

def add_vm_disk_attachment(ctx: RequestContext, data: dict[str, Any], vm_id: Optional[str]) -> m.DiskAttachment:
    vm = ctx.session.get(m.Vm, vm_id)
    assert vm is not None
    disk_value = data.pop("disk_id", None)
    require(data, "DiskAttachment", "interface")
    if disk_value is None:
        raise BadRequest("DiskAttachment [disk] required for add", reason="Incomplete parameters")
    if isinstance(disk_value, dict):
        disk = _new_disk(ctx, resolve_refs(ctx, disk_value))
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
            _plug_disk(ctx, vm, attachment, disk, True)
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
                _plug_disk(ctx, vm, attachment, disk, active)
    return attachment


def _plug_disk(ctx: RequestContext, vm: m.Vm, attachment: m.DiskAttachment, disk: m.Disk, plugged: bool) -> None:
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


# -- NICs -----------------------------------------------------------------------------------

def add_vm_nic(ctx: RequestContext, data: dict[str, Any], vm_id: Optional[str]) -> m.Nic:
    vm = ctx.session.get(m.Vm, vm_id)
    assert vm is not None
    require(data, "Nic", "name")
    unique_name(ctx, m.Nic, data["name"], "NIC", vm_id=vm_id)
    if data.get("mac"):
        data["mac"] = macs.check_mac(ctx, data["mac"], vm.cluster_id)
    else:
        data["mac"] = macs.allocate_mac(ctx, vm.cluster_id)
    nic = m.Nic(vm_id=vm_id, mac_pool_id=macs.nic_pool_id(ctx.session, vm.cluster_id), **data)
    ctx.session.add(nic)
    ctx.session.flush()
    devices.add_nic_device(ctx, nic)
    if nic.plugged and libvirt_domains.needs_hotplug(vm):
        lifecycle.lock_vm(ctx, vm)
        libvirt_domains.plug_nic(ctx.session, vm, nic.id)
    events.record_event(ctx, 932, f"Interface {nic.name} ({nic.interface}) was added to VM {vm.name}.",
                        vm_id=vm.id, cluster_id=vm.cluster_id)
    return nic


def update_vm_nic(ctx: RequestContext, nic: m.Nic, data: dict[str, Any]) -> m.Nic:
    if data.get("mac"):
        vm = ctx.session.get(m.Vm, nic.vm_id)
        data["mac"] = macs.check_mac(ctx, data["mac"], vm.cluster_id if vm else None, exclude_nic=nic.id,
                                     action="update NIC")
    plugged = data.pop("plugged", None)
    for key, value in data.items():
        setattr(nic, key, value)
    if plugged is not None and plugged != nic.plugged:
        nic.plugged = plugged
        vm = ctx.session.get(m.Vm, nic.vm_id) if nic.vm_id else None
        if vm is not None:
            devices.set_plugged(ctx, vm.id, nic.id, plugged)
            if libvirt_domains.needs_hotplug(vm):
                _plug_nic(ctx, vm, nic, plugged)
    return nic


def _plug_nic(ctx: RequestContext, vm: m.Vm, nic: m.Nic, plugged: bool) -> None:
    """Hot-plug or hot-unplug a vNIC of a running VM (its device row already says which)."""
    lifecycle.lock_vm(ctx, vm)
    if plugged:
        libvirt_domains.plug_nic(ctx.session, vm, nic.id)
    else:
        libvirt_domains.unplug_nic(ctx.session, vm, nic.id)
    libvirt_domains.nic_plug_event(ctx, vm, nic, plugged, f". (User: {acting_user(ctx)})")


def remove_vm_nic(ctx: RequestContext, nic: m.Nic, parent_id: Optional[str] = None) -> None:
    vm = ctx.session.get(m.Vm, nic.vm_id)
    if vm is not None and vm.status in RUNNING_STATES and nic.plugged:
        raise cannot("remove Interface", "The interface is plugged into a running VM; unplug it first")
    if vm is not None:
        devices.remove_device(ctx, vm.id, nic.id)
        events.record_event(ctx, 930, f"Interface {nic.name} ({nic.interface}) was removed from VM {vm.name}. "
                            f"(User: {acting_user(ctx)})", vm_id=vm.id, cluster_id=vm.cluster_id)
    ctx.session.delete(nic)


def add_template_nic(ctx: RequestContext, data: dict[str, Any], template_id: Optional[str]) -> m.Nic:
    """A vNIC of a template: VMs made from the template get one like it, with a MAC of their own,
    so a template's NIC has none."""
    require(data, "Nic", "name")
    unique_name(ctx, m.Nic, data["name"], "NIC", template_id=template_id)
    data.pop("mac", None)
    nic = m.Nic(template_id=template_id, **data)
    ctx.session.add(nic)
    return nic


def update_template_nic(ctx: RequestContext, nic: m.Nic, data: dict[str, Any]) -> m.Nic:
    if data.get("name") and data["name"] != nic.name:
        unique_name(ctx, m.Nic, data["name"], "NIC", exclude_id=nic.id, template_id=nic.template_id)
    data.pop("mac", None)
    for key, value in data.items():
        setattr(nic, key, value)
    return nic


# -- the collections ------------------------------------------------------------------------

VMS = REGISTRY.add(CollectionDef(
    "vms", t.Vm, m.Vm, "VM", add=add_vm, update=update_vm, remove=remove_vm, actions=lifecycle.ACTIONS))
TEMPLATES = REGISTRY.add(CollectionDef(
    "templates", t.Template, m.Template, "Template", add=add_template, remove=remove_template))
DISKS = REGISTRY.add(CollectionDef(
    "disks", t.Disk, m.Disk, "Disk", add=add_disk, remove=remove_disk))
REGISTRY.add(CollectionDef(
    "diskattachments", t.DiskAttachment, m.DiskAttachment, "DiskAttachment", parent=VMS, parent_key="vm_id",
    id_attribute="disk_id", order_by=("disk_id",), add=add_vm_disk_attachment, update=update_disk_attachment,
    remove=remove_disk_attachment))
REGISTRY.add(CollectionDef(
    "diskattachments", t.DiskAttachment, m.DiskAttachment, "DiskAttachment", parent=TEMPLATES,
    parent_key="template_id", id_attribute="disk_id", order_by=("disk_id",), read_only=True, removable=False))
REGISTRY.add(CollectionDef(
    "nics", t.Nic, m.Nic, "Nic", parent=VMS, parent_key="vm_id", add=add_vm_nic, update=update_vm_nic,
    remove=remove_vm_nic))
REGISTRY.add(CollectionDef(
    "nics", t.Nic, m.Nic, "Nic", parent=TEMPLATES, parent_key="template_id", add=add_template_nic,
    update=update_template_nic))
REGISTRY.add(CollectionDef(
    "disks", t.Disk, m.Disk, "Disk", parent=STORAGE_DOMAINS, list_query=storage_domain_disks,
    add=add_storage_domain_disk, remove=remove_disk))

