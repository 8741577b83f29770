"""devices_hash(): changes exactly when the content of <devices> changes."""
from __future__ import annotations

import pytest

import domainxml as dx
from tests.domainxml.specs import desktop, server, uid

BASE = ("<domain><name>a</name><devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/>"
        "<serial>x</serial></disk><interface type='bridge'><mac address='aa'/></interface></devices></domain>")


@pytest.mark.parametrize("same", [
    BASE.replace("<name>a</name>", "<name>b</name>"),
    BASE.replace("type='file' device='disk'", "device='disk' type='file'"),
    BASE.replace("'", '"'),
    BASE.replace("<devices>", "<devices>\n    ").replace("</disk>", "</disk>\n    "),
    BASE.replace("<serial>x</serial>", "<serial>\n      x\n    </serial>"),
    BASE.replace("</disk>", "<!-- plugged by hand --></disk>"),
    BASE.replace("<domain>", "<domain><metadata><x/></metadata>"),
    BASE.replace("<target dev='vda' bus='virtio'/>", "<target dev='vda' bus='virtio'></target>"),
])
def test_the_hash_ignores_formatting_and_everything_outside_devices(same: str) -> None:
    assert dx.devices_hash(same) == dx.devices_hash(BASE)


@pytest.mark.parametrize("different", [
    BASE.replace("vda", "vdb"),
    BASE.replace("<serial>x</serial>", "<serial>y</serial>"),
    BASE.replace("<serial>x</serial>", ""),
    BASE.replace("bus='virtio'/>", "bus='virtio'/><readonly/>"),
    BASE.replace("type='bridge'", "type='bridge' extra=''"),
    BASE.replace("<interface type='bridge'><mac address='aa'/></interface>", ""),
    BASE.replace("<serial>x</serial></disk>", "</disk><serial>x</serial>"),
    BASE.replace("<target dev='vda' bus='virtio'/><serial>x</serial>", "<serial>x</serial><target dev='vda' bus='virtio'/>"),
    BASE.replace("<serial>x</serial>", "<serial>x<b/></serial>"),
])
def test_the_hash_changes_with_any_device_content(different: str) -> None:
    assert dx.devices_hash(different) != dx.devices_hash(BASE)


def test_the_hash_follows_the_lifecycle() -> None:
    running = dx.start_domain(dx.build(server()))
    nic = dx.NicSpec(id=uid("hash/nic"), mac="56:6f:1a:2b:00:aa", network="ovirtmgmt")
    plugged = dx.apply_hotplug(running, dx.hotplug_nic(nic))
    unplugged = dx.apply_hotunplug(plugged, dx.hotunplug_nic(nic.id))
    hashes = [dx.devices_hash(xml) for xml in (running, plugged, unplugged)]
    assert hashes[0] != hashes[1] and hashes[0] == hashes[2]
    assert dx.devices_hash(dx.parse_xml(running)) == hashes[0]
    assert dx.devices_hash(dx.parse_xml(running).find("devices")) == hashes[0]
    assert dx.devices_hash(dx.build(desktop())) != dx.devices_hash(dx.start_domain(dx.build(desktop())))


def test_a_domain_without_devices_has_no_hash() -> None:
    with pytest.raises(dx.DomainXmlError, match="no <devices>"):
        dx.devices_hash("<domain/>")
