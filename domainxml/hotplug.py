"""Hot-plug and hot-unplug messages for disks and NICs, as the engine sends them to the host.

A hot-plug carries one device and its metadata entry::

    <hotplug xmlns:ovirt-vm="http://ovirt.org/vm/1.0">
      <devices><interface type="bridge">…<alias name="ua-…"/>…</interface></devices>
      <metadata><ovirt-vm:vm><ovirt-vm:device mac_address="…">…</ovirt-vm:device></ovirt-vm:vm></metadata>
    </hotplug>

A hot-unplug names the device by its alias only::

    <hotunplug><devices><interface><alias name="ua-…"/></interface></devices></hotunplug>
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from lxml import etree

from . import builder
from . import elements as el
from .errors import DomainXmlError
from .metadata import Metadata
from .namespaces import OVIRT_VM_NS
from .safexml import parse_xml
from .spec import DiskSpec, NicSpec, VmSpec
from .xmlmodel import Child, XmlObject

HOTPLUG_DEVICE_TAGS = ("disk", "interface")


class Hotplug(XmlObject):
    """``<hotplug>``: one device and its metadata."""

    TAG = "hotplug"
    NSMAP: ClassVar[dict[str, str] | None] = {"ovirt-vm": OVIRT_VM_NS}
    ORDER = ("devices", "metadata")
    devices = Child(el.Devices)
    metadata = Child(Metadata)


class Hotunplug(XmlObject):
    """``<hotunplug>``: the device to remove, named by its alias."""

    TAG = "hotunplug"
    ORDER = ("devices",)
    devices = Child(el.Devices)


def hotplug_nic(nic: NicSpec) -> str:
    """The hot-plug message for a vNIC."""
    message = Hotplug(devices=el.Devices(items=[builder.interface(nic)]),
                      metadata=Metadata(devices=[builder.nic_metadata(nic)]))
    return message.to_xml()


def hotplug_disk(vm: VmSpec, disk: DiskSpec, *, taken_names: Iterable[str] = ()) -> str:
    """The hot-plug message for a disk of ``vm``.

    The disk gets the first free target name on its bus after the VM's other disks and CD-ROM
    and ``taken_names`` (names the running VM reports in use).
    """
    others = VmSpec(**{**vm.__dict__, "disks": [other for other in vm.disks if other.id != disk.id]})
    taken = set(builder.disk_names(others).values()) | set(taken_names)
    probe = VmSpec(**{**vm.__dict__, "disks": [disk], "cdroms": []})
    probe.check()
    name = builder.disk_names(probe, frozenset(taken))[disk.id]
    message = Hotplug(devices=el.Devices(items=[builder.disk(disk, name)]),
                      metadata=Metadata(devices=[builder.disk_metadata(vm, disk, name)]))
    return message.to_xml()


def hotunplug_nic(nic_id: str) -> str:
    """The hot-unplug message for the vNIC with this device id."""
    return Hotunplug(devices=el.Devices(items=[el.Interface(alias=builder.alias(nic_id))])).to_xml()


def hotunplug_disk(disk_id: str) -> str:
    """The hot-unplug message for the disk with this id."""
    return Hotunplug(devices=el.Devices(items=[el.Disk(alias=builder.alias(disk_id))])).to_xml()


@dataclass
class HotplugMessage:
    """A hot-plug or hot-unplug message as read: its kind, the device element and the metadata."""

    kind: str
    device: etree._Element
    metadata: Metadata | None

    @property
    def alias(self) -> str | None:
        alias = self.device.find("alias")
        return alias.get("name") if alias is not None else None


def read_message(xml: str | bytes) -> HotplugMessage:
    """Read a ``<hotplug>`` or ``<hotunplug>`` message (one disk or interface)."""
    root = parse_xml(xml, what="hot-plug message")
    if root.tag not in ("hotplug", "hotunplug"):
        raise DomainXmlError(f"hot-plug message: the root element is <{root.tag}>, not <hotplug> or <hotunplug>")
    devices = root.find("devices")
    found = [child for child in devices if isinstance(child.tag, str)] if devices is not None else []
    if len(found) != 1 or found[0].tag not in HOTPLUG_DEVICE_TAGS:
        raise DomainXmlError(f"{root.tag} message: <devices> must hold exactly one <disk> or <interface>")
    device = found[0]
    metadata_element = root.find("metadata")
    message = HotplugMessage(root.tag, device,
                             Metadata.from_element(metadata_element) if metadata_element is not None else None)
    if root.tag == "hotunplug" and not message.alias:
        raise DomainXmlError("hotunplug message: the device has no <alias name>")
    return message
