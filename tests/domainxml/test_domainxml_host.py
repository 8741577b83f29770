"""The simulated host: what libvirt reports after starting a run-VM XML, and hot-plug/unplug on it."""
from __future__ import annotations

from collections import Counter

import pytest

import domainxml as dx
from domainxml.host import DEVICE_ORDER
from tests.domainxml.specs import NAMED_SPECS, desktop, headless, server, uid, windows


def started(spec: dx.VmSpec, domain_id: int = 1):
    return dx.parse_xml(dx.start_domain(dx.build(spec), domain_id=domain_id))


def pci_slots(root) -> list[tuple[str, str, str]]:
    return [(address.get("bus"), address.get("slot"), address.get("function"))
            for address in root.iterfind("devices/*/address[@type='pci']")]


@pytest.mark.parametrize("name", sorted(NAMED_SPECS))
def test_every_pci_address_is_unique_and_every_device_is_named(name: str) -> None:
    root = started(NAMED_SPECS[name]())
    slots = pci_slots(root)
    assert len(slots) == len(set(slots))
    for device in root.find("devices"):
        if device.tag in ("graphics", "emulator") or (device.tag == "memballoon" and device.get("model") == "none"):
            continue
        assert device.find("alias") is not None, device.tag
    aliases = [alias.get("name") for alias in root.iter("alias")]
    assert len(aliases) == len(set(aliases))


def test_known_addresses_are_kept_and_new_devices_get_free_slots_on_bus_0() -> None:
    spec = server()
    root = started(spec)
    disk = root.find(f"devices/disk[serial='{uid('server/os')}']/address")
    assert (disk.get("bus"), disk.get("slot")) == ("0x00", "0x08")
    nic = next(i for i in root.iterfind("devices/interface") if i.find("mac").get("address") == "56:6f:1a:2b:00:1a")
    assert nic.find("address").get("slot") == "0x03"
    new = root.find(f"devices/disk[serial='{uid('server/logs')}']/address")
    assert new.get("bus") == "0x00" and new.get("slot") not in ("0x00", "0x03", "0x05", "0x08", "0x1f")
    assert root.find("devices/video/address").get("slot") == "0x01"  # q35's usual slot for the primary card
    assert started(windows()).find("devices/video/address").get("slot") == "0x02"


def test_drive_addresses_follow_the_target_names() -> None:
    root = started(windows())  # IDE: hda, hdb, CD-ROM on hdc
    drives = {disk.find("target").get("dev"): dict(disk.find("address").attrib) for disk in root.iterfind("devices/disk")}
    assert drives["hda"] == {"type": "drive", "controller": "0", "bus": "0", "target": "0", "unit": "0"}
    assert drives["hdb"] == {"type": "drive", "controller": "0", "bus": "0", "target": "0", "unit": "1"}
    assert drives["hdc"] == {"type": "drive", "controller": "0", "bus": "1", "target": "0", "unit": "0"}
    root = started(server())  # SATA sdb and CD-ROM sdc, SCSI sda kept from the spec
    units = {disk.find("target").get("dev"): disk.find("address").get("unit") for disk in root.iterfind("devices/disk")
             if disk.find("target").get("bus") in ("sata", "scsi")}
    assert units == {"sda": "0", "sdb": "1", "sdc": "2"}


def test_libvirt_adds_its_own_controllers_and_aliases() -> None:
    q35 = {(c.get("type"), c.get("model"), c.find("alias").get("name")) for c in started(desktop()).iterfind(
        "devices/controller")}
    assert {("pci", "pcie-root", "pcie.0"), ("sata", None, "ide")} <= q35
    assert ("usb", "qemu-xhci", "usb") in q35  # the engine's USB controller, named by libvirt
    i440fx = {(c.get("type"), c.find("alias").get("name"), c.find("address").get("slot") + "." +
               c.find("address").get("function") if c.find("address") is not None else None)
              for c in started(windows()).iterfind("devices/controller")}
    assert {("pci", "pci.0", None), ("ide", "ide", "0x01.0x1"), ("usb", "usb", "0x01.0x2")} <= i440fx
    bare = started(headless())  # no agent channels, only SPICE's: libvirt adds the virtio-serial controller
    assert [(c.get("type"), c.find("alias").get("name")) for c in bare.iterfind("devices/controller")] == [
        ("pci", "pcie.0"), ("sata", "ide"), ("usb", "usb"), ("virtio-serial", "virtio-serial0")]
    assert [c.find("alias").get("name") for c in bare.iterfind("devices/channel")] == ["channel0"]


def test_libvirt_names_only_devices_without_an_alias() -> None:
    spec = desktop()
    root = started(spec)
    channels = [(channel.find("target").get("name"), channel.find("alias").get("name"),
                 channel.find("address").get("port")) for channel in root.iterfind("devices/channel")]
    assert channels == [("ovirt-guest-agent.0", "channel0", "1"), ("org.qemu.guest_agent.0", "channel1", "2"),
                        ("com.redhat.spice.0", "channel2", "3")]
    assert root.find("devices/interface/alias").get("name") == f"ua-{uid('desktop/nic0')}"
    assert [i.find("alias").get("name") for i in root.iterfind("devices/input")] == ["input0", "input1"]


def test_a_domain_written_without_user_aliases_gets_net0_style_names() -> None:
    xml = dx.build(windows())
    for device in dx.known_devices(windows()):
        xml = xml.replace(f'<alias name="ua-{device.id}"/>', "")
    root = dx.parse_xml(dx.start_domain(xml))
    names = Counter(alias.get("name") for alias in root.iter("alias"))
    assert {"net0", "ide0-0-0", "ide0-0-1", "ide0-1-0", "video0", "balloon0", "sound0", "virtio-serial0"} <= set(names)
    assert all(count == 1 for count in names.values())


def test_nics_get_host_devices_and_the_networkless_one_sits_on_vdsmdummy() -> None:
    root = started(server())
    interfaces = {i.find("mac").get("address").lower(): i for i in root.iterfind("devices/interface")}
    assert sorted(i.find("target").get("dev") for i in interfaces.values()) == ["vnet0", "vnet1", "vnet2", "vnet3"]
    assert interfaces["56:6f:1a:2b:00:1d"].find("source").get("bridge") == ";vdsmdummy;"


def test_graphics_get_ports_and_smbios_placeholders_are_filled() -> None:
    root = started(desktop(), domain_id=3)
    graphics = root.find("devices/graphics")
    assert (graphics.get("port"), graphics.get("tlsPort"), graphics.get("passwd")) == ("5904", "5905", None)
    entries = {entry.get("name"): entry.text for entry in root.iterfind("sysinfo/system/entry")}
    assert entries["product"] == "RHEL" and entries["serial"] == dx.HostIdentity().serial
    assert root.get("id") == "3"


def test_devices_are_listed_in_libvirts_order() -> None:
    tags = [device.tag for device in started(server()).find("devices")]
    positions = [DEVICE_ORDER.index(tag) for tag in tags]
    assert positions == sorted(positions)


def test_pci_bridges_are_added_when_bus_0_is_full() -> None:
    spec = headless()
    spec.disks = [dx.DiskSpec(id=uid(f"many/{n}"), volume_id=uid(f"many/{n}/v"), storage_domain_id=uid("sd"))
                  for n in range(40)]
    root = started(spec)
    slots = pci_slots(root)
    assert len(slots) == len(set(slots))
    bridge = root.find("devices/controller[@model='pci-bridge']")
    assert bridge.get("index") == "1" and bridge.find("alias").get("name") == "pci.1"
    assert {slot[0] for slot in slots} == {"0x00", "0x01"}
    dx.validate(root)


def test_a_duplicate_alias_is_refused_like_libvirt_does() -> None:
    xml = dx.build(desktop()).replace(f"ua-{uid('desktop/rng')}", f"ua-{uid('desktop/balloon')}")
    with pytest.raises(dx.DomainXmlError, match="non unique alias"):
        dx.start_domain(xml)


def test_starting_the_same_xml_twice_reports_the_same_domain() -> None:
    first = dx.start_domain(dx.build(server()))
    assert dx.start_domain(dx.build(server())) == first
    assert dx.devices_hash(first) == dx.devices_hash(dx.start_domain(dx.build(server())))
    assert dx.devices_hash(first) != dx.devices_hash(dx.start_domain(dx.build(server()), domain_id=9))  # VNC port
