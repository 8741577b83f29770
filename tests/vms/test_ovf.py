"""The OVF writer, from plain data."""
from __future__ import annotations

import datetime as dt

from lxml import etree

from engine_api.vms.ovf import OVF, RASD, VSSD, XSI, OvfDisk, OvfNic, OvfVm, build_ovf

WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def _vm() -> OvfVm:
    vm = OvfVm(id="v1", name="web & db", memory=2 * 1024**3, cpu_sockets=2, cpu_cores=2, cpu_threads=1,
               os_type="rhel_9x64", creation_time=WHEN, cluster_name="Default", data_center_id="dc1")
    vm.disks.append(OvfDisk(id="d1", image_id="i1", name="web_Disk1", provisioned_size=20 * 1024**3,
                            actual_size=2 * 1024**3, format="cow", sparse=True, interface="virtio_scsi",
                            bootable=True, read_only=False, shareable=False, pass_discard=False,
                            wipe_after_delete=False, storage_domain_id="sd1"))
    vm.nics.append(OvfNic(id="n1", name="nic1", interface="virtio", mac="56:6f:00:00:00:01", network="ovirtmgmt",
                          vnic_profile="ovirtmgmt", linked=True, plugged=True))
    return vm


def test_the_envelope_declares_the_engines_namespaces():
    root = etree.fromstring(build_ovf(_vm(), WHEN).encode())
    assert root.tag == f"{{{OVF}}}Envelope"
    assert root.nsmap == {"ovf": OVF, "rasd": RASD, "vssd": VSSD, "xsi": XSI}
    assert [child.tag for child in root] == ["References", "NetworkSection", "Section", "Content"]


def test_references_disks_and_networks():
    root = etree.fromstring(build_ovf(_vm(), WHEN).encode())
    (file,) = root.find("References")
    assert file.get(f"{{{OVF}}}href") == "d1/i1" and file.get(f"{{{OVF}}}id") == "i1"
    (disk,) = root.find("Section").findall("Disk")
    assert disk.get(f"{{{OVF}}}size") == "20" and disk.get(f"{{{OVF}}}actual_size") == "2"
    assert disk.get(f"{{{OVF}}}volume-format") == "COW" and disk.get(f"{{{OVF}}}disk-interface") == "VirtIO_SCSI"
    assert disk.get(f"{{{OVF}}}boot") == "true" and disk.get(f"{{{OVF}}}disk-alias") == "web_Disk1"
    assert [n.get(f"{{{OVF}}}name") for n in root.find("NetworkSection").findall("Network")] == ["ovirtmgmt"]


def test_the_virtual_system():
    content = etree.fromstring(build_ovf(_vm(), WHEN).encode()).find("Content")
    assert content.get(f"{{{XSI}}}type") == "ovf:VirtualSystem_Type"
    assert content.findtext("Name") == "web & db"
    assert content.findtext("CreationDate") == "2026/01/02 03:04:05"
    assert content.findtext("TemplateId") == "00000000-0000-0000-0000-000000000000"
    os_section, hardware = content.findall("Section")
    assert os_section.findtext("Description") == "rhel_9x64"
    assert hardware.findtext("Info") == "4 CPU, 2048 Memory"
    items = hardware.findall("Item")
    kinds = [item.findtext(f"{{{RASD}}}ResourceType") for item in items]
    assert kinds == ["3", "4", "17", "10"]
    cpu, memory, disk, nic = items
    assert cpu.findtext(f"{{{RASD}}}num_of_sockets") == "2" and cpu.findtext(f"{{{RASD}}}VirtualQuantity") == "4"
    assert memory.findtext(f"{{{RASD}}}VirtualQuantity") == "2048"
    assert disk.findtext(f"{{{RASD}}}StorageId") == "sd1" and disk.findtext(f"{{{RASD}}}StoragePoolId") == "dc1"
    assert nic.findtext(f"{{{RASD}}}MACAddress") == "56:6f:00:00:00:01"
    assert nic.findtext(f"{{{RASD}}}ResourceSubType") == "3"


def test_a_vm_without_devices_is_still_a_whole_envelope():
    vm = OvfVm(id="v2", name="empty", memory=1024**3, cpu_sockets=1, cpu_cores=1, cpu_threads=1, os_type="other",
               creation_time=WHEN)
    root = etree.fromstring(build_ovf(vm, WHEN).encode())
    assert len(root.find("References")) == 0
    assert [i.findtext(f"{{{RASD}}}ResourceType") for i in root.iter("Item")] == ["3", "4"]
