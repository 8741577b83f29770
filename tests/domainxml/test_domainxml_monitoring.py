"""parse() and match(): reported Domain XML against golden results, and the monitoring rules one by one."""
from __future__ import annotations

import json
from typing import Any

import pytest

import domainxml as dx
from tests.domainxml.golden_files import GOLDEN, check_golden, pretty_json, pretty_xml
from tests.domainxml.specs import server, uid


def load_known(name: str) -> tuple[list[dx.KnownDevice], float | None]:
    data = json.loads((GOLDEN / "match" / f"{name}.known.json").read_text())
    return [dx.KnownDevice(**device) for device in data["devices"]], data.get("fetched_at")


def parsed_dict(domain: dx.ReportedDomain) -> dict[str, Any]:
    metadata = domain.metadata
    return {
        "name": domain.name, "uuid": domain.uuid, "id": domain.id,
        "devices": [device.to_dict() for device in domain.devices],
        "metadata": None if metadata is None else {
            "vm": metadata.vm, "qos": metadata.qos,
            "devices": [{"attrs": entry.attrs, "values": entry.values} for entry in metadata.devices]},
    }


def started_server() -> str:
    return dx.start_domain(dx.build(server()), domain_id=42)


def test_legacy_domain_parses_to_the_golden_devices_and_metadata() -> None:
    reported = (GOLDEN / "reported" / "legacy-i440fx.xml").read_text()
    check_golden("parse/legacy-i440fx.json", pretty_json(parsed_dict(dx.parse(reported))))


def test_legacy_domain_matches_to_the_golden_result() -> None:
    reported = (GOLDEN / "reported" / "legacy-i440fx.xml").read_text()
    known, fetched_at = load_known("legacy-i440fx")
    result = dx.match(dx.parse(reported).devices, known, fetched_at=fetched_at)
    check_golden("match/legacy-i440fx.json", pretty_json(result.to_dict()))


def test_legacy_domain_pairs_every_known_plugged_device_the_host_reports() -> None:
    reported = (GOLDEN / "reported" / "legacy-i440fx.xml").read_text()
    known, fetched_at = load_known("legacy-i440fx")
    result = dx.match(dx.parse(reported).devices, known, fetched_at=fetched_at)
    how = {matched.known.id: matched.by for matched in result.matched}
    assert how["a1b2c3d4-0001-4e5f-8a9b-0c1d2e3f4a01"] == "stored-alias"   # virtio-disk0 from before aliases
    assert how["b1c2d3e4-0001-4f5a-8b6c-7d8e9f0a1b01"] == "stored-alias"   # net0
    assert how["c1d2e3f4-0004-4a5b-8c6d-7e8f9a0b1c04"] == "type"           # balloon0 was never stored
    assert how["d1e2f3a4-0002-4b5c-8d6e-7f8a9b0c1d02"] == "index"          # the USB controller
    assert how["c1d2e3f4-0002-4a5b-8c6d-7e8f9a0b1c02"] == "type"           # SPICE
    assert [known.id for known in result.unplugged] == ["b1c2d3e4-0003-4f5a-8b6c-7d8e9f0a1b03"]
    assert [known.id for known in result.removed] == ["e1f2a3b4-0003-4c5d-8e6f-7a8b9c0d1e03"]
    assert [known.id for known in result.kept] == ["b1c2d3e4-0004-4f5a-8b6c-7d8e9f0a1b04"]
    assert sorted((device.type, device.alias) for device in result.added) == [
        ("channel", "channel1"), ("channel", "channel2"), ("hostdev", "hostdev0"), ("memory", "dimm0")]
    assert sorted((ignored.reported.type, ignored.reported.alias) for ignored in result.ignored) == [
        ("controller", "pci.0"), ("disk", "virtio-disk1")]
    console = next(matched for matched in result.matched if matched.known.type == "console")
    assert console.address is None and "plugged" not in console.changes
    assert "c1d2e3f4-0003-4a5b-8c6d-7e8f9a0b1c03" not in {known.id for known in result.unplugged}  # VNC
    assert result.warnings == [("interface b1c2d3e4-0002-4f5a-8b6c-7d8e9f0a1b02: reported MAC 00:1a:4a:16:01:5d "
                                "differs from 00:1a:4a:16:01:5e")]


def test_started_domain_is_the_golden_reported_xml() -> None:
    check_golden("reported/server-started.xml", pretty_xml(started_server()))


def test_started_domain_matches_every_managed_device_by_alias() -> None:
    spec = server()
    result = dx.match(dx.parse(started_server()).devices, dx.known_devices(spec))
    check_golden("match/server-started.json", pretty_json(result.to_dict()))
    how = {matched.known.id: matched.by for matched in result.matched}
    usb = uid("server/usb")
    assert all(how[device.id] == "alias" for device in dx.known_devices(spec)
               if device.type != "graphics" and device.id != usb)
    assert how[usb] == "index" and how[uid("server/vnc")] == "type"
    assert not result.unplugged and not result.removed
    assert {(device.type, device.alias) for device in result.added} == {
        ("channel", "channel0"), ("channel", "channel1"), ("controller", "ide")}
    assert [ignored.reported.alias for ignored in result.ignored] == ["pcie.0"]


def test_a_second_cycle_with_the_stored_result_changes_nothing() -> None:
    spec = server()
    reported = dx.parse(started_server()).devices
    first = dx.match(reported, dx.known_devices(spec))
    stored = [dx.KnownDevice(id=matched.known.id, type=matched.known.type, device=matched.known.device,
                             alias=matched.alias, address=matched.address, logical_name=matched.logical_name,
                             mac=matched.known.mac, params=matched.known.params) for matched in first.matched]
    stored += [dx.unmanaged_from_reported(device) for device in first.added]
    second = dx.match(reported, stored)
    assert first.changed and not second.changed
    assert not second.added and not second.unplugged and not second.removed
    assert all(matched.by in ("alias", "stored-alias", "type") for matched in second.matched)


# -- the rules one at a time -----------------------------------------------------------------


def reported(type_: str, device: str, alias: str | None = None, address: dict | None = None, **extra) -> dx.ReportedDevice:
    return dx.ReportedDevice(type_, device, alias, address, **extra)


PCI = {"type": "pci", "domain": "0x0000", "bus": "0x00", "slot": "0x05", "function": "0x0"}
DISK_ID = "6b1f0c2e-8e52-4d8e-9a3c-2f1d4e5a6b7c"


def test_ua_alias_pairs_by_uuid_in_any_spelling() -> None:
    known = dx.KnownDevice(DISK_ID.upper(), "disk", "disk")
    result = dx.match([reported("disk", "disk", f"ua-{DISK_ID}", PCI, logical_name="vda")], [known])
    assert [(matched.by, matched.address, matched.logical_name) for matched in result.matched] == [
        ("alias", PCI, "vda")]
    assert result.matched[0].changes == ["address", "alias", "logical_name"]


def test_ua_alias_is_not_reused_for_a_second_device() -> None:
    known = dx.KnownDevice(DISK_ID, "disk", "disk")
    twice = [reported("disk", "disk", f"ua-{DISK_ID}", PCI), reported("disk", "disk", f"ua-{DISK_ID}", PCI)]
    result = dx.match(twice, [known])
    assert len(result.matched) == 1 and len(result.ignored) == 1


def test_unknown_ua_alias_disk_nic_and_video_are_ignored() -> None:
    devices = [reported("disk", "disk", f"ua-{DISK_ID}", PCI), reported("interface", "bridge", "net0", PCI),
               reported("video", "qxl", "video0", PCI)]
    result = dx.match(devices, [])
    assert [ignored.reason for ignored in result.ignored] == [
        "unmanaged disk disk is ignored", "unmanaged interface bridge is ignored", "unmanaged video qxl is ignored"]
    assert not result.added


def test_path_mac_and_address_never_pair_devices() -> None:
    known = [dx.KnownDevice(DISK_ID, "disk", "disk", address=PCI),
             dx.KnownDevice("9a8b7c6d-1111-4222-8333-444455556666", "interface", "bridge", mac="00:1a:4a:16:01:51")]
    devices = [reported("disk", "disk", "virtio-disk0", PCI, params={"path": f"/rhev/x/images/{DISK_ID}/v"}),
               reported("interface", "bridge", "net0", PCI, mac="00:1a:4a:16:01:51")]
    result = dx.match(devices, known)
    assert not result.matched
    assert [device.id for device in result.unplugged] == [DISK_ID, "9a8b7c6d-1111-4222-8333-444455556666"]


@pytest.mark.parametrize("kind", ["balloon", "rng", "watchdog", "sound", "console"])
def test_singletons_pair_by_type(kind: str) -> None:
    known = dx.KnownDevice(DISK_ID, kind, kind)
    result = dx.match([reported(kind, "whatever", f"{kind}0", PCI)], [known])
    assert [(matched.known.id, matched.by) for matched in result.matched] == [(DISK_ID, "type")]


def test_an_alias_match_is_not_stolen_by_a_singleton_listed_first() -> None:
    first, second = dx.KnownDevice(DISK_ID, "rng", "virtio"), dx.KnownDevice(
        "9a8b7c6d-1111-4222-8333-444455556666", "rng", "virtio")
    devices = [reported("rng", "virtio", "rng0", PCI), reported("rng", "virtio", f"ua-{DISK_ID}", PCI)]
    result = dx.match(devices, [first, second])
    assert {(matched.reported.alias, matched.known.id) for matched in result.matched} == {
        ("rng0", second.id), (f"ua-{DISK_ID}", first.id)}


def test_controllers_and_channels_need_an_address_to_be_added_except_model_none() -> None:
    devices = [reported("controller", "pci", "pci.0", None, params={"index": 0, "model": "pci-root"}),
               reported("controller", "usb", "usb", None, params={"index": 0, "model": "none"}),
               reported("channel", "unix", "channel0", None),
               reported("redir", "spicevmc", "redir0", None)]
    result = dx.match(devices, [])
    assert [device.alias for device in result.added] == ["usb", "redir0"]
    assert [ignored.reason for ignored in result.ignored] == ["controller without an address",
                                                              "channel without an address"]


def test_a_known_usb_controller_of_model_none_stays_plugged_without_an_address() -> None:
    known = dx.KnownDevice(DISK_ID, "controller", "usb", params={"index": 0, "model": "none"})
    result = dx.match([reported("controller", "usb", "usb", None, params={"index": 0, "model": "none"})], [known])
    assert result.matched[0].address is None and not result.unplugged


def test_controller_fallback_needs_same_index_and_no_stored_alias() -> None:
    known = [dx.KnownDevice(DISK_ID, "controller", "usb", params={"index": 1}),
             dx.KnownDevice("9a8b7c6d-1111-4222-8333-444455556666", "controller", "usb", alias="usb",
                            params={"index": 0})]
    result = dx.match([reported("controller", "usb", "usb1", PCI, params={"index": 0})], known)
    assert not result.matched and [device.alias for device in result.added] == ["usb1"]


def test_graphics_are_never_unplugged_and_unmanaged_devices_are_removed() -> None:
    known = [dx.KnownDevice(DISK_ID, "graphics", "vnc"),
             dx.KnownDevice("9a8b7c6d-1111-4222-8333-444455556666", "channel", "unix", alias="channel0",
                            managed=False),
             dx.KnownDevice("0c2d4e6f-1111-4222-8333-444455556666", "disk", "disk", plugged=False)]
    result = dx.match([], known)
    assert not result.unplugged
    assert [device.alias for device in result.removed] == ["channel0"]


def test_devices_changed_after_the_fetch_are_kept() -> None:
    known = dx.KnownDevice(DISK_ID, "interface", "bridge", updated_at=20.0)
    assert [device.id for device in dx.match([], [known], fetched_at=10.0).kept] == [DISK_ID]
    assert [device.id for device in dx.match([], [known], fetched_at=30.0).unplugged] == [DISK_ID]
    assert [device.id for device in dx.match([], [known]).unplugged] == [DISK_ID]


def test_parse_lowercases_macs_and_names_disks_by_target() -> None:
    devices = dx.parse((GOLDEN / "reported" / "legacy-i440fx.xml").read_text()).devices
    macs = [device.mac for device in devices if device.type == "interface"]
    assert macs == ["00:1a:4a:16:01:5c", "00:1a:4a:16:01:5d"]
    assert [device.logical_name for device in devices if device.type == "disk"] == ["hdc", "vda", "sda", "vdb"]
    vda = next(device for device in devices if device.logical_name == "vda")
    assert vda.address == {"type": "pci", "domain": "0x0000", "bus": "0x00", "slot": "0x07", "function": "0x0"}
    assert vda.user_alias_id is None and vda.alias == "virtio-disk0"


def test_parse_keeps_only_the_engines_address_keys() -> None:
    xml = ("<domain><devices><memory model='dimm'><target><size unit='KiB'>524288</size><node>1</node></target>"
           "<alias name='ua-x'/><address type='dimm' slot='1' base='0x120000000' reg='0x10'/></memory>"
           "</devices></domain>")
    (device,) = dx.parse(xml).devices
    assert device.address == {"type": "dimm", "slot": "1", "base": "0x120000000"}
    assert device.params == {"size_mb": 512, "node": 1}
    assert device.user_alias_id == "x"


def test_parse_refuses_what_is_not_a_domain_and_bad_numbers() -> None:
    with pytest.raises(dx.DomainXmlError, match="not <domain>"):
        dx.parse("<hotplug/>")
    with pytest.raises(dx.DomainXmlError, match=r"Controller.index .*'zero' is not a valid int"):
        dx.parse("<domain><devices><controller type='usb' index='zero'/></devices></domain>")
    with pytest.raises(dx.DomainXmlError, match="domain id"):
        dx.parse("<domain id='seven'/>")
