"""A VM's OVF, as the engine's OVF writer makes it (the ``initialization.configuration`` of a VM read
with ``all_content=true``, and what export domains and OVF stores keep).

:func:`vm_ovf` reads what it needs from the rows; :func:`build_ovf` writes the envelope from plain
data, so it can be tested without a database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine_api import models as m

OVF = "http://schemas.dmtf.org/ovf/envelope/1/"
RASD = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
VSSD = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NAMESPACES = {"ovf": OVF, "rasd": RASD, "vssd": VSSD, "xsi": XSI}
ENGINE_VERSION = "4.5.0.0"
EMPTY_ID = "00000000-0000-0000-0000-000000000000"

#: The engine's numbers for what the OVF writes as numbers.
VM_TYPES = {"desktop": 0, "server": 1, "high_performance": 2}
DISPLAY_TYPES = {"vnc": 0, "spice": 2}
ORIGINS = {"ovirt": 3, "vmware": 1, "xen": 2, "rhev": 0, "kvm": 7, "physical_machine": 8,
           "hosted_engine": 5, "external": 4, "managed_hosted_engine": 6}
#: The engine's OVF names of disk interfaces.
DISK_INTERFACES = {"virtio": "VirtIO", "virtio_scsi": "VirtIO_SCSI", "ide": "IDE", "sata": "SATA",
                   "spapr_vscsi": "SPAPR_VSCSI"}
#: The engine's numbers of vNIC types (``rasd:ResourceSubType``).
NIC_TYPES = {"rtl8139_virtio": 0, "rtl8139": 1, "e1000": 2, "virtio": 3, "spapr_vlan": 4, "pci_passthrough": 5,
             "e1000e": 6}
# CIM resource types
CPU, MEMORY, NETWORK, DISK = "3", "4", "10", "17"


@dataclass
class OvfDisk:
    id: str
    image_id: str
    name: str
    provisioned_size: int
    actual_size: int
    format: str
    sparse: bool
    interface: str
    bootable: bool
    read_only: bool
    shareable: bool
    pass_discard: bool
    wipe_after_delete: bool
    storage_domain_id: Optional[str]
    description: Optional[str] = None
    active: bool = True


@dataclass
class OvfNic:
    id: str
    name: str
    interface: str
    mac: Optional[str]
    network: Optional[str]
    vnic_profile: Optional[str]
    linked: bool
    plugged: bool


@dataclass
class OvfVm:
    id: str
    name: str
    memory: int
    cpu_sockets: int
    cpu_cores: int
    cpu_threads: int
    os_type: str
    creation_time: dt.datetime
    description: Optional[str] = None
    comment: Optional[str] = None
    type: str = "server"
    stateless: bool = False
    origin: str = "ovirt"
    display_type: str = "vnc"
    memory_guaranteed: Optional[int] = None
    memory_max: Optional[int] = None
    high_availability: bool = False
    cluster_name: str = ""
    cluster_version: str = "4.7"
    data_center_id: Optional[str] = None
    template_id: str = EMPTY_ID
    template_name: str = "Blank"
    disks: list[OvfDisk] = field(default_factory=list)
    nics: list[OvfNic] = field(default_factory=list)


def _date(value: dt.datetime) -> str:
    """The engine's OVF dates: UTC, ``yyyy/MM/dd HH:mm:ss``."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y/%m/%d %H:%M:%S")


def _text(parent: etree._Element, tag: str, value: object) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = "" if value is None else (str(value).lower() if isinstance(value, bool) else str(value))
    return element


def _rasd(parent: etree._Element, name: str, value: object) -> etree._Element:
    return _text(parent, f"{{{RASD}}}{name}", value)


def _gib(size: int) -> int:
    return max(size // 1024**3, 0)


def build_ovf(vm: OvfVm, now: Optional[dt.datetime] = None) -> str:
    """The OVF document of ``vm``: an ``ovf:Envelope`` with its References, NetworkSection,
    DiskSection and the VirtualSystem (general data, operating system, virtual hardware)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    envelope = etree.Element(f"{{{OVF}}}Envelope", nsmap=NAMESPACES)
    envelope.set(f"{{{OVF}}}version", ENGINE_VERSION)

    references = etree.SubElement(envelope, "References")
    for disk in vm.disks:
        file = etree.SubElement(references, "File")
        file.set(f"{{{OVF}}}href", f"{disk.id}/{disk.image_id}")
        file.set(f"{{{OVF}}}id", disk.image_id)
        file.set(f"{{{OVF}}}size", str(disk.actual_size))
        file.set(f"{{{OVF}}}description", disk.description or "")
        file.set(f"{{{OVF}}}disk_storage_type", "IMAGE")
        file.set(f"{{{OVF}}}cinder_volume_type", "")

    networks = etree.SubElement(envelope, "NetworkSection")
    _text(networks, "Info", "List of networks")
    for name in dict.fromkeys(nic.network for nic in vm.nics if nic.network):
        etree.SubElement(networks, "Network").set(f"{{{OVF}}}name", name)

    disks = etree.SubElement(envelope, "Section")
    disks.set(f"{{{XSI}}}type", "ovf:DiskSection_Type")
    _text(disks, "Info", "List of Virtual Disks")
    for disk in vm.disks:
        element = etree.SubElement(disks, "Disk")
        for name, value in (
            ("diskId", disk.image_id), ("size", _gib(disk.provisioned_size)),
            ("actual_size", _gib(disk.actual_size)), ("vm_snapshot_id", EMPTY_ID), ("parentRef", ""),
            ("fileRef", f"{disk.id}/{disk.image_id}"),
            ("format", "http://www.vmware.com/specifications/vmdk.html#sparse"),
            ("volume-format", "COW" if disk.format == "cow" else "RAW"),
            ("volume-type", "Sparse" if disk.sparse else "Preallocated"),
            ("disk-interface", DISK_INTERFACES.get(disk.interface, disk.interface)),
            ("read-only", disk.read_only), ("shareable", disk.shareable), ("boot", disk.bootable),
            ("pass-discard", disk.pass_discard), ("disk-alias", disk.name),
            ("disk-description", disk.description or ""), ("wipe-after-delete", disk.wipe_after_delete),
            ("disk_storage_type", "IMAGE"), ("cinder_volume_type", ""),
        ):
            element.set(f"{{{OVF}}}{name}", str(value).lower() if isinstance(value, bool) else str(value))

    content = etree.SubElement(envelope, "Content")
    content.set(f"{{{OVF}}}id", "out")
    content.set(f"{{{XSI}}}type", "ovf:VirtualSystem_Type")
    memory_mb = vm.memory // 1024**2
    for tag, value in (
        ("Name", vm.name), ("Description", vm.description), ("Comment", vm.comment),
        ("CreationDate", _date(vm.creation_time)), ("ExportDate", _date(now)), ("DeleteProtected", False),
        ("IsSmartcardEnabled", False), ("TimeZone", "Etc/GMT"), ("default_boot_sequence", 0),
        ("Generation", 1), ("ClusterCompatibilityVersion", vm.cluster_version),
        ("VmType", VM_TYPES.get(vm.type, 1)),
        ("MinAllocatedMem", (vm.memory_guaranteed or vm.memory) // 1024**2),
        ("IsStateless", vm.stateless), ("IsRunAndPause", False), ("AutoStartup", vm.high_availability),
        ("Priority", 1), ("MigrationSupport", 0), ("IsBootMenuEnabled", False),
        ("IsSpiceFileTransferEnabled", True), ("IsSpiceCopyPasteEnabled", True),
        ("AllowConsoleReconnect", True), ("ConsoleDisconnectAction", "LOCK_SCREEN"),
        ("CustomEmulatedMachine", ""), ("BiosType", 1), ("CustomCpuName", ""),
        ("PredefinedProperties", ""), ("UserDefinedProperties", ""),
        ("MaxMemorySizeMb", (vm.memory_max or 4 * vm.memory) // 1024**2),
        ("ClusterName", vm.cluster_name), ("TemplateId", vm.template_id), ("TemplateName", vm.template_name),
        ("IsInitilized", True), ("Origin", ORIGINS.get(vm.origin, 3)),
        ("DefaultDisplayType", DISPLAY_TYPES.get(vm.display_type, 0)), ("TrustedService", False),
        ("OriginalTemplateId", vm.template_id), ("OriginalTemplateName", vm.template_name),
        ("UseLatestVersion", False),
    ):
        if value is not None:
            _text(content, tag, value)

    system = etree.SubElement(content, "Section")
    system.set(f"{{{OVF}}}id", vm.id)
    system.set(f"{{{OVF}}}required", "false")
    system.set(f"{{{XSI}}}type", "ovf:OperatingSystemSection_Type")
    _text(system, "Info", "Guest Operating System")
    _text(system, "Description", vm.os_type)

    hardware = etree.SubElement(content, "Section")
    hardware.set(f"{{{XSI}}}type", "ovf:VirtualHardwareSection_Type")
    vcpus = vm.cpu_sockets * vm.cpu_cores * vm.cpu_threads
    _text(hardware, "Info", f"{vcpus} CPU, {memory_mb} Memory")
    _text(etree.SubElement(hardware, "System"), f"{{{VSSD}}}VirtualSystemType", f"ENGINE {ENGINE_VERSION}")

    cpu = etree.SubElement(hardware, "Item")
    for name, value in (("Caption", f"{vcpus} virtual cpu"), ("Description", "Number of virtual CPU"),
                        ("InstanceId", 1), ("ResourceType", CPU), ("num_of_sockets", vm.cpu_sockets),
                        ("cpu_per_socket", vm.cpu_cores), ("threads_per_cpu", vm.cpu_threads),
                        ("max_num_of_vcpus", max(16, vcpus)), ("VirtualQuantity", vcpus)):
        _rasd(cpu, name, value)

    memory = etree.SubElement(hardware, "Item")
    for name, value in (("Caption", f"{memory_mb} MB of memory"), ("Description", "Memory Size"),
                        ("InstanceId", 2), ("ResourceType", MEMORY), ("AllocationUnits", "MegaBytes"),
                        ("VirtualQuantity", memory_mb)):
        _rasd(memory, name, value)

    for disk in vm.disks:
        item = etree.SubElement(hardware, "Item")
        for name, value in (("Caption", disk.name), ("InstanceId", disk.image_id), ("ResourceType", DISK),
                            ("HostResource", f"{disk.id}/{disk.image_id}"), ("Parent", EMPTY_ID),
                            ("Template", vm.template_id), ("ApplicationList", ""),
                            ("StorageId", disk.storage_domain_id or ""), ("StoragePoolId", vm.data_center_id or ""),
                            ("CreationDate", _date(vm.creation_time)), ("LastModified", _date(now)),
                            ("last_modified_date", _date(now))):
            _rasd(item, name, value)
        _text(item, "Type", "disk")
        _text(item, "Device", "disk")
        _rasd(item, "Address", "")
        _text(item, "BootOrder", 1 if disk.bootable else 0)
        _text(item, "IsPlugged", disk.active)
        _text(item, "IsReadOnly", disk.read_only)
        _text(item, "Alias", "")

    for nic in vm.nics:
        item = etree.SubElement(hardware, "Item")
        for name, value in (("Caption", f"Ethernet adapter on {nic.network or '[No Network]'}"),
                            ("InstanceId", nic.id), ("ResourceType", NETWORK),
                            ("OtherResourceType", nic.network or ""),
                            ("ResourceSubType", NIC_TYPES.get(nic.interface, 3)),
                            ("Connection", nic.network or ""), ("Linked", nic.linked), ("Name", nic.name),
                            ("ElementName", nic.name), ("MACAddress", nic.mac or ""), ("speed", 10000)):
            _rasd(item, name, value)
        _text(item, "Type", "interface")
        _text(item, "Device", "bridge")
        _rasd(item, "Address", "")
        _text(item, "BootOrder", 0)
        _text(item, "IsPlugged", nic.plugged)
        _text(item, "IsReadOnly", False)
        _text(item, "Alias", "")

    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def ovf_data(session: Session, vm: m.Vm) -> OvfVm:
    """What the OVF of ``vm`` says, read from its rows."""
    cluster = session.get(m.Cluster, vm.cluster_id)
    template = session.get(m.Template, vm.template_id) if vm.template_id else None
    data = OvfVm(
        id=vm.id, name=vm.name, description=vm.description, comment=vm.comment, memory=vm.memory,
        memory_guaranteed=vm.memory_guaranteed, memory_max=vm.memory_max, cpu_sockets=vm.cpu_sockets,
        cpu_cores=vm.cpu_cores, cpu_threads=vm.cpu_threads, os_type=vm.os_type, creation_time=vm.creation_time,
        type=vm.type, stateless=vm.stateless, origin=vm.origin, display_type=vm.display_type,
        high_availability=vm.high_availability,
        cluster_name=cluster.name if cluster else "",
        cluster_version=f"{cluster.version_major}.{cluster.version_minor}" if cluster else "4.7",
        data_center_id=cluster.data_center_id if cluster else None,
        template_id=vm.template_id or EMPTY_ID, template_name=template.name if template else "Blank",
    )
    rows = session.execute(
        select(m.DiskAttachment, m.Disk).join(m.Disk, m.Disk.id == m.DiskAttachment.disk_id)
        .where(m.DiskAttachment.vm_id == vm.id).order_by(m.DiskAttachment.bootable.desc(), m.Disk.name)
    ).all()
    for attachment, disk in rows:
        if disk.storage_type == "lun":
            continue  # direct LUNs are no images: the OVF lists only images
        data.disks.append(OvfDisk(
            id=disk.id, image_id=disk.image_id, name=disk.name, description=disk.description,
            provisioned_size=disk.provisioned_size or 0, actual_size=disk.actual_size or 0, format=disk.format,
            sparse=disk.sparse, interface=attachment.interface, bootable=attachment.bootable,
            read_only=attachment.read_only, shareable=disk.shareable, pass_discard=attachment.pass_discard,
            wipe_after_delete=disk.wipe_after_delete, storage_domain_id=disk.storage_domain_id,
            active=attachment.active))
    nics = session.execute(
        select(m.Nic, m.VnicProfile.name, m.Network.name)
        .outerjoin(m.VnicProfile, m.VnicProfile.id == m.Nic.vnic_profile_id)
        .outerjoin(m.Network, m.Network.id == m.VnicProfile.network_id)
        .where(m.Nic.vm_id == vm.id).order_by(m.Nic.name)
    ).all()
    for nic, profile, network in nics:
        data.nics.append(OvfNic(id=nic.id, name=nic.name, interface=nic.interface, mac=nic.mac, network=network,
                                vnic_profile=profile, linked=nic.linked, plugged=nic.plugged))
    return data


def vm_ovf(session: Session, vm: m.Vm, now: Optional[dt.datetime] = None) -> str:
    """The OVF of ``vm`` as the engine writes it."""
    return build_ovf(ovf_data(session, vm), now)
