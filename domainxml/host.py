"""A simulated host: what libvirt (with VDSM) reports for a domain started from a run-VM XML,
and how hot-plug and hot-unplug change it.

Starting a domain does what libvirt's QEMU driver does to the definition:

- gives PCI addresses (distinct slots on bus 0, then behind added PCI bridges) to devices that
  have none, keeping the addresses that were given; the primary video card gets the machine's
  usual slot;
- gives drive addresses to SCSI, SATA and IDE disks from their target names, and virtio-serial
  ports to channels;
- adds the controllers it needs itself (PCI root, SATA or IDE, USB, virtio-serial, SCSI) and a
  PS/2 keyboard, with its own aliases;
- names every device without an alias the way QEMU's driver does (``net0``, ``virtio-disk0``,
  ``sata0-0-2``, ``channel0``, ``pci.0``, ``usb``…) and keeps ``ua-`` aliases;
- puts devices in libvirt's order, gives NICs their ``vnetN`` host device and graphics their
  ports, and fills in the SMBIOS placeholders.

A vNIC without a network is reported on ``;vdsmdummy;``, as VDSM defines it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .errors import DomainXmlError
from .hotplug import read_message
from .metadata import DeviceMetadata, Metadata
from .namespaces import OVIRT_VM_NS
from .naming import disk_index
from .safexml import parse_xml
from .spec import VDSM_DUMMY_BRIDGE

DEVICE_ORDER = ("emulator", "disk", "controller", "lease", "filesystem", "interface", "smartcard", "serial",
                "parallel", "console", "channel", "input", "tpm", "graphics", "sound", "audio", "video",
                "hostdev", "redirdev", "redirfilter", "hub", "watchdog", "memballoon", "rng", "panic", "shmem",
                "memory", "iommu", "vsock")
"""The order in which libvirt lists devices."""

SMBIOS_VALUES = {"OS-NAME:": "RHEL", "OS-VERSION:": "8.6-1.el8"}

_VIRTIO_PCI_CONTROLLERS = {"virtio-serial", "scsi"}


@dataclass
class HostIdentity:
    """What the simulated host puts into the domains it runs."""

    serial: str = "4c4c4544-0034-5a10-8052-b4c04f563232"
    os_name: str = SMBIOS_VALUES["OS-NAME:"]
    os_version: str = SMBIOS_VALUES["OS-VERSION:"]


@dataclass
class _PciAllocator:
    """Free PCI slots: bus 0 first, then PCI bridges added to the domain as buses fill up."""

    devices: etree._Element
    q35: bool
    used: dict[int, set[int]] = field(default_factory=dict)
    bridges: int = 0

    def __post_init__(self) -> None:
        self.used.setdefault(0, set()).update({0x00, 0x1F} if self.q35 else {0x00, 0x01})
        for address in self.devices.iter("address"):
            if address.get("type") == "pci" and address.getparent().tag != "source":
                self.used.setdefault(_number(address.get("bus", "0")), set()).add(_number(address.get("slot", "0")))
        for controller in self.devices.iterchildren("controller"):
            if controller.get("type") == "pci" and controller.get("model") == "pci-bridge":
                self.bridges = max(self.bridges, _number(controller.get("index", "0")))

    def take(self, slot: int, bus: int = 0) -> bool:
        """Take a particular slot when it is free."""
        taken = self.used.setdefault(bus, set())
        if slot in taken:
            return False
        taken.add(slot)
        return True

    def next(self) -> dict[str, str]:
        """The next free slot's address, adding a PCI bridge when every bus is full."""
        for bus in sorted(self.used):
            first = 0x02 if bus == 0 else 0x01
            for slot in range(first, 0x20):
                if slot not in self.used[bus]:
                    self.used[bus].add(slot)
                    return pci_address(bus, slot)
        bridge_address = self.next_on_existing_bus()
        self.bridges += 1
        bridge = etree.Element("controller", type="pci", index=str(self.bridges), model="pci-bridge")
        etree.SubElement(bridge, "alias", name=f"pci.{self.bridges}")
        etree.SubElement(bridge, "address", bridge_address)
        self.devices.append(bridge)
        self.used[self.bridges] = {0x00}
        return self.next()

    def next_on_existing_bus(self) -> dict[str, str]:
        # A bridge needs a slot on some bus; when none is left the domain cannot take more devices.
        for bus in sorted(self.used):
            for slot in range(0x01, 0x20):
                if slot not in self.used[bus]:
                    self.used[bus].add(slot)
                    return pci_address(bus, slot)
        raise DomainXmlError("no PCI slot is left for another device")


def pci_address(bus: int, slot: int, function: int = 0) -> dict[str, str]:
    """A PCI ``<address>`` attribute dict the way libvirt formats it."""
    return {"type": "pci", "domain": "0x0000", "bus": f"0x{bus:02x}", "slot": f"0x{slot:02x}",
            "function": f"0x{function:x}"}


def _number(text: str) -> int:
    return int(text, 16) if text.lower().startswith("0x") else int(text)


def start_domain(xml: str | bytes, *, domain_id: int = 1, host: HostIdentity | None = None) -> str:
    """The Domain XML libvirt reports after starting the run-VM XML ``xml`` (see the module documentation)."""
    host = host or HostIdentity()
    root = parse_xml(xml, what="Domain XML")
    if root.tag != "domain":
        raise DomainXmlError(f"Domain XML: the root element is <{root.tag}>, not <domain>")
    devices = root.find("devices")
    if devices is None:
        devices = etree.SubElement(root, "devices")
    root.set("id", str(domain_id))
    _fill_sysinfo(root, host)
    q35 = "q35" in _machine(root)
    _check_unique_aliases(devices)
    _add_controllers(devices, q35)
    _add_keyboard(devices)
    allocator = _PciAllocator(devices, q35)
    primary_slot = 0x01 if q35 else 0x02
    primary_video = devices.find("video")
    if primary_video is not None and primary_video.find("address") is None and allocator.take(primary_slot):
        _set_address(primary_video, pci_address(0, primary_slot))
    counters = _AliasCounters()
    counters.seed(devices)
    for device in list(devices):
        _start_device(device, allocator, counters, domain_id)
    _sort_devices(devices)
    return _serialize(root)


def apply_hotplug(reported_xml: str | bytes, message_xml: str | bytes) -> str:
    """The reported Domain XML after hot-plugging the device of ``message_xml`` into it."""
    root = parse_xml(reported_xml, what="Domain XML")
    message = read_message(message_xml)
    if message.kind != "hotplug":
        raise DomainXmlError("expected a <hotplug> message")
    devices = root.find("devices")
    if devices is None:
        raise DomainXmlError("Domain XML has no <devices>")
    device = message.device
    alias = message.alias
    if alias is not None and any(existing.get("name") == alias for existing in devices.iter("alias")):
        raise DomainXmlError(f"non unique alias detected: {alias}")
    if device.tag == "interface":
        mac = _attribute(device, "mac", "address").lower()
        if mac and any(_attribute(existing, "mac", "address").lower() == mac
                       for existing in devices.iterchildren("interface")):
            raise DomainXmlError(f"a NIC with MAC address {mac} is plugged already")
    if device.tag == "disk":
        target = device.find("target")
        name = target.get("dev") if target is not None else None
        if name and any(existing.get("dev") == name for existing in devices.iterfind("disk/target")):
            raise DomainXmlError(f"target {name} is in use already")
    allocator = _PciAllocator(devices, "q35" in _machine(root))
    counters = _AliasCounters()
    counters.seed(devices)
    devices.append(device)
    _start_device(device, allocator, counters, _number(root.get("id", "1")))
    _sort_devices(devices)
    if message.metadata is not None and message.metadata.devices:
        _merge_metadata(root, message.metadata.devices)
    return _serialize(root)


def apply_hotunplug(reported_xml: str | bytes, message_xml: str | bytes) -> str:
    """The reported Domain XML after removing the device ``message_xml`` names by alias."""
    root = parse_xml(reported_xml, what="Domain XML")
    message = read_message(message_xml)
    if message.kind != "hotunplug":
        raise DomainXmlError("expected a <hotunplug> message")
    devices = root.find("devices")
    alias = message.alias
    for device in (devices.iterchildren(message.device.tag) if devices is not None else ()):
        if _attribute(device, "alias", "name") == alias:
            devices.remove(device)
            _drop_metadata(root, device)
            return _serialize(root)
    raise DomainXmlError(f"no {message.device.tag} with alias {alias} is plugged")


# -- starting devices --------------------------------------------------------------------------


class _AliasCounters:
    """The next free number of each libvirt alias family (``net``, ``channel``, ``video``…)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def seed(self, devices: etree._Element) -> None:
        for alias in devices.iter("alias"):
            self.used.add(alias.get("name", ""))

    def next(self, stem: str) -> str:
        number = 0
        while f"{stem}{number}" in self.used:
            number += 1
        name = f"{stem}{number}"
        self.used.add(name)
        return name

    def claim(self, name: str) -> str:
        self.used.add(name)
        return name


_PCI_DEVICE_TAGS = {"interface", "video", "memballoon", "rng", "watchdog", "sound"}
_STEMS = {"interface": "net", "video": "video", "memballoon": "balloon", "rng": "rng", "watchdog": "watchdog",
          "sound": "sound", "channel": "channel", "console": "console", "input": "input", "serial": "serial",
          "redirdev": "redir", "hostdev": "hostdev", "memory": "dimm", "smartcard": "smartcard"}


def _start_device(device: etree._Element, allocator: _PciAllocator, counters: _AliasCounters,
                  domain_id: int) -> None:
    tag = device.tag
    if not isinstance(tag, str):
        return
    if tag == "memballoon" and device.get("model") == "none":
        return
    if tag == "disk":
        _start_disk(device, allocator, counters)
    elif tag == "controller":
        _start_controller(device, allocator, counters)
    elif tag == "channel":
        _start_channel(device, counters)
    elif tag == "interface":
        _start_interface(device, counters)
    elif tag == "graphics":
        _start_graphics(device, domain_id)
    elif tag == "hostdev" and device.get("type") == "pci" and device.find("address") is None:
        _set_address(device, allocator.next())
    if tag in _PCI_DEVICE_TAGS and device.find("address") is None:
        _set_address(device, allocator.next())
    if tag in _STEMS and device.find("alias") is None:
        _set_alias(device, counters.next(_STEMS[tag]))


def _start_disk(disk: etree._Element, allocator: _PciAllocator, counters: _AliasCounters) -> None:
    target = disk.find("target")
    bus = target.get("bus", "") if target is not None else ""
    name = target.get("dev", "") if target is not None else ""
    if bus == "virtio":
        if disk.find("address") is None:
            _set_address(disk, allocator.next())
        if disk.find("alias") is None:
            _set_alias(disk, counters.claim(f"virtio-disk{disk_index(name)}"))
        return
    if bus not in ("scsi", "sata", "ide", "fdc"):
        return
    address = disk.find("address")
    if address is None:
        index = disk_index(name)
        if bus == "ide":
            controller, unit_bus, unit = index // 4, (index % 4) // 2, index % 2
        elif bus == "sata":
            controller, unit_bus, unit = index // 6, 0, index % 6
        else:
            controller, unit_bus, unit = 0, 0, index
        _set_address(disk, {"type": "drive", "controller": str(controller), "bus": str(unit_bus), "target": "0",
                            "unit": str(unit)})
        address = disk.find("address")
    if disk.find("alias") is None:
        prefix = "fdc" if bus == "fdc" else bus
        _set_alias(disk, counters.claim(
            f"{prefix}{address.get('controller', '0')}-{address.get('bus', '0')}-{address.get('unit', '0')}"))


def _start_controller(controller: etree._Element, allocator: _PciAllocator, counters: _AliasCounters) -> None:
    kind = controller.get("type", "")
    index = controller.get("index", "0")
    model = controller.get("model", "")
    if controller.find("alias") is None:
        if kind == "pci":
            name = "pcie.0" if model == "pcie-root" else f"pci.{index}"
        elif kind in ("ide", "sata"):
            name = "ide" if index == "0" else f"{kind}{index}"
        elif kind == "usb":
            name = "usb" if index == "0" else f"usb{index}"
        else:
            name = f"{kind}{index}"
        _set_alias(controller, counters.claim(name))
    if controller.find("address") is not None or model in ("none", "pci-root", "pcie-root"):
        return
    if kind == "usb" and model == "piix3-uhci" and not allocator.q35:
        _set_address(controller, pci_address(0, 0x01, 2))  # a function of the PIIX3 chip, like its IDE
    elif kind in _VIRTIO_PCI_CONTROLLERS or kind == "usb":
        _set_address(controller, allocator.next())


def _start_channel(channel: etree._Element, counters: _AliasCounters) -> None:
    target = channel.find("target")
    if target is not None and target.get("type") == "virtio":
        if target.get("state") is None:
            target.set("state", "disconnected")
        if channel.find("address") is None:
            taken = {_number(address.get("port", "0")) for address in
                     channel.getparent().iterfind("channel/address") if address.get("type") == "virtio-serial"}
            port = next(number for number in range(1, 1 << 16) if number not in taken)
            _set_address(channel, {"type": "virtio-serial", "controller": "0", "bus": "0", "port": str(port)})


def _start_interface(interface: etree._Element, counters: _AliasCounters) -> None:
    source = interface.find("source")
    if source is not None and interface.get("type") == "bridge" and not source.get("bridge"):
        source.set("bridge", VDSM_DUMMY_BRIDGE)
    if interface.find("target") is None:
        taken = {target.get("dev") for target in interface.getparent().iterfind("interface/target")}
        number = next(number for number in range(1 << 16) if f"vnet{number}" not in taken)
        _insert_after(interface, etree.Element("target", dev=f"vnet{number}"), "source")


def _start_graphics(graphics: etree._Element, domain_id: int) -> None:
    graphics.attrib.pop("passwd", None)  # libvirt reports passwords only when asked for secure XML
    if graphics.get("autoport") == "yes":
        base = 5900 + 2 * (domain_id - 1)
        graphics.set("port", str(base))
        if graphics.get("type") == "spice":
            graphics.set("tlsPort", str(base + 1))


# -- controllers and inputs libvirt adds ---------------------------------------------------------


def _add_controllers(devices: etree._Element, q35: bool) -> None:
    present = {(controller.get("type"), controller.get("index", "0")) for controller in
               devices.iterchildren("controller")}
    added: list[etree._Element] = []
    if ("pci", "0") not in present:
        added.append(etree.Element("controller", type="pci", index="0", model="pcie-root" if q35 else "pci-root"))
    if q35 and ("sata", "0") not in present:
        sata = etree.Element("controller", type="sata", index="0")
        etree.SubElement(sata, "address", pci_address(0, 0x1F, 2))
        added.append(sata)
    if not q35 and ("ide", "0") not in present:
        ide = etree.Element("controller", type="ide", index="0")
        etree.SubElement(ide, "address", pci_address(0, 0x01, 1))
        added.append(ide)
    if ("usb", "0") not in present:
        usb = etree.Element("controller", type="usb", index="0", model="qemu-xhci" if q35 else "piix3-uhci")
        if not q35:
            etree.SubElement(usb, "address", pci_address(0, 0x01, 2))
        added.append(usb)
    channels = any(channel.find("target") is not None and channel.find("target").get("type") == "virtio"
                   for channel in devices.iterchildren("channel"))
    consoles = any(console.find("target") is not None and console.find("target").get("type") == "virtio"
                   for console in devices.iterchildren("console"))
    if (channels or consoles) and ("virtio-serial", "0") not in present:
        added.append(etree.Element("controller", type="virtio-serial", index="0"))
    scsi_disks = any(target.get("bus") == "scsi" for target in devices.iterfind("disk/target"))
    if scsi_disks and ("scsi", "0") not in present:
        added.append(etree.Element("controller", type="scsi", index="0", model="virtio-scsi"))
    for controller in added:
        devices.append(controller)


def _add_keyboard(devices: etree._Element) -> None:
    inputs = list(devices.iterchildren("input"))
    if any(device.get("bus") == "ps2" for device in inputs) and not any(
            device.get("type") == "keyboard" for device in inputs):
        devices.append(etree.Element("input", type="keyboard", bus="ps2"))


# -- helpers -----------------------------------------------------------------------------------


def _attribute(element: etree._Element, child: str, name: str) -> str:
    """An attribute of a child element, ``''`` when either is missing."""
    found = element.find(child)
    return found.get(name, "") if found is not None else ""


def _machine(root: etree._Element) -> str:
    return _attribute(root, "os/type", "machine")


def _check_unique_aliases(devices: etree._Element) -> None:
    seen: set[str] = set()
    for alias in devices.iter("alias"):
        name = alias.get("name", "")
        if name in seen:
            raise DomainXmlError(f"non unique alias detected: {name}")
        seen.add(name)


def _fill_sysinfo(root: etree._Element, host: HostIdentity) -> None:
    values = {"OS-NAME:": host.os_name, "OS-VERSION:": host.os_version, "HOST-SERIAL:": host.serial}
    for entry in root.iterfind("sysinfo/system/entry"):
        if entry.text in values:
            entry.text = values[entry.text]


def _set_alias(device: etree._Element, name: str) -> None:
    alias = etree.Element("alias", name=name)
    address = device.find("address")
    if address is not None:
        address.addprevious(alias)
    else:
        device.append(alias)


def _set_address(device: etree._Element, address: dict[str, str]) -> None:
    existing = device.find("address")
    if existing is not None:
        device.remove(existing)
    element = etree.Element("address", address)
    alias = device.find("alias")
    if alias is not None:
        alias.addnext(element)
    else:
        device.append(element)


def _insert_after(device: etree._Element, element: etree._Element, after: str) -> None:
    anchor = device.find(after)
    if anchor is not None:
        anchor.addnext(element)
    else:
        device.append(element)


def _sort_devices(devices: etree._Element) -> None:
    rank = {tag: position for position, tag in enumerate(DEVICE_ORDER)}
    children = list(devices)
    children.sort(key=lambda child: rank.get(child.tag, len(rank)) if isinstance(child.tag, str) else len(rank))
    devices[:] = children


def _metadata_vm(root: etree._Element) -> etree._Element:
    metadata = root.find("metadata")
    if metadata is None:
        metadata = etree.SubElement(root, "metadata")
    vm = metadata.find(f"{{{OVIRT_VM_NS}}}vm")
    if vm is None:
        vm = etree.SubElement(metadata, f"{{{OVIRT_VM_NS}}}vm", nsmap={"ovirt-vm": OVIRT_VM_NS})
    return vm


def _merge_metadata(root: etree._Element, entries: list[DeviceMetadata]) -> None:
    vm = _metadata_vm(root)
    current = Metadata.from_element(vm.getparent())
    for entry in entries:
        key = ("mac_address",) if "mac_address" in entry.attrs else tuple(
            name for name in ("devtype", "name") if name in entry.attrs) or None
        current.put_device(entry, key=key)
    _replace_device_entries(vm, current.devices)


def _drop_metadata(root: etree._Element, device: etree._Element) -> None:
    metadata = root.find("metadata")
    if metadata is None or metadata.find(f"{{{OVIRT_VM_NS}}}vm") is None:
        return
    vm = metadata.find(f"{{{OVIRT_VM_NS}}}vm")
    current = Metadata.from_element(metadata)
    if device.tag == "interface" and _attribute(device, "mac", "address"):
        current.remove_devices(mac_address=_attribute(device, "mac", "address"))
    elif device.tag == "disk" and _attribute(device, "target", "dev"):
        current.remove_devices(devtype="disk", name=_attribute(device, "target", "dev"))
    _replace_device_entries(vm, current.devices)


def _replace_device_entries(vm: etree._Element, entries: list[DeviceMetadata]) -> None:
    for old in vm.findall(f"{{{OVIRT_VM_NS}}}device"):
        vm.remove(old)
    scratch = Metadata(devices=entries).to_element()
    for entry in scratch.find(f"{{{OVIRT_VM_NS}}}vm"):
        vm.append(entry)


def _serialize(root: etree._Element) -> str:
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding=str)
