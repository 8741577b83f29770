"""metadata: typed leaves like VDSM's, device entries found by attribute subset, and round trips."""
from __future__ import annotations

import pytest
from lxml import etree

import domainxml as dx
from domainxml.metadata import load_value
from domainxml.namespaces import OVIRT_VM_NS

NS = f'xmlns:ovirt-vm="{OVIRT_VM_NS}"'


def leaf(xml: str):
    return load_value(dx.parse_xml(f"<ovirt-vm:x {NS}>{xml}</ovirt-vm:x>")[0])


@pytest.mark.parametrize(("xml", "value"), [
    ('<ovirt-vm:a type="int">42</ovirt-vm:a>', 42),
    ('<ovirt-vm:a type="int">-7</ovirt-vm:a>', -7),
    ('<ovirt-vm:a type="float">4.2</ovirt-vm:a>', 4.2),
    ('<ovirt-vm:a type="bool">true</ovirt-vm:a>', True),
    ('<ovirt-vm:a type="bool">False</ovirt-vm:a>', False),
    ("<ovirt-vm:a>false</ovirt-vm:a>", "false"),
    ("<ovirt-vm:a>4.7</ovirt-vm:a>", "4.7"),
    ("<ovirt-vm:a/>", ""),
    ('<ovirt-vm:a type="str"/>', ""),
])
def test_typed_leaves_read_as_vdsm_reads_them(xml: str, value) -> None:
    read = leaf(xml)
    assert read == value and type(read) is type(value)


@pytest.mark.parametrize(("xml", "message"), [
    ('<ovirt-vm:a type="int">forty</ovirt-vm:a>', "not a valid int"),
    ('<ovirt-vm:a type="bool">yes</ovirt-vm:a>', "not a valid bool"),
    ('<ovirt-vm:a type="int"/>', "empty value"),
    ('<ovirt-vm:a type="list">1</ovirt-vm:a>', "unknown value type"),
])
def test_bad_typed_leaves_are_refused(xml: str, message: str) -> None:
    with pytest.raises(dx.DomainXmlError, match=message):
        leaf(xml)


def sample_metadata() -> dx.Metadata:
    return dx.Metadata(
        vm={"minGuaranteedMemoryMb": 1024, "clusterVersion": "4.7", "balloonTarget": 0.5, "autoResume": True,
            "note": "a < b & c", "custom": {"sap_agent": "true", "hugepages": "1048576"}},
        devices=[
            dx.DeviceMetadata({"mac_address": "00:1A:4A:16:01:51"}, {"network": "ovirtmgmt",
                                                                     "portMirroring": ["red", "blue"]}),
            dx.DeviceMetadata({"devtype": "disk", "name": "vda"}, {
                "poolID": "p", "volumeChain": [{"volumeID": "v1", "leaseOffset": 0},
                                               {"volumeID": "v2", "leaseOffset": 1048576}]}),
            dx.DeviceMetadata({"devtype": "disk", "name": "sda"}, {"GUID": "3600"}),
            dx.DeviceMetadata({"devtype": "console", "name": "console0"}, {"enableSocket": True}),
        ],
        qos={"vcpuLimit": 50},
    )


def test_write_then_read_gives_the_same_values_back() -> None:
    metadata = sample_metadata()
    for text in (metadata.to_xml(), etree.tostring(metadata.to_element(), encoding=str)):
        assert dx.Metadata.from_element(dx.parse_xml(text)) == metadata


def test_the_text_and_lxml_writers_agree() -> None:
    metadata = sample_metadata()
    assert metadata.to_xml() == etree.tostring(metadata.to_element(), encoding=str)
    assert metadata.to_xml().startswith('<metadata xmlns:ovirt-tune="http://ovirt.org/vm/tune/1.0" '
                                        'xmlns:ovirt-vm="http://ovirt.org/vm/1.0"><ovirt-tune:qos>')


def test_types_are_written_as_attributes_and_strings_untyped() -> None:
    root = dx.parse_xml(sample_metadata().to_xml())
    vm = root.find(f"{{{OVIRT_VM_NS}}}vm")
    kinds = {etree.QName(child).localname: child.get("type") for child in vm if child.tag != f"{{{OVIRT_VM_NS}}}device"}
    assert kinds == {"minGuaranteedMemoryMb": "int", "clusterVersion": None, "balloonTarget": "float",
                     "autoResume": "bool", "note": None, "custom": None}
    assert vm.findtext(f"{{{OVIRT_VM_NS}}}autoResume") == "true"
    chain = root.find(f".//{{{OVIRT_VM_NS}}}volumeChain")
    assert [etree.QName(node).localname for node in chain] == ["volumeChainNode", "volumeChainNode"]


def test_an_empty_group_reads_back_as_an_empty_string() -> None:
    metadata = dx.Metadata(devices=[dx.DeviceMetadata({"mac_address": "aa"}, {"custom": {}})])
    assert dx.Metadata.from_element(dx.parse_xml(metadata.to_xml())).devices[0].values == {"custom": ""}


def test_devices_are_found_by_attribute_subset() -> None:
    metadata = sample_metadata()
    assert metadata.nic("00:1a:4a:16:01:51").values["network"] == "ovirtmgmt"
    assert metadata.disk("sda").values == {"GUID": "3600"}
    assert metadata.device(devtype="console", name="console0").values == {"enableSocket": True}
    assert metadata.device(devtype="disk", name="vdb") is None
    assert len(metadata.find_devices(devtype="disk")) == 2
    with pytest.raises(LookupError, match="2 metadata device entries"):
        metadata.device(devtype="disk")


def test_device_entries_are_replaced_or_added_and_removed() -> None:
    metadata = sample_metadata()
    metadata.put_device(dx.DeviceMetadata({"devtype": "disk", "name": "sda"}, {"GUID": "3601"}))
    metadata.put_device(dx.DeviceMetadata({"mac_address": "00:1a:4a:16:01:51", "alias": "ua-x"}, {}),
                        key=("mac_address",))
    metadata.put_device(dx.DeviceMetadata({"devtype": "disk", "name": "vdb"}, {"GUID": "3602"}))
    assert metadata.disk("sda").values == {"GUID": "3601"}
    assert metadata.nic("00:1A:4A:16:01:51").attrs["alias"] == "ua-x"
    assert len(metadata.devices) == 5
    assert metadata.remove_devices(devtype="disk") == 3 and len(metadata.devices) == 2


def test_other_namespaces_in_metadata_are_ignored() -> None:
    xml = (f'<metadata xmlns:other="urn:x" {NS}><other:thing>1</other:thing>'
           '<ovirt-vm:vm><other:x>2</other:x><ovirt-vm:a type="int">3</ovirt-vm:a></ovirt-vm:vm></metadata>')
    metadata = dx.Metadata.from_element(dx.parse_xml(xml))
    assert metadata.vm == {"a": 3} and metadata.qos is None


def test_repeated_tags_read_as_lists() -> None:
    xml = f"<ovirt-vm:g {NS}><ovirt-vm:n>1</ovirt-vm:n><ovirt-vm:n>2</ovirt-vm:n><ovirt-vm:m>3</ovirt-vm:m></ovirt-vm:g>"
    assert load_value(dx.parse_xml(xml)) == {"n": ["1", "2"], "m": "3"}


def test_values_metadata_cannot_store_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot store"):
        dx.Metadata(vm={"when": object()}).to_xml()
