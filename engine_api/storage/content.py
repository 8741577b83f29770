"""The VMs a storage domain holds: those exported to an export domain, imported from it
(``import``), and those on a data domain the engine does not know yet, registered from their OVF
(``register``); with their disks and disk attachments as the OVF describes them.

``GET /storagedomains/{id}/vms`` lists an export domain's VMs; on a data domain it lists the VMs
whose disks the domain holds, or with ``unregistered=true`` the VMs its OVF store holds that the
engine has not registered. Importing copies the VM's disks to a data domain: the new VM is
``image_locked`` until the copy ends, then ``down``, under a job. Registering makes the VM known
at once, ``down``, with its disks where they are.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Mapping, Optional

from sqlalchemy import select

from engine_api import models as m
from engine_api.faults import BadRequest, NotFound, cannot
from engine_api.network import macs
from engine_api.services import transitions
from engine_api.services.context import RequestContext
from engine_api.services.refs import resolve_ref
from engine_api.services.results import CollectionResult, EntityResult
from engine_api.snapshots.service import active_snapshot
from engine_api.storage.rows import DomainOvf
from engine_api.storage.schemas import Disk as DiskSchema
from engine_api.system import events, jobs
from engine_api.system.events import acting_user
from engine_api.types import enums
from engine_api.types.base import ComputedSchema
from engine_api.types.fields import API_PREFIX, Enum, Ref, RefSpec, href_of
from engine_api.vms import devices
from engine_api.vms import schemas as vs
from engine_api.vms.service import INHERITED

KIND = "domain-import"
#: The attributes an OVF keeps of a VM besides its name.
CONFIGURATION = INHERITED + ("description", "comment", "origin")

# Audit log codes (the engine's AuditLogType).
VM_IMPORT_FROM_CONFIGURATION_EXECUTED_SUCCESSFULLY = 174
IMPORTEXPORT_IMPORT_VM = 1152
IMPORTEXPORT_STARTING_IMPORT_VM = 1165


# -- what a domain holds, as entities -------------------------------------------------------

class HeldVm:
    """A VM as a storage domain holds it: from its OVF, or a registered VM with disks there."""

    def __init__(self, domain: m.StorageDomain, ovf: Optional[DomainOvf] = None, vm: Optional[m.Vm] = None) -> None:
        self.ovf, self.domain_id = ovf, domain.id
        if ovf is not None:
            self.id, self.name = ovf.id, ovf.name
            values = dict(ovf.configuration or {})
            self.creation_time = ovf.created_at
            self.disks = list(ovf.disks or [])
        else:
            assert vm is not None
            self.id, self.name = vm.id, vm.name
            values = {name: getattr(vm, name) for name in CONFIGURATION}
            self.creation_time = vm.creation_time
            self.disks = []
        defaults = m.Vm(memory=1024**3, cpu_sockets=1, cpu_cores=1, cpu_threads=1, os_type="other",
                        boot_devices=["hd"], type="server", stateless=False, origin="ovirt", display_type="vnc",
                        high_availability=False)
        for name in CONFIGURATION:
            setattr(self, name, values.get(name, getattr(defaults, name, None)))
        self.status = "down"
        self.cluster_id = None
        self.template_id = m.BLANK_TEMPLATE_ID
        self.storage_domain_id = domain.id
        self.memory_guaranteed = values.get("memory_guaranteed")
        self.memory_max = values.get("memory_max")
        self.href = f"{API_PREFIX}/storagedomains/{domain.id}/vms/{self.id}"


class HeldDisk:
    """A disk of a VM as its OVF describes it."""

    def __init__(self, vm: HeldVm, data: Mapping[str, Any]) -> None:
        self.id, self.name, self.image_id = data["id"], data.get("name") or data["id"], data.get("image_id")
        self.description, self.comment = data.get("description"), None
        self.provisioned_size = int(data.get("provisioned_size") or 0)
        self.actual_size = int(data.get("actual_size") or 0)
        self.format, self.sparse = data.get("format") or "cow", bool(data.get("sparse", True))
        self.shareable = self.wipe_after_delete = self.propagate_errors = False
        self.status, self.storage_type, self.content_type = "ok", "image", "data"
        self.storage_domain_ids, self.template_id = [vm.domain_id], None
        self.href = f"{vm.href}/disks/{self.id}"


class HeldAttachment:
    """A disk attachment of a VM as its OVF describes it."""

    def __init__(self, vm: HeldVm, data: Mapping[str, Any]) -> None:
        self.id = self.disk_id = data["id"]
        self.interface, self.bootable = data.get("interface") or "virtio", bool(data.get("bootable"))
        self.active, self.pass_discard, self.read_only, self.uses_scsi_reservation = True, False, False, False
        self.logical_name = self.vm_id = self.template_id = None
        self.href = f"{vm.href}/diskattachments/{self.disk_id}"


class StorageDomainVm(ComputedSchema, vs.VmBase):
    type_name, plural, collection = "vm", "vms", "vms"
    actions = ("import", "register")

    status = Enum(enums.VM_STATUS, dump_only=True)
    template = Ref("templates", attribute="template_id", dump_only=True)
    storage_domain = Ref("storagedomains", attribute="storage_domain_id", dump_only=True)


class StorageDomainVmDisk(ComputedSchema, DiskSchema):
    links = ()


class StorageDomainVmDiskAttachment(ComputedSchema, vs.DiskAttachment):
    pass


def held_vms(ctx: RequestContext, domains: Sequence[m.StorageDomain]) -> list[list[HeldVm]]:
    """The VMs each domain holds (see the module's description)."""
    answer = []
    for domain in domains:
        if domain.type == "data" and not ctx.params.unregistered:
            vm_ids = select(m.DiskAttachment.vm_id).join(m.Disk, m.Disk.id == m.DiskAttachment.disk_id).where(
                m.Disk.storage_domain_id == domain.id, m.DiskAttachment.vm_id.is_not(None))
            vms = ctx.session.scalars(select(m.Vm).where(m.Vm.id.in_(vm_ids)).order_by(m.Vm.name, m.Vm.id))
            answer.append([HeldVm(domain, vm=vm) for vm in vms])
            continue
        stmt = select(DomainOvf).where(DomainOvf.storage_domain_id == domain.id, DomainOvf.kind == "vm")
        if domain.type == "data":
            stmt = stmt.where(DomainOvf.unregistered.is_(True))
        answer.append([HeldVm(domain, ovf=ovf) for ovf in ctx.session.scalars(stmt.order_by(DomainOvf.name))])
    return answer


def find_held_vm(ctx: RequestContext, domain: m.StorageDomain, vm_id: str) -> Optional[HeldVm]:
    """One VM the domain holds, listed or not: registered, exported, or unregistered."""
    if len(vm_id) > 36:
        return None
    ovf = ctx.session.scalars(select(DomainOvf).where(
        DomainOvf.storage_domain_id == domain.id, DomainOvf.id == vm_id, DomainOvf.kind == "vm")).first()
    if ovf is not None:
        return HeldVm(domain, ovf=ovf)
    if domain.type != "data":
        return None
    vm = ctx.session.scalars(select(m.Vm).join(m.DiskAttachment, m.DiskAttachment.vm_id == m.Vm.id)
                             .join(m.Disk, m.Disk.id == m.DiskAttachment.disk_id)
                             .where(m.Vm.id == vm_id, m.Disk.storage_domain_id == domain.id).limit(1)).first()
    return HeldVm(domain, vm=vm) if vm is not None else None


def _held_vm(ctx: RequestContext, domain_id: str, vm_id: str) -> HeldVm:
    """The VM a domain holds, with its disks: from its OVF, or for a registered VM those of its
    disks the domain has."""
    domain = ctx.session.get(m.StorageDomain, domain_id) if len(domain_id) <= 36 else None
    if domain is None:
        raise NotFound(f"Entity not found: StorageDomain: id={domain_id}")
    held = find_held_vm(ctx, domain, vm_id)
    if held is None:
        raise NotFound(f"Entity not found: VM: id={vm_id}")
    if held.ovf is None:
        held.disks = [
            {"id": disk.id, "name": disk.name, "image_id": disk.image_id, "description": disk.description,
             "provisioned_size": disk.provisioned_size, "actual_size": disk.actual_size, "format": disk.format,
             "sparse": disk.sparse, "interface": attachment.interface, "bootable": attachment.bootable}
            for attachment, disk in ctx.session.execute(
                select(m.DiskAttachment, m.Disk).join(m.Disk, m.Disk.id == m.DiskAttachment.disk_id)
                .where(m.DiskAttachment.vm_id == vm_id, m.Disk.storage_domain_id == domain.id)
                .order_by(m.Disk.name, m.Disk.id))]
    return held


def _one(items: list[Any], label: str, entity_id: str) -> Any:
    for item in items:
        if item.id == entity_id:
            return item
    raise NotFound(f"Entity not found: {label}: id={entity_id}")


def list_vm_disks(ctx: RequestContext, domain_id: str, vm_id: str) -> CollectionResult:
    vm = _held_vm(ctx, domain_id, vm_id)
    return CollectionResult(StorageDomainVmDisk, [HeldDisk(vm, data) for data in vm.disks])


def get_vm_disk(ctx: RequestContext, domain_id: str, vm_id: str, disk_id: str) -> EntityResult:
    vm = _held_vm(ctx, domain_id, vm_id)
    return EntityResult(StorageDomainVmDisk, _one([HeldDisk(vm, data) for data in vm.disks], "Disk", disk_id))


def list_vm_disk_attachments(ctx: RequestContext, domain_id: str, vm_id: str) -> CollectionResult:
    vm = _held_vm(ctx, domain_id, vm_id)
    return CollectionResult(StorageDomainVmDiskAttachment, [HeldAttachment(vm, data) for data in vm.disks])


def get_vm_disk_attachment(ctx: RequestContext, domain_id: str, vm_id: str, attachment_id: str) -> EntityResult:
    vm = _held_vm(ctx, domain_id, vm_id)
    items = [HeldAttachment(vm, data) for data in vm.disks]
    for item in items:
        if item.disk_id == attachment_id:
            return EntityResult(StorageDomainVmDiskAttachment, item)
    raise NotFound(f"Entity not found: DiskAttachment: id={attachment_id}")


# -- the references of an action ------------------------------------------------------------

def _ref(ctx: RequestContext, value: Any) -> Any:
    """The entity a reference of the action names (a 400 fault when there is none), or None."""
    return resolve_ref(ctx, value) if isinstance(value, RefSpec) else None


def _new_name(params: dict[str, Any]) -> Optional[str]:
    vm = params.get("vm")
    name = vm.get("name") if isinstance(vm, Mapping) else None
    return name if isinstance(name, str) and name else None


def _check_new_vm(ctx: RequestContext, action: str, vm_id: str, name: str) -> None:
    existing = ctx.session.get(m.Vm, vm_id)
    if existing is not None:
        raise cannot(action, f"Import VM failed - VM ID already exists in the system. Please remove the VM "
                             f"({existing.name}) from the system first")
    if ctx.session.scalars(select(m.Vm.id).where(m.Vm.name == name).limit(1)).first():
        raise cannot(action, "Import VM failed - VM Name already exists in the Data Center. Please rename the VM "
                             "in the Data Center first")


def _profile_for(ctx: RequestContext, cluster: m.Cluster, data: Mapping[str, Any],
                 mappings: list[Any]) -> Optional[str]:
    """The vNIC profile a vNIC of the OVF gets: the one a mapping names for its network and profile,
    else the profile of that name on that network of the cluster's data center."""
    network, profile = data.get("network"), data.get("vnic_profile")
    for mapping in mappings:
        if not isinstance(mapping, Mapping):
            continue
        if mapping.get("source_network_name") == network and mapping.get("source_network_profile_name") == profile:
            found = _ref(ctx, mapping.get("target_vnic_profile"))
            return found.id if found is not None else None
    if not network or not profile:
        return None
    return ctx.session.scalars(
        select(m.VnicProfile.id).join(m.Network, m.Network.id == m.VnicProfile.network_id)
        .where(m.Network.name == network, m.Network.data_center_id == cluster.data_center_id,
               m.VnicProfile.name == profile).limit(1)).first()


def _make_vm(ctx: RequestContext, held: HeldVm, cluster: m.Cluster, *, vm_id: str, name: str, status: str,
             target_domain_id: str, new_disk_ids: bool, new_macs: bool, mappings: list[Any]) -> m.Vm:
    """The VM the OVF describes, in ``cluster``, with its disks on ``target_domain_id`` and its vNICs."""
    values = {key: getattr(held, key) for key in CONFIGURATION}
    values["origin"] = values.get("origin") or "ovirt"
    vm = m.Vm(id=vm_id, name=name, cluster_id=cluster.id, template_id=m.BLANK_TEMPLATE_ID, status=status,
              creation_time=ctx.now, **values)
    ctx.session.add(vm)
    ctx.session.flush()
    devices.add_default_devices(ctx, vm)
    ctx.session.add(active_snapshot(vm))
    for data in held.disks:
        disk = m.Disk(id=m.new_id() if new_disk_ids else data["id"], name=data.get("name") or data["id"],
                      description=data.get("description"), image_id=m.new_id() if new_disk_ids else
                      data.get("image_id") or m.new_id(), provisioned_size=int(data.get("provisioned_size") or 0),
                      actual_size=int(data.get("actual_size") or 0), format=data.get("format") or "cow",
                      sparse=bool(data.get("sparse", True)), storage_domain_id=target_domain_id,
                      status="locked" if status == "image_locked" else "ok")
        ctx.session.add(disk)
        ctx.session.flush()
        attachment = m.DiskAttachment(disk_id=disk.id, vm_id=vm.id, interface=data.get("interface") or "virtio",
                                      bootable=bool(data.get("bootable")), active=True)
        ctx.session.add(attachment)
        devices.add_disk_device(ctx, vm.id, attachment)
    pool_id = macs.nic_pool_id(ctx.session, cluster.id)
    for data in held.ovf.nics if held.ovf is not None else []:
        mac = data.get("mac")
        if new_macs or not mac or macs._in_use(ctx.session, mac, pool_id):
            mac = macs.allocate_mac(ctx, cluster.id)
        nic = m.Nic(vm_id=vm.id, name=data.get("name") or "nic1", interface=data.get("interface") or "virtio",
                    mac=mac, mac_pool_id=pool_id, vnic_profile_id=_profile_for(ctx, cluster, data, mappings),
                    plugged=True, linked=True)
        ctx.session.add(nic)
        ctx.session.flush()
        devices.add_nic_device(ctx, nic)
    return vm


def _cluster(ctx: RequestContext, params: dict[str, Any], action: str) -> m.Cluster:
    cluster = _ref(ctx, params.get("cluster"))
    if cluster is None:
        raise BadRequest(f"Action [cluster.id|name] required for {action}", reason="Incomplete parameters")
    return cluster


# -- import from an export domain -----------------------------------------------------------

def import_vm(ctx: RequestContext, held: HeldVm, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /storagedomains/{id}/vms/{vm}/import``: a new VM from an export domain's, its disks
    copied to a data domain (``clone=true`` gives it new ids and MACs, ``vm.name`` a new name)."""
    action = "import VM"
    source = ctx.session.get(m.StorageDomain, held.domain_id)
    if held.ovf is None or source is None or source.type != "export":
        raise cannot(action, "Storage Domain type is illegal")
    cluster = _cluster(ctx, params, "doImport")
    target = _ref(ctx, params.get("storage_domain"))
    if target is None:
        raise BadRequest("Action [storageDomain.id|name] required for doImport", reason="Incomplete parameters")
    if source.data_center_id != cluster.data_center_id or source.status != "active":
        raise cannot(action, "The relevant Storage Domain is inaccessible.\n-Please handle Storage Domain issues "
                             "and retry the operation")
    if target.type != "data" or target.data_center_id != cluster.data_center_id:
        raise cannot(action, "Storage Domain type is illegal")
    if target.status != "active":
        raise cannot(action, "The relevant Storage Domain is inaccessible.\n-Please handle Storage Domain issues "
                             "and retry the operation")
    clone = bool(params.get("clone"))
    name = _new_name(params) if clone else None
    name = name or held.name
    vm_id = m.new_id() if clone else held.id
    _check_new_vm(ctx, action, vm_id, name)
    if not clone:
        taken = [data.get("name") or data["id"] for data in held.disks if ctx.session.get(m.Disk, data["id"])]
        if taken:
            raise cannot(action, f"The following disks already exist: {', '.join(taken)}. Please import as a clone")
    vm = _make_vm(ctx, held, cluster, vm_id=vm_id, name=name, status="image_locked" if held.disks else "down",
                  target_domain_id=target.id, new_disk_ids=clone, new_macs=clone, mappings=[])
    dc = ctx.session.get(m.DataCenter, cluster.data_center_id)
    where = f"Data Center {dc.name if dc else ''}, Cluster {cluster.name}"
    job = jobs.start_job(ctx, f"Importing VM {name} to Cluster {cluster.name}")
    events.record_event(ctx, IMPORTEXPORT_STARTING_IMPORT_VM, f"Starting to import Vm {name} to {where}",
                        vm_id=vm.id, cluster_id=cluster.id, storage_domain_id=target.id)
    transitions.schedule(ctx, KIND, vm.id, "imported", job_id=job.id, payload={"where": where})
    return {"job": {"href": href_of("jobs", job.id), "id": job.id}}


def import_step(ctx: RequestContext, vm_id: str, step: str, payload: dict[str, Any]) -> None:
    """The copy of an imported VM's disks has ended: the disks are ok, the VM down."""
    vm = ctx.session.get(m.Vm, vm_id)
    if vm is not None:
        for disk in ctx.session.scalars(select(m.Disk).join(m.DiskAttachment, m.DiskAttachment.disk_id == m.Disk.id)
                                        .where(m.DiskAttachment.vm_id == vm.id, m.Disk.status == "locked")):
            disk.status = "ok"
        if vm.status == "image_locked":
            vm.status = "down"
        events.record_event(ctx, IMPORTEXPORT_IMPORT_VM, f"Vm {vm.name} was imported successfully to "
                            f"{payload.get('where', '')}", vm_id=vm.id, cluster_id=vm.cluster_id,
                            correlation_id=payload.get("correlation_id"))
    jobs.end_job(ctx, payload.get("job_id"))


# -- register from a data domain ------------------------------------------------------------

def register_vm(ctx: RequestContext, held: HeldVm, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /storagedomains/{id}/vms/{vm}/register``: the engine knows the unregistered VM from
    now on, down, with its disks where they are (``vm.name`` renames it, ``vnic_profile_mappings``
    map its vNICs' profiles, ``reassign_bad_macs`` gives the vNICs whose MAC is taken new ones)."""
    action = "import VM"
    domain = ctx.session.get(m.StorageDomain, held.domain_id)
    if held.ovf is None or not held.ovf.unregistered or domain is None:
        raise cannot(action, "VM not exists in export domain")
    cluster = _cluster(ctx, params, "register")
    if domain.data_center_id != cluster.data_center_id or domain.status != "active":
        raise cannot(action, "The relevant Storage Domain is inaccessible.\n-Please handle Storage Domain issues "
                             "and retry the operation")
    name = _new_name(params) or held.name
    _check_new_vm(ctx, action, held.id, name)
    taken = [data.get("name") or data["id"] for data in held.disks if ctx.session.get(m.Disk, data["id"])]
    if taken:
        raise cannot(action, f"The following disks already exist: {', '.join(taken)}. Please import as a clone")
    mappings = list(params.get("vnic_profile_mappings") or [])
    vm = _make_vm(ctx, held, cluster, vm_id=held.id, name=name, status="down", target_domain_id=domain.id,
                  new_disk_ids=False, new_macs=False, mappings=mappings)
    ctx.session.delete(held.ovf)
    events.record_event(ctx, VM_IMPORT_FROM_CONFIGURATION_EXECUTED_SUCCESSFULLY,
                        f"VM {vm.name} has been successfully imported from the given configuration.",
                        vm_id=vm.id, cluster_id=cluster.id, storage_domain_id=domain.id)
    events.record_event(ctx, 34, f"VM {vm.name} was created by {acting_user(ctx)}.", vm_id=vm.id,
                        cluster_id=cluster.id)
    return {}


def remove_held_vm(ctx: RequestContext, held: HeldVm, parent_id: Optional[str] = None) -> None:
    """``DELETE /storagedomains/{id}/vms/{vm}``: the VM leaves an export domain (or the OVF store
    of a data domain); a registered VM is removed through ``/vms``."""
    if held.ovf is None:
        raise cannot("remove VM", "Storage Domain type is illegal")
    ctx.session.delete(held.ovf)
