"""A VM's libvirt domain: the run-VM Domain XML built from the database, the simulated host that
runs it, and hot-plug and hot-unplug of disks and NICs on a running VM.

The database is turned into :mod:`domainxml` specs in bulk (a fixed number of queries for any
number of VMs); only plugged managed devices are written, the boot disk first, with the
addresses device monitoring learnt on earlier runs.

The host's side of a running VM is a :class:`~engine_api.models.VmDomain` row: the Domain XML
libvirt reports for it and its devices hash. Starting a VM builds the run-VM XML and lets the
simulated host start it (:func:`domainxml.start_domain`); hot-plug and hot-unplug send the
engine's messages to that host (:func:`domainxml.apply_hotplug`). A VM a scenario seeds as
running gets its domain row the first time a write needs it, as if its host had been running it
all along; until then reading its reported XML answers what that host would report, without
storing it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

import domainxml as dx
from engine_api import models as m
from engine_api.faults import cannot
from engine_api.services.context import RequestContext
from engine_api.system import events

MIB = 1024**2
NO_POOL = "00000000-0000-0000-0000-000000000000"
IDS_PER_QUERY = 1000

#: The libvirt CPU model (with the engine's flags) of the cluster CPU types of a 4.7 cluster.
CPU_MODELS = {
    "Intel Nehalem Family": "Nehalem",
    "Secure Intel Nehalem Family": "Nehalem,+spec-ctrl,+ssbd",
    "Intel Westmere Family": "Westmere",
    "Secure Intel Westmere Family": "Westmere,+pcid,+spec-ctrl,+ssbd",
    "Intel SandyBridge Family": "SandyBridge",
    "Secure Intel SandyBridge Family": "SandyBridge,+pcid,+spec-ctrl,+ssbd",
    "Intel IvyBridge Family": "IvyBridge",
    "Secure Intel IvyBridge Family": "IvyBridge,+pcid,+spec-ctrl,+ssbd",
    "Intel Haswell Family": "Haswell-noTSX",
    "Secure Intel Haswell Family": "Haswell-noTSX,+spec-ctrl,+ssbd,+md-clear",
    "Intel Broadwell Family": "Broadwell-noTSX",
    "Secure Intel Broadwell Family": "Broadwell-noTSX,+spec-ctrl,+ssbd,+md-clear",
    "Intel Skylake Client Family": "Skylake-Client,-hle,-rtm",
    "Secure Intel Skylake Client Family": "Skylake-Client,+spec-ctrl,+ssbd,+md-clear,-hle,-rtm",
    "Intel Skylake Server Family": "Skylake-Server,-hle,-rtm",
    "Secure Intel Skylake Server Family": "Skylake-Server,+spec-ctrl,+ssbd,+md-clear,-hle,-rtm",
    "Intel Cascadelake Server Family": "Cascadelake-Server,-hle,-rtm,+arch-capabilities",
    "Intel Icelake Server Family": "Icelake-Server,-hle,-rtm,+arch-capabilities",
    "AMD Opteron G4": "Opteron_G4",
    "AMD Opteron G5": "Opteron_G5",
    "AMD EPYC": "EPYC",
    "Secure AMD EPYC": "EPYC,+ibpb,+virt-ssbd",
}
#: Storage types whose volumes are block devices; the others are files on a mount.
BLOCK_STORAGE = frozenset({"iscsi", "fcp"})
#: oVirt vNIC interface → libvirt NIC model.
NIC_MODELS = {"virtio": "virtio", "e1000": "e1000", "e1000e": "e1000e", "rtl8139": "rtl8139",
              "rtl8139_virtio": "rtl8139"}
# Audit log codes of hot-plug (the engine's AuditLogType).
NETWORK_ACTIVATE_VM_INTERFACE_SUCCESS = 1012
NETWORK_DEACTIVATE_VM_INTERFACE_SUCCESS = 1013
USER_HOTPLUG_DISK = 2000
USER_HOTUNPLUG_DISK = 2002

#: States in which a VM's disks and NICs are plugged and unplugged on the host.
HOTPLUG_STATES = frozenset({"up", "paused"})
#: States in which a VM occupies a host, which runs a domain for it.
DOMAIN_STATES = frozenset({
    "up", "powering_up", "powering_down", "paused", "migrating", "reboot_in_progress",
    "wait_for_launch", "saving_state", "restoring_state", "not_responding", "unknown",
})


# -- the database as specs -----------------------------------------------------------------------

@dataclass
class _VmRows:
    devices: list[m.VmDevice] = field(default_factory=list)
    attachments: list[tuple[m.DiskAttachment, m.Disk]] = field(default_factory=list)
    nics: list[tuple[m.Nic, Optional[str], int]] = field(default_factory=list)


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), IDS_PER_QUERY):
        yield ids[start:start + IDS_PER_QUERY]


def vm_specs(session: Session, vms: Sequence[m.Vm]) -> dict[str, dx.VmSpec]:
    """The specs of ``vms`` by VM id, loaded with one query per kind of row (per 1,000 VMs)."""
    rows: dict[str, _VmRows] = defaultdict(_VmRows)
    ids = [vm.id for vm in vms]
    for chunk in _chunks(ids):
        for device in session.scalars(select(m.VmDevice).where(
                m.VmDevice.vm_id.in_(chunk), m.VmDevice.managed.is_(True), m.VmDevice.plugged.is_(True))):
            rows[device.vm_id].devices.append(device)
        for attachment, disk in session.execute(
                select(m.DiskAttachment, m.Disk).join(m.Disk, m.Disk.id == m.DiskAttachment.disk_id)
                .where(m.DiskAttachment.vm_id.in_(chunk))):
            rows[attachment.vm_id or ""].attachments.append((attachment, disk))
        for nic, network, mtu in session.execute(
                select(m.Nic, m.Network.name, m.Network.mtu)
                .outerjoin(m.VnicProfile, m.VnicProfile.id == m.Nic.vnic_profile_id)
                .outerjoin(m.Network, m.Network.id == m.VnicProfile.network_id)
                .where(m.Nic.vm_id.in_(chunk))):
            rows[nic.vm_id or ""].nics.append((nic, network, mtu or 0))
    cluster_ids = {vm.cluster_id for vm in vms}
    clusters = {cluster.id: cluster for cluster in session.scalars(
        select(m.Cluster).where(m.Cluster.id.in_(cluster_ids)))} if cluster_ids else {}
    display = {cluster_id: name for cluster_id, name in session.execute(
        select(m.ClusterNetwork.cluster_id, m.Network.name).join(m.Network, m.Network.id == m.ClusterNetwork.network_id)
        .where(m.ClusterNetwork.cluster_id.in_(cluster_ids), m.ClusterNetwork.display.is_(True)))} \
        if cluster_ids else {}
    domain_ids = {disk.storage_domain_id for vm_rows in rows.values() for _, disk in vm_rows.attachments}
    domain_ids.discard(None)
    storage = {domain.id: domain for domain in session.scalars(
        select(m.StorageDomain).where(m.StorageDomain.id.in_(domain_ids)))} if domain_ids else {}
    return {vm.id: _spec(vm, clusters.get(vm.cluster_id), display.get(vm.cluster_id), rows[vm.id], storage)
            for vm in vms}


def vm_spec(session: Session, vm: m.Vm) -> dx.VmSpec:
    """The spec of one VM."""
    return vm_specs(session, [vm])[vm.id]


def _spec(vm: m.Vm, cluster: Optional[m.Cluster], display_network: Optional[str], rows: _VmRows,
          storage: dict[str, m.StorageDomain]) -> dx.VmSpec:
    cpu_model = CPU_MODELS.get((cluster.cpu_type if cluster is not None else None) or "")
    spec = dx.VmSpec(
        id=vm.id, name=vm.name, memory_mb=max(1, vm.memory // MIB),
        max_memory_mb=vm.memory_max // MIB if vm.memory_max and vm.memory_max > vm.memory else None,
        min_guaranteed_memory_mb=vm.memory_guaranteed // MIB if vm.memory_guaranteed else None,
        sockets=vm.cpu_sockets, cores=vm.cpu_cores, threads=vm.cpu_threads,
        cpu_model=cpu_model, host_passthrough=cpu_model is None,
        cluster_version=f"{cluster.version_major}.{cluster.version_minor}" if cluster is not None else "4.7",
        storage_pool_id=(cluster.data_center_id if cluster is not None else None) or NO_POOL,
        hyperv=vm.os_type.startswith("windows"),
    )
    devices = {device.id: device for device in rows.devices}
    plugged_disks = sorted(((attachment, disk) for attachment, disk in rows.attachments if disk.id in devices),
                           key=lambda pair: (not pair[0].bootable, pair[1].name, pair[1].id))  # boot disk first
    for attachment, disk in plugged_disks:
        spec.disks.append(_disk_spec(attachment, disk, devices[disk.id], storage.get(disk.storage_domain_id or "")))
    for nic, network, mtu in sorted(rows.nics, key=lambda row: (row[0].name, row[0].id)):
        if nic.id in devices:
            spec.nics.append(_nic_spec(nic, network, mtu, devices[nic.id]))
    for device in rows.devices:
        _add_device(spec, device, display_network)
    _boot_order(spec, vm.boot_devices or ["hd"])
    return spec


def _disk_spec(attachment: m.DiskAttachment, disk: m.Disk, device: m.VmDevice,
               domain: Optional[m.StorageDomain]) -> dx.DiskSpec:
    storage_type = domain.storage_type if domain is not None else "nfs"
    connection = ""
    if domain is not None:
        connection = f"{domain.storage_address}:{domain.storage_path or ''}" if domain.storage_address \
            else domain.storage_path or domain.name
    return dx.DiskSpec(
        id=disk.id, volume_id=attachment.image_id or disk.image_id,
        storage_domain_id=disk.storage_domain_id or NO_POOL,
        interface=attachment.interface, format="raw" if disk.format == "raw" else "cow",
        storage="block" if storage_type in BLOCK_STORAGE else "file",
        storage_connection=connection or "localhost:/data",
        read_only=attachment.read_only, shareable=disk.shareable, pass_discard=attachment.pass_discard,
        propagate_errors=disk.propagate_errors, address=device.address or None,
    )


def _nic_spec(nic: m.Nic, network: Optional[str], mtu: int, device: m.VmDevice) -> dx.NicSpec:
    return dx.NicSpec(id=nic.id, mac=nic.mac or "", model=NIC_MODELS.get(nic.interface, nic.interface),
                      network=network, linked=nic.linked, mtu=mtu or 1500, address=device.address or None)


def _int(params: dict[str, Any], key: str, default: Optional[int]) -> Optional[int]:
    value = params.get(key)
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def _add_device(spec: dx.VmSpec, device: m.VmDevice, display_network: Optional[str]) -> None:
    params = dict(device.spec_params or {})
    address = device.address or None
    kind = device.type
    if kind == "video":
        spec.videos.append(dx.VideoSpec(id=device.id, model=device.device, vram=_int(params, "vram", 32768) or 32768,
                                        heads=_int(params, "heads", 1) or 1, ram=_int(params, "ram", None),
                                        vgamem=_int(params, "vgamem", None), address=address))
    elif kind == "graphics":
        spec.graphics.append(dx.GraphicsSpec(id=device.id, type=device.device, display_network=display_network))
    elif kind == "balloon":
        spec.balloon = dx.BalloonSpec(id=device.id, model=params.get("model", "virtio"), address=address)
    elif kind == "rng":
        spec.rng = dx.RngSpec(id=device.id, source=params.get("source", "urandom"), address=address)
    elif kind == "watchdog":
        spec.watchdog = dx.WatchdogSpec(id=device.id, model=device.device if device.device != "watchdog"
                                        else params.get("model", "i6300esb"),
                                        action=params.get("action", "reset"), address=address)
    elif kind == "sound":
        spec.sound = dx.SoundSpec(id=device.id, model=device.device, address=address)
    elif kind == "console":
        spec.console = dx.ConsoleSpec(id=device.id)
    elif kind == "controller":
        if device.device == "virtio-scsi":
            controller = dx.ControllerSpec(id=device.id, type="scsi", model="virtio-scsi", address=address)
        else:
            controller = dx.ControllerSpec(id=device.id, type=device.device, model=params.get("model"),
                                           index=_int(params, "index", None), address=address)
        spec.controllers.append(controller)
    elif kind == "disk" and device.device == "cdrom":
        spec.cdroms.append(dx.CdromSpec(id=device.id, path=params.get("path") or None, address=address))


def _boot_order(spec: dx.VmSpec, boot_devices: list[str]) -> None:
    """Per-device boot order from the VM's boot sequence, the way the engine hands it out."""
    order = 0
    for kind in boot_devices:
        targets: list[Any] = []
        if kind == "hd" and spec.disks:
            targets = [spec.disks[0]]
        elif kind == "cdrom":
            targets = spec.cdroms[:1]
        elif kind == "network":
            targets = list(spec.nics)
        for target in targets:
            if not target.boot_order:
                order += 1
                target.boot_order = order


def run_xml(session: Session, vm: m.Vm) -> str:
    """The run-VM Domain XML of the VM as it is now."""
    try:
        return dx.build(vm_spec(session, vm))
    except dx.SpecError as error:
        raise cannot("run VM", str(error)) from None


# -- the host's side -----------------------------------------------------------------------------

def _started(session: Session, vm: m.Vm, host_id: str) -> tuple[str, int]:
    """The Domain XML the host reports once it starts the VM, and the domain's number on it.

    ``Cannot run VM`` when the host would refuse it. Nothing is stored.
    """
    xml = run_xml(session, vm)
    number = (session.scalar(select(func.max(m.VmDomain.domain_id)).where(m.VmDomain.host_id == host_id)) or 0) + 1
    try:
        return dx.start_domain(xml, domain_id=number), number
    except dx.DomainXmlError as error:
        raise cannot("run VM", str(error)) from None


def launch(session: Session, vm: m.Vm, host_id: str) -> m.VmDomain:
    """Build the run-VM XML and start it on the simulated host (``Cannot run VM`` when it can't)."""
    reported, number = _started(session, vm, host_id)
    domain = _domain_row(session, vm.id)
    domain.host_id = host_id
    domain.domain_id = number
    _report(domain, reported, dx.devices_hash(reported))
    vm.devices_hash = None
    return domain


def destroy(session: Session, vm: m.Vm) -> None:
    """The VM's domain is gone from its host (the VM went down or was suspended to disk)."""
    session.execute(delete(m.VmDomain).where(m.VmDomain.vm_id == vm.id))
    vm.devices_hash = None


def move(session: Session, vm: m.Vm, host_id: str) -> None:
    """The domain now runs on another host (a migration finished)."""
    domain = session.get(m.VmDomain, vm.id)
    if domain is not None:
        domain.host_id = host_id


def host_domain(session: Session, vm: m.Vm) -> Optional[m.VmDomain]:
    """The domain the VM's host runs for it; ``None`` when the VM does not run.

    A write: a VM seeded as running gets its domain row now. Reads use :func:`reported_xml`.
    """
    return _domain_of(session, vm)[0]


def reported_xml(session: Session, vm: m.Vm) -> Optional[str]:
    """The Domain XML the VM's host reports; ``None`` when the VM does not run. A read: it never writes.

    A VM without a domain row yet (seeded as running) reports what its host would report
    having started it from the database as it is now.
    """
    if vm.status not in DOMAIN_STATES or vm.host_id is None:
        return None
    domain = session.get(m.VmDomain, vm.id)
    if domain is not None:
        return domain.xml
    return _started(session, vm, vm.host_id)[0]


def _domain_of(session: Session, vm: m.Vm) -> tuple[Optional[m.VmDomain], bool]:
    """The VM's domain, and whether it was started just now from the VM as the database has it."""
    if vm.status not in DOMAIN_STATES or vm.host_id is None:
        return None, False
    domain = session.get(m.VmDomain, vm.id)
    if domain is None:
        return launch(session, vm, vm.host_id), True
    return domain, False


def _domain_row(session: Session, vm_id: str) -> m.VmDomain:
    domain = session.get(m.VmDomain, vm_id)
    if domain is None:
        domain = m.VmDomain(vm_id=vm_id, domain_id=1)
        session.add(domain)
    return domain


def _report(domain: m.VmDomain, xml: str, devices_hash: str) -> None:
    domain.xml = xml
    domain.devices_hash = devices_hash
    domain.reported_at = m.utcnow()


def replace_report(session: Session, vm: m.Vm, xml: str, devices_hash: str) -> m.VmDomain:
    """Take ``xml`` as what the VM's host reports now."""
    domain = _domain_row(session, vm.id)
    if domain.host_id is None:
        domain.host_id = vm.host_id
    _report(domain, xml, devices_hash)
    return domain


# -- hot-plug ------------------------------------------------------------------------------------

def _hotplug_allowed(vm: m.Vm, action: str) -> None:
    if vm.status not in HOTPLUG_STATES:
        raise cannot(action, f"VM status is {vm.status.replace('_', ' ')}; devices are hot-plugged only while "
                             "it is up or paused")


def needs_hotplug(vm: Optional[m.Vm]) -> bool:
    """True when plugging a device into the VM goes through its host."""
    return vm is not None and vm.status in DOMAIN_STATES


def _send(session: Session, vm: m.Vm, apply: Callable[[str, str], str], message: str, action: str) -> None:
    """Hand a hot-plug or hot-unplug message to the VM's host.

    A domain started just now was built from the device rows as they are after the change, so
    there is nothing left to send to it.
    """
    domain, started = _domain_of(session, vm)
    if domain is None or started:
        return
    try:
        changed = apply(domain.xml, message)
    except dx.DomainXmlError as error:
        raise cannot(action, str(error)) from None
    _report(domain, changed, dx.devices_hash(changed))


def _plugged(vm: m.Vm, spec: dx.VmSpec, kind: str, device_id: str, action: str) -> Any:
    """The spec of the device to hot-plug: it is in the VM's spec once its device row is plugged."""
    _hotplug_allowed(vm, action)
    found = next((device for device in getattr(spec, kind) if device.id == device_id), None)
    if found is None:
        raise cannot(action, f"The device {device_id} is not plugged")
    return found


def plug_nic(session: Session, vm: m.Vm, nic_id: str) -> None:
    """Hot-plug a vNIC whose device row is plugged already."""
    action = "activate VM Network Interface"
    nic = _plugged(vm, vm_spec(session, vm), "nics", nic_id, action)
    _send(session, vm, dx.apply_hotplug, dx.hotplug_nic(nic), action)


def unplug_nic(session: Session, vm: m.Vm, nic_id: str) -> None:
    action = "deactivate VM Network Interface"
    _hotplug_allowed(vm, action)
    _send(session, vm, dx.apply_hotunplug, dx.hotunplug_nic(nic_id), action)


def plug_disk(session: Session, vm: m.Vm, disk_id: str) -> None:
    """Hot-plug a disk whose device row is plugged already; it takes the first free name on its bus."""
    action = "hot plug disk"
    spec = vm_spec(session, vm)
    disk = _plugged(vm, spec, "disks", disk_id, action)
    if disk.interface == "ide":
        raise cannot(action, "Hot plugging a disk with an IDE interface is not supported")
    domain, started = _domain_of(session, vm)
    if domain is None or started:
        return
    taken = [device.logical_name for device in dx.parse(domain.xml).devices
             if device.type == "disk" and device.logical_name]
    try:
        message = dx.hotplug_disk(spec, disk, taken_names=taken)
    except dx.SpecError as error:
        raise cannot(action, str(error)) from None
    _send(session, vm, dx.apply_hotplug, message, action)


def unplug_disk(session: Session, vm: m.Vm, disk_id: str, interface: str) -> None:
    action = "hot unplug disk"
    _hotplug_allowed(vm, action)
    if interface == "ide":
        raise cannot(action, "Hot unplugging a disk with an IDE interface is not supported")
    _send(session, vm, dx.apply_hotunplug, dx.hotunplug_disk(disk_id), action)


def nic_plug_event(ctx: RequestContext, vm: m.Vm, nic: m.Nic, plugged: bool, by: str, severity: str = "normal") -> None:
    """The event of a vNIC plugged or unplugged; ``by`` ends the text (``(User: …)``)."""
    verb = "plugged to" if plugged else "unplugged from"
    code = NETWORK_ACTIVATE_VM_INTERFACE_SUCCESS if plugged else NETWORK_DEACTIVATE_VM_INTERFACE_SUCCESS
    events.record_event(ctx, code, f"Network Interface {nic.name} ({nic.interface}) was {verb} VM {vm.name}{by}",
                        severity=severity, vm_id=vm.id, host_id=vm.host_id, cluster_id=vm.cluster_id)


def disk_plug_event(ctx: RequestContext, vm: m.Vm, disk_name: str, plugged: bool, by: str,
                    severity: str = "normal") -> None:
    """The event of a disk plugged or unplugged; ``by`` ends the text (`` by …``)."""
    events.record_event(ctx, USER_HOTPLUG_DISK if plugged else USER_HOTUNPLUG_DISK,
                        f"VM {vm.name} disk {disk_name} was {'plugged' if plugged else 'unplugged'}{by}",
                        severity=severity, vm_id=vm.id, host_id=vm.host_id, cluster_id=vm.cluster_id)
