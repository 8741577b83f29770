"""Schemas of VMs, templates, their disk attachments and vNICs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from marshmallow import ValidationError

from engine_api.statistics.schemas import Owner
from engine_api.storage.schemas import Disk
from engine_api.types import enums
from engine_api.types.base import ComputedSchema, StructSchema, TypeSchema
from engine_api.types.common import Identified, Mac, Named, Topology, owner_href
from engine_api.types.fields import (
    Boolean,
    DateTime,
    Enum,
    Inline,
    Integer,
    Ref,
    RefSpec,
    String,
    Struct,
    WrappedList,
)


class VmCpu(StructSchema):
    topology = Inline(Topology)
    architecture = Enum(enums.ARCHITECTURE, attribute="cpu_architecture")


class Boot(StructSchema):
    devices = WrappedList("device", Enum(enums.BOOT_DEVICE), attribute="boot_devices")


class OperatingSystem(StructSchema):
    type = String(attribute="os_type")
    boot = Inline(Boot)


class MemoryPolicy(StructSchema):
    guaranteed = Integer(attribute="memory_guaranteed")
    max = Integer(attribute="memory_max")


class Display(StructSchema):
    type = Enum(enums.DISPLAY_TYPE, attribute="display_type")


class HighAvailability(StructSchema):
    enabled = Boolean(attribute="high_availability")


class VmBase(Named):
    """Attributes VMs and templates share."""

    memory = Integer()
    memory_policy = Inline(MemoryPolicy)
    cpu = Inline(VmCpu)
    os = Inline(OperatingSystem)
    type = Enum(enums.VM_TYPE)
    stateless = Boolean()
    origin = String(dump_only=True)
    display = Inline(Display)
    high_availability = Inline(HighAvailability)
    creation_time = DateTime(dump_only=True)
    cluster = Ref("clusters", attribute="cluster_id")


class Console(StructSchema):
    """Whether the VM has a serial console; rendered only with ``all_content=true``."""

    enabled = Boolean(attribute="console_enabled", load_only=True)


class PlacementHosts(StructSchema):
    hosts = WrappedList("host", Ref("hosts"), attribute="placement_host_ids")


class Vm(VmBase):
    type_name, plural, collection = "vm", "vms", "vms"
    links = (
        ("diskattachments", "disk_attachments", "disk_attachment"),
        ("nics", "nics", "nic"),
        ("statistics", "statistics", "statistic"),
        ("graphicsconsoles", "graphics_consoles", "graphics_console"),
        ("cdroms", "cdroms", "cdrom"),
        ("snapshots", "snapshots", "snapshot"),
        ("reporteddevices", "reported_devices", "reported_device"),
        ("applications", "applications", "application"),
    )
    actions = (
        "cancelmigration", "migrate", "reboot", "reset", "shutdown", "start", "stop", "suspend",
    )

    status = Enum(enums.VM_STATUS, dump_only=True)
    template = Ref("templates", attribute="template_id")
    host = Ref("hosts", attribute="host_id", dump_only=True)
    placement_policy = Inline(PlacementHosts)
    snapshots = WrappedList("snapshot", Struct(Identified), attribute="source_snapshots", load_only=True)
    console = Inline(Console)
    start_time = DateTime(dump_only=True)
    stop_time = DateTime(dump_only=True)
    stop_reason = String(dump_only=True)
    run_once = Boolean(dump_only=True)


class TemplateVersion(StructSchema):
    base_template = Ref("templates", attribute="base_template_ref")
    version_name = String(attribute="version_name")
    version_number = Integer(attribute="version_number", dump_only=True)


class Template(VmBase):
    type_name, plural, collection = "template", "templates", "templates"
    links = (
        ("diskattachments", "disk_attachments", "disk_attachment"),
        ("nics", "nics", "nic"),
    )

    status = Enum(enums.TEMPLATE_STATUS, dump_only=True)
    version = Inline(TemplateVersion)
    vm = Ref("vms", attribute="source_vm_id", load_only=True)


class Nic(TypeSchema):
    type_name, plural, collection = "nic", "nics", "nics"

    name = String()
    description = String()
    comment = String()
    interface = Enum(enums.NIC_INTERFACE)
    mac = Inline(Mac)
    vnic_profile = Ref("vnicprofiles", attribute="vnic_profile_id")
    plugged = Boolean()
    linked = Boolean()
    vm = Ref("vms", attribute="vm_id", dump_only=True)
    template = Ref("templates", attribute="template_id", dump_only=True)

    @classmethod
    def href(cls, obj: Any) -> str:
        return f"{owner_href(obj)}/nics/{obj.id}"


@dataclass(frozen=True)
class DiskSnapshotRef:
    """A disk as one of its VM's snapshots holds it: ``<disk id="…"><snapshot id="…"/></disk>``."""

    disk: RefSpec
    snapshot_id: str


class DiskRef(Ref):
    """A disk attachment's disk: a reference by id, a disk as a snapshot holds it, or a whole new
    disk to create."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, Mapping) and "id" not in value and "href" not in value:
            return Disk().load(value)
        ref = super()._deserialize(value, attr, data, **kwargs)
        snapshot = value.get("snapshot")
        if snapshot is None or snapshot == "":
            return ref
        snapshot_id = snapshot.get("id") if isinstance(snapshot, Mapping) else None
        if not isinstance(snapshot_id, str) or not snapshot_id:
            raise ValidationError("A disk's snapshot must be a reference with an id.")
        return DiskSnapshotRef(ref, snapshot_id)


class DiskAttachment(TypeSchema):
    type_name, plural, collection = "disk_attachment", "disk_attachments", "diskattachments"

    disk = DiskRef("disks", attribute="disk_id")
    interface = Enum(enums.DISK_INTERFACE)
    bootable = Boolean()
    active = Boolean()
    pass_discard = Boolean()
    read_only = Boolean()
    uses_scsi_reservation = Boolean()
    logical_name = String(dump_only=True)
    vm = Ref("vms", attribute="vm_id", dump_only=True)
    template = Ref("templates", attribute="template_id", dump_only=True)

    @classmethod
    def href(cls, obj: Any) -> str:
        return f"{owner_href(obj)}/diskattachments/{obj.disk_id}"


class GraphicsConsole(ComputedSchema):
    type_name, plural, collection = "graphics_console", "graphics_consoles", "graphicsconsoles"
    actions = ("remoteviewerconnectionfile", "ticket")

    protocol = Enum(enums.DISPLAY_TYPE)
    address = String(dump_only=True)
    port = Integer(dump_only=True)
    tls_port = Integer(dump_only=True)
    vm = Struct(Owner, dump_only=True)


class File(StructSchema):
    id = String()


class Cdrom(ComputedSchema):
    type_name, plural, collection = "cdrom", "cdroms", "cdroms"

    file = Struct(File)
    vm = Struct(Owner, dump_only=True)


class Ip(StructSchema):
    address = String(dump_only=True)
    netmask = String(dump_only=True)
    gateway = String(dump_only=True)
    version = String(dump_only=True)


class ReportedDevice(ComputedSchema):
    type_name, plural, collection = "reported_device", "reported_devices", "reporteddevices"

    name = String(dump_only=True)
    description = String(dump_only=True)
    type = String(dump_only=True)
    mac = Inline(Mac, dump_only=True)
    ips = WrappedList("ip", Struct(Ip), dump_only=True)
    vm = Struct(Owner, dump_only=True)


class Application(ComputedSchema):
    type_name, plural, collection = "application", "applications", "applications"

    name = String(dump_only=True)
    vm = Struct(Owner, dump_only=True)
