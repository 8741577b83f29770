"""build(): the run-VM Domain XML, checked against golden files and against the engine's facts."""
from __future__ import annotations

import pytest
from lxml import etree

import domainxml as dx
from domainxml import elements as el
from domainxml.namespaces import OVIRT_TUNE_NS, OVIRT_VM_NS
from tests.domainxml.golden_files import check_golden, pretty_xml
from tests.domainxml.specs import NAMED_SPECS, desktop, minimal, server, uid, windows

VM = f"{{{OVIRT_VM_NS}}}"


@pytest.mark.parametrize("name", sorted(NAMED_SPECS))
def test_build_matches_golden_file(name: str) -> None:
    check_golden(f"run-vm/{name}.xml", pretty_xml(dx.build(NAMED_SPECS[name]())))


@pytest.mark.parametrize("name", sorted(NAMED_SPECS))
def test_text_writer_and_lxml_writer_agree(name: str) -> None:
    spec = NAMED_SPECS[name]()
    assert dx.build(spec) == etree.tostring(dx.build_element(spec), encoding=str)


@pytest.mark.parametrize("name", sorted(NAMED_SPECS))
def test_reading_the_built_xml_gives_the_built_objects_back(name: str) -> None:
    domain = dx.build_domain(NAMED_SPECS[name]())
    read = el.Domain.from_element(dx.parse_xml(domain.to_xml()))
    built_metadata, read_metadata = domain.metadata, read.metadata
    domain.metadata = read.metadata = None
    assert read == domain
    assert read_metadata.vm == built_metadata.vm
    assert [entry.attrs for entry in read_metadata.devices] == [entry.attrs for entry in built_metadata.devices]


def test_root_declares_the_ovirt_namespaces_and_the_domain_type() -> None:
    root = dx.build_element(minimal())
    assert root.tag == "domain" and root.get("type") == "kvm"
    assert root.nsmap == {"ovirt-tune": OVIRT_TUNE_NS, "ovirt-vm": OVIRT_VM_NS}
    assert [child.tag for child in root] == ["name", "uuid", "memory", "currentMemory", "vcpu", "sysinfo", "clock",
                                             "features", "cpu", "devices", "pm", "os", "metadata"]


def test_memory_is_in_kib_and_max_memory_only_with_headroom() -> None:
    root = dx.build_element(server())
    assert root.findtext("memory") == str(8192 * 1024)
    assert root.findtext("currentMemory") == str(8192 * 1024)
    assert root.findtext("maxMemory") == str(32768 * 1024) and root.find("maxMemory").get("slots") == "8"
    assert dx.build_element(desktop()).find("maxMemory") is None
    same = desktop()
    same.max_memory_mb = same.memory_mb
    assert dx.build_element(same).find("maxMemory") is None


def test_vcpus_current_and_topology_over_max_vcpus() -> None:
    root = dx.build_element(server())  # 2 sockets x 2 cores x 2 threads, up to 32
    assert root.findtext("vcpu") == "32" and root.find("vcpu").get("current") == "8"
    topology = root.find("cpu/topology")
    assert (topology.get("sockets"), topology.get("cores"), topology.get("threads")) == ("8", "2", "2")
    assert root.find("cpu").get("mode") == "host-passthrough" and root.find("cpu/model") is None


def test_cpu_model_flags_become_features() -> None:
    cpu = dx.build_element(windows()).find("cpu")
    assert cpu.findtext("model") == "Cascadelake-Server-noTSX"
    assert [(f.get("name"), f.get("policy")) for f in cpu.findall("feature")] == [
        ("md-clear", "require"), ("ssbd", "require")]
    cpu = dx.build_element(desktop()).find("cpu")
    assert [(f.get("name"), f.get("policy")) for f in cpu.findall("feature")] == [
        ("spec-ctrl", "require"), ("hle", "disable")]


def test_os_type_carries_arch_and_machine_and_no_boot_dev() -> None:
    os_element = dx.build_element(windows()).find("os")
    os_type = os_element.find("type")
    assert (os_type.text, os_type.get("arch"), os_type.get("machine")) == ("hvm", "x86_64", "pc-i440fx-rhel7.6.0")
    assert os_element.find("boot") is None
    assert os_element.find("bootmenu").attrib == {"enable": "yes", "timeout": "30000"}


def test_clock_and_features() -> None:
    root = dx.build_element(windows())
    assert root.find("clock").attrib == {"offset": "variable", "adjustment": "7200"}
    assert [timer.get("name") for timer in root.find("clock")] == ["hypervclock", "rtc", "pit", "hpet"]
    assert root.find("features/acpi") is not None
    assert root.find("features/hyperv/spinlocks").attrib == {"state": "on", "retries": "8191"}
    assert dx.build_element(NAMED_SPECS["headless"]()).find("features") is None


def test_devices_come_in_the_engine_order() -> None:
    devices = dx.build_element(desktop()).find("devices")
    kinds = [child.tag if child.tag != "disk" else child.get("device") for child in devices]
    assert kinds == ["input", "channel", "channel", "memballoon", "video", "controller", "controller", "graphics",
                     "rng", "console", "channel", "interface", "cdrom", "disk"]


def test_nics_are_sorted_by_mac_whatever_their_case() -> None:
    macs = [mac.get("address") for mac in dx.build_element(server()).iterfind("devices/interface/mac")]
    assert macs == ["56:6f:1a:2b:00:1a", "56:6f:1a:2b:00:1b", "56:6F:1A:2B:00:1C", "56:6f:1a:2b:00:1d"]


def test_every_managed_device_has_its_ua_alias_and_usb_controllers_have_none() -> None:
    spec = server()
    devices = dx.build_element(spec).find("devices")
    aliases = {alias.get("name") for alias in devices.iter("alias")}
    managed = {f"ua-{device.id}" for device in spec.devices() if not isinstance(device, dx.GraphicsSpec)}
    usb = {f"ua-{controller.id}" for controller in spec.controllers if controller.type == "usb"}
    assert aliases == managed - usb
    assert devices.find("controller[@type='usb']/alias") is None


def test_disk_id_is_alias_and_serial_and_names_follow_the_bus() -> None:
    spec = server()
    disks = [disk for disk in dx.build_element(spec).iterfind("devices/disk") if disk.get("device") == "disk"]
    assert [(disk.find("target").get("dev"), disk.find("target").get("bus")) for disk in disks] == [
        ("vda", "virtio"), ("sda", "scsi"), ("sdb", "sata"), ("vdb", "virtio")]
    for disk, disk_spec in zip(disks, spec.disks):
        assert disk.findtext("serial") == disk_spec.id
        assert disk.find("alias").get("name") == f"ua-{disk_spec.id}"


def test_cdrom_keeps_its_reserved_name_and_disks_skip_it() -> None:
    spec = windows()  # IDE CD-ROM on i440fx: hdc; the two IDE disks are hda and hdb
    spec.disks.append(dx.DiskSpec(id=uid("windows/e"), volume_id=uid("windows/e/vol"),
                                  storage_domain_id=uid("nfs-data"), interface="ide"))
    names = [target.get("dev") for target in dx.build_element(spec).iterfind("devices/disk/target")]
    assert names == ["hdc", "hda", "hdb", "hdd"]
    assert dx.disk_names(desktop())[uid("desktop/cdrom")] == "sdc"


def test_file_and_block_sources_and_drivers() -> None:
    spec = server()
    disks = {disk.findtext("serial"): disk for disk in dx.build_element(spec).iterfind("devices/disk")}
    os_disk, data_disk, shared_disk, logs_disk = (disks[disk.id] for disk in spec.disks)
    assert os_disk.get("type") == "file" and os_disk.find("source").get("file") == (
        f"/rhev/data-center/mnt/nfs.example.com:_exports_data/{uid('nfs-data')}/images/{uid('server/os')}/"
        f"{uid('server/os/vol')}")
    assert os_disk.find("driver").attrib == {"name": "qemu", "iothread": "1", "io": "threads", "type": "qcow2",
                                             "error_policy": "stop", "cache": "none"}
    assert data_disk.get("type") == "block" and data_disk.find("source").get("dev") == (
        f"/rhev/data-center/mnt/blockSD/{uid('iscsi-data')}/images/{uid('server/data')}/{uid('server/data/vol')}")
    assert data_disk.find("driver").attrib == {"name": "qemu", "discard": "unmap", "io": "native", "type": "raw",
                                               "error_policy": "stop", "cache": "none"}
    assert shared_disk.find("source").get("file").split("/")[4:7] == [
        "gluster.example.com:_vol_data", uid("nfs-data"), "images"]
    assert shared_disk.find("source").get("file").split("/")[7] == uid("server/shared/image")
    assert shared_disk.find("shareable") is not None and shared_disk.find("driver").get("error_policy") == "enospace"
    assert logs_disk.find("readonly") is not None and logs_disk.find("driver").get("iothread") == "2"


def test_known_addresses_are_written_back_and_new_devices_have_none() -> None:
    devices = dx.build_element(server()).find("devices")
    os_disk = devices.find(f"disk[serial='{uid('server/os')}']")
    assert os_disk.find("address").attrib == {"type": "pci", "domain": "0x0000", "bus": "0x00", "slot": "0x08",
                                              "function": "0x0"}
    data_disk = devices.find(f"disk[serial='{uid('server/data')}']")
    assert data_disk.find("address").attrib == {"type": "drive", "controller": "0", "bus": "0", "target": "0",
                                                "unit": "0"}
    assert devices.find(f"disk[serial='{uid('server/logs')}']/address") is None


def test_boot_order_is_per_device() -> None:
    devices = dx.build_element(desktop()).find("devices")
    boots = {(device.tag, device.get("device")): device.find("boot").get("order")
             for device in devices if device.find("boot") is not None}
    assert boots == {("disk", "disk"): "1", ("disk", "cdrom"): "2"}


def test_nic_on_a_network_and_without_one() -> None:
    spec = server()
    interfaces = {i.find("mac").get("address").lower(): i for i in dx.build_element(spec).iterfind("devices/interface")}
    on_network = interfaces["56:6f:1a:2b:00:1a"]
    assert on_network.find("source").get("bridge") == "ovirtmgmt"
    assert on_network.find("link").get("state") == "up" and on_network.find("mtu").get("size") == "1500"
    assert on_network.find("filterref").get("filter") == "vdsm-no-mac-spoofing"
    assert on_network.find("model").get("type") == "virtio"
    assert on_network.find("driver").attrib == {"name": "vhost", "queues": "4"}
    assert interfaces["56:6f:1a:2b:00:1b"].find("driver") is None
    unlinked = interfaces["56:6f:1a:2b:00:1c"]
    assert unlinked.find("link").get("state") == "down" and unlinked.find("mtu").get("size") == "9000"
    networkless = interfaces["56:6f:1a:2b:00:1d"]
    assert networkless.find("source").get("bridge") == ""
    assert networkless.find("link").get("state") == "down" and networkless.find("mtu") is None


def test_the_engines_schema_violations_are_not_reproduced() -> None:
    for make in NAMED_SPECS.values():
        root = dx.build_element(make())
        assert root.find("devices/disk/source/seclabel") is None
        for source in root.iterfind("devices/disk/source"):
            assert source.get("file") != ""
        assert all(";" not in (source.get("bridge") or "") for source in root.iterfind("devices/interface/source"))
    empty_cdrom = dx.build_element(server()).find("devices/disk[@device='cdrom']/source")
    assert empty_cdrom.attrib == {"startupPolicy": "optional"}


def test_graphics_spice_and_vnc() -> None:
    devices = dx.build_element(windows()).find("devices")
    spice, vnc = devices.findall("graphics")
    assert spice.attrib == {"type": "spice", "port": "-1", "autoport": "yes", "passwd": "*****",
                            "passwdValidTo": "1970-01-01T00:00:01", "tlsPort": "-1"}
    assert spice.find("clipboard").get("copypaste") == "no" and spice.find("filetransfer").get("enable") == "no"
    assert [channel.get("name") for channel in spice.findall("channel")] == ["main", "inputs"]
    assert spice.find("listen").attrib == {"type": "network", "network": "vdsm-ovirtmgmt"}
    assert vnc.get("keymap") == "en-us" and vnc.get("tlsPort") is None
    headless = dx.build_element(NAMED_SPECS["headless"]()).find("devices/graphics")
    assert headless.get("listen") == "0" and headless.find("listen") is None


def test_input_is_a_tablet_only_with_vnc_alone() -> None:
    assert dx.build_element(server()).find("devices/input").attrib == {"type": "tablet", "bus": "usb"}
    assert dx.build_element(windows()).find("devices/input").attrib == {"type": "mouse", "bus": "ps2"}


def test_balloon_defaults_to_none_and_the_spice_agent_channel_follows_spice() -> None:
    devices = dx.build_element(minimal()).find("devices")
    assert devices.find("memballoon").attrib == {"model": "none"} and len(devices.find("memballoon")) == 0
    assert devices.find("channel[@type='spicevmc']") is None
    assert [target.get("name") for target in devices.iterfind("channel/target")] == [
        "ovirt-guest-agent.0", "org.qemu.guest_agent.0"]
    assert dx.build_element(desktop()).find("devices/channel[@type='spicevmc']/target").get(
        "name") == "com.redhat.spice.0"


def test_metadata_carries_typed_vm_values_and_device_entries() -> None:
    spec = server()
    metadata = dx.build_element(spec).find("metadata")
    assert metadata.find(f"{{{OVIRT_TUNE_NS}}}qos") is not None
    vm = metadata.find(f"{VM}vm")
    assert vm.find(f"{VM}minGuaranteedMemoryMb").attrib == {"type": "int"}
    assert vm.findtext(f"{VM}minGuaranteedMemoryMb") == "6144"
    assert vm.findtext(f"{VM}clusterVersion") == "4.8"
    assert vm.findtext(f"{VM}launchPaused") == "true" and vm.find(f"{VM}launchPaused").get("type") is None
    assert vm.findtext(f"{VM}resumeBehavior") == "kill"
    assert vm.findtext(f"{VM}custom/{VM}sndbuf") == "0"
    parsed = dx.Metadata.from_element(metadata)
    nic = parsed.nic("56:6F:1A:2B:00:1A")
    assert nic.attrs == {"alias": f"ua-{uid('server/nic-a')}", "mac_address": "56:6f:1a:2b:00:1a"}
    assert nic.values == {"custom": {"SecurityGroups": "web"}}
    assert parsed.disk("sda").values == {"poolID": uid("pool"), "domainID": uid("iscsi-data"),
                                         "imageID": uid("server/data"), "volumeID": uid("server/data/vol")}
    assert parsed.disk("sdb").values["shared"] == "shareable"
    assert parsed.disk("sdb").values["imageID"] == uid("server/shared/image")
    assert dx.Metadata.from_element(dx.build_element(minimal()).find("metadata")).vm["minGuaranteedMemoryMb"] == 1024


def test_test_domain_type_for_libvirts_test_driver() -> None:
    spec = minimal()
    spec.domain_type = "test"
    assert dx.build_element(spec).get("type") == "test"


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: setattr(s, "id", "not-a-uuid"), "not a uuid"),
    (lambda s: setattr(s, "memory_mb", 0), "memory"),
    (lambda s: setattr(s, "max_memory_mb", 1024), "below memory"),
    (lambda s: setattr(s, "max_vcpus", 30), "multiple of 4"),
    (lambda s: setattr(s, "arch", "ppc64le"), "only x86_64"),
    (lambda s: setattr(s, "resume_behavior", "pause"), "resume behavior"),
    (lambda s: s.disks.append(s.disks[0]), "used twice"),
    (lambda s: setattr(s.disks[0], "interface", "scsi"), "disk interface"),
    (lambda s: setattr(s.nics[0], "mac", s.nics[1].mac.upper()), "used twice"),
    (lambda s: setattr(s.nics[2], "boot_order", 1), "boot orders"),
    (lambda s: setattr(s.rng, "source", "/dev/zero"), "RNG source"),
    (lambda s: setattr(s, "name", "bad\x00name"), "XML cannot carry"),
])
def test_inconsistent_specs_are_refused(change, message) -> None:
    spec = server()
    change(spec)
    with pytest.raises(dx.SpecError, match=message):
        dx.build(spec)
