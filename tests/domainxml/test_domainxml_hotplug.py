"""Hot-plug and hot-unplug of a disk and a NIC: the messages, the host applying them, monitoring seeing it."""
from __future__ import annotations

import pytest

import domainxml as dx
from domainxml.namespaces import OVIRT_VM_NS
from tests.domainxml.golden_files import check_golden, pretty_xml
from tests.domainxml.specs import desktop, server, uid

NEW_NIC = dx.NicSpec(id=uid("hotplug/nic"), mac="56:6F:1A:2B:00:99", network="ovirtmgmt",
                     network_filter="vdsm-no-mac-spoofing", custom_properties={"queues": "2", "SecurityGroups": "db"})


def new_disk(interface: str = "virtio") -> dx.DiskSpec:
    return dx.DiskSpec(id=uid(f"hotplug/disk/{interface}"), volume_id=uid(f"hotplug/disk/{interface}/vol"),
                       storage_domain_id=uid("nfs-data"), interface=interface)


def test_nic_hotplug_message_is_golden() -> None:
    check_golden("hotplug/nic.xml", pretty_xml(dx.hotplug_nic(NEW_NIC)))


def test_disk_hotplug_message_is_golden() -> None:
    check_golden("hotplug/disk.xml", pretty_xml(dx.hotplug_disk(server(), new_disk())))


def test_unplug_messages_name_the_device_by_alias_only() -> None:
    assert dx.hotunplug_nic(NEW_NIC.id) == (
        f'<hotunplug><devices><interface><alias name="ua-{NEW_NIC.id}"/></interface></devices></hotunplug>')
    assert dx.hotunplug_disk(uid("x")) == (
        f'<hotunplug><devices><disk><alias name="ua-{uid("x")}"/></disk></devices></hotunplug>')


def test_nic_message_carries_the_device_and_its_metadata_entry() -> None:
    message = dx.read_message(dx.hotplug_nic(NEW_NIC))
    assert message.kind == "hotplug" and message.device.tag == "interface"
    assert message.alias == f"ua-{NEW_NIC.id}"
    assert message.device.find("address") is None
    entry = message.metadata.nic("56:6f:1a:2b:00:99")
    assert entry.values == {"custom": {"SecurityGroups": "db"}}
    root = dx.parse_xml(dx.hotplug_nic(NEW_NIC))
    assert root.nsmap == {"ovirt-vm": OVIRT_VM_NS} and [child.tag for child in root] == ["devices", "metadata"]


def test_disk_message_takes_the_next_free_name_on_its_bus() -> None:
    vm = server()  # vda, vdb on virtio; sda on scsi; sdb on sata; CD-ROM on sdc
    names = {interface: dx.read_message(dx.hotplug_disk(vm, new_disk(interface))).device.find("target").get("dev")
             for interface in ("virtio", "virtio_scsi", "sata", "ide")}
    assert names == {"virtio": "vdc", "virtio_scsi": "sdd", "sata": "sdd", "ide": "hda"}
    taken = dx.read_message(dx.hotplug_disk(vm, new_disk(), taken_names={"vdc", "vdd"}))
    assert taken.device.find("target").get("dev") == "vde"
    message = dx.read_message(dx.hotplug_disk(vm, new_disk("sata")))
    assert message.metadata.disk("sdd").values == {"poolID": uid("pool"), "domainID": uid("nfs-data"),
                                                   "imageID": new_disk("sata").id,
                                                   "volumeID": new_disk("sata").volume_id}


def test_a_disk_already_on_the_vm_keeps_its_place_when_plugged_again() -> None:
    vm = server()
    message = dx.read_message(dx.hotplug_disk(vm, vm.disks[3]))  # vdb, after unplugging it
    assert message.device.find("target").get("dev") == "vdb"


def running_server() -> str:
    return dx.start_domain(dx.build(server()), domain_id=5)


def stored_rows(spec: dx.VmSpec, reported: str) -> list[dx.KnownDevice]:
    """The device table after one monitoring cycle over ``reported``."""
    result = dx.match(dx.parse(reported).devices, dx.known_devices(spec))
    rows = [dx.KnownDevice(id=m.known.id, type=m.known.type, device=m.known.device, alias=m.alias,
                           address=m.address, logical_name=m.logical_name, mac=m.known.mac, params=m.known.params)
            for m in result.matched]
    return rows + [dx.unmanaged_from_reported(device, uid(f"unmanaged/{device.alias}")) for device in result.added]


def test_hotplugged_nic_gets_an_address_and_the_next_cycle_stores_it() -> None:
    spec = server()
    before = running_server()
    rows = stored_rows(spec, before)
    after = dx.apply_hotplug(before, dx.hotplug_nic(NEW_NIC))
    assert dx.devices_hash(after) != dx.devices_hash(before)
    rows.append(dx.KnownDevice(NEW_NIC.id, "interface", "bridge", mac=NEW_NIC.mac.lower()))
    result = dx.match(dx.parse(after).devices, rows)
    (plugged,) = [m for m in result.matched if m.known.id == NEW_NIC.id]
    assert plugged.by == "alias" and plugged.address["type"] == "pci"
    assert plugged.changes == ["address", "alias"]
    used = [dict(device.address) for device in dx.parse(before).devices if device.address]
    assert plugged.address not in used
    assert not result.unplugged and not result.added and not result.removed
    metadata = dx.parse(after).metadata
    assert metadata.nic("56:6f:1a:2b:00:99").values == {"custom": {"SecurityGroups": "db"}}
    target = dx.parse_xml(after).findall("devices/interface/target")
    assert len({element.get("dev") for element in target}) == 5


def test_unplugged_nic_is_marked_unplugged_by_the_next_cycle() -> None:
    spec = server()
    running = dx.apply_hotplug(running_server(), dx.hotplug_nic(NEW_NIC))
    rows = stored_rows(spec, running) + [dx.KnownDevice(NEW_NIC.id, "interface", "bridge", alias=f"ua-{NEW_NIC.id}")]
    after = dx.apply_hotunplug(running, dx.hotunplug_nic(NEW_NIC.id))
    assert dx.devices_hash(after) != dx.devices_hash(running)
    result = dx.match(dx.parse(after).devices, rows)
    assert [device.id for device in result.unplugged] == [NEW_NIC.id]
    assert dx.parse(after).metadata.nic(NEW_NIC.mac) is None


def test_hotplugged_disk_is_matched_with_its_name_and_unplugged_again() -> None:
    spec = server()
    disk = new_disk("virtio_scsi")
    running = dx.apply_hotplug(running_server(), dx.hotplug_disk(spec, disk))
    rows = stored_rows(spec, running_server()) + [dx.KnownDevice(disk.id, "disk", "disk")]
    result = dx.match(dx.parse(running).devices, rows)
    (plugged,) = [m for m in result.matched if m.known.id == disk.id]
    assert plugged.logical_name == "sdd"
    assert plugged.address == {"type": "drive", "controller": "0", "bus": "0", "target": "0", "unit": "3"}
    assert dx.parse(running).metadata.disk("sdd").values["volumeID"] == disk.volume_id
    gone = dx.apply_hotunplug(running, dx.hotunplug_disk(disk.id))
    assert [device.id for device in dx.match(dx.parse(gone).devices, rows).unplugged] == [disk.id]
    assert dx.parse(gone).metadata.disk("sdd") is None


def test_a_stale_report_does_not_unplug_a_just_plugged_disk() -> None:
    spec = server()
    stale = running_server()  # fetched at t=100, before the disk was plugged at t=105
    disk = new_disk()
    rows = stored_rows(spec, stale) + [dx.KnownDevice(disk.id, "disk", "disk", updated_at=105.0)]
    result = dx.match(dx.parse(stale).devices, rows, fetched_at=100.0)
    assert [device.id for device in result.kept] == [disk.id] and not result.unplugged


@pytest.mark.parametrize(("message", "error"), [
    (dx.hotplug_nic(dx.NicSpec(id=uid("server/nic-a"), mac="56:6f:1a:2b:00:77")), "non unique alias"),
    (dx.hotplug_nic(dx.NicSpec(id=uid("other"), mac="56:6F:1A:2B:00:1A")), "is plugged already"),
    (dx.hotunplug_nic(uid("server/nic-a")), "expected a <hotplug>"),
    ("<hotplug><devices/></hotplug>", "exactly one"),
    ("<hotplug><devices><disk/><disk/></devices></hotplug>", "exactly one"),
    ("<hotplug><devices><video/></devices></hotplug>", "exactly one"),
    ("<domain/>", "not <hotplug> or <hotunplug>"),
])
def test_bad_hotplugs_are_refused(message: str, error: str) -> None:
    with pytest.raises(dx.DomainXmlError, match=error):
        dx.apply_hotplug(running_server(), message)


def test_a_disk_on_a_name_in_use_is_refused() -> None:
    running = running_server()
    message = dx.hotplug_disk(desktop(), new_disk())  # desktop has only vda: the new disk would be vdb
    with pytest.raises(dx.DomainXmlError, match="target vdb is in use"):
        dx.apply_hotplug(running, message)


@pytest.mark.parametrize(("message", "error"), [
    (dx.hotunplug_nic(uid("not-plugged")), "no interface with alias"),
    (dx.hotplug_nic(NEW_NIC), "expected a <hotunplug>"),
    ("<hotunplug><devices><disk/></devices></hotunplug>", "has no <alias name>"),
])
def test_bad_unplugs_are_refused(message: str, error: str) -> None:
    with pytest.raises(dx.DomainXmlError, match=error):
        dx.apply_hotunplug(running_server(), message)
