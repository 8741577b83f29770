"""Round trip through libvirt itself: its in-process test driver defines each generated domain with
schema validation on, reports it back, and every managed disk and NIC pairs by alias."""
from __future__ import annotations

from collections.abc import Iterator

import libvirt
import pytest

import domainxml as dx
from tests.domainxml.specs import NAMED_SPECS, spread


@pytest.fixture(scope="module")
def connection() -> Iterator[libvirt.virConnect]:
    libvirt.registerErrorHandler(lambda context, error: None, None)  # errors are raised, not printed
    conn = libvirt.open("test:///default")
    yield conn
    conn.close()


def round_trip(connection: libvirt.virConnect, spec: dx.VmSpec) -> dx.MatchResult:
    spec.domain_type = "test"
    domain = connection.defineXMLFlags(dx.build(spec), libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
    try:
        reported = domain.XMLDesc()
    finally:
        domain.undefine()
    return dx.match(dx.parse(reported).devices, dx.known_devices(spec))


def assert_disks_and_nics_pair_by_alias(spec: dx.VmSpec, result: dx.MatchResult) -> None:
    expected = {device.id for device in dx.known_devices(spec) if device.type in ("disk", "interface")}
    by_alias = {matched.known.id for matched in result.matched if matched.by == "alias"
                and matched.known.type in ("disk", "interface")}
    assert by_alias == expected
    assert not [device for device in result.unplugged if device.type in ("disk", "interface")]
    assert not [ignored for ignored in result.ignored if ignored.reported.type in ("disk", "interface")]


@pytest.mark.parametrize("name", sorted(NAMED_SPECS))
def test_named_specs_round_trip_through_libvirt(connection: libvirt.virConnect, name: str) -> None:
    spec = NAMED_SPECS[name]()
    assert_disks_and_nics_pair_by_alias(spec, round_trip(connection, spec))


def test_a_spread_of_specs_round_trips_through_libvirt(connection: libvirt.virConnect) -> None:
    for spec in spread():
        assert_disks_and_nics_pair_by_alias(spec, round_trip(connection, spec))


def test_libvirt_keeps_the_metadata_and_its_typed_values(connection: libvirt.virConnect) -> None:
    spec = NAMED_SPECS["server"]()
    spec.domain_type = "test"
    domain = connection.defineXMLFlags(dx.build(spec), libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
    try:
        metadata = dx.parse(domain.XMLDesc()).metadata
    finally:
        domain.undefine()
    assert metadata.vm["minGuaranteedMemoryMb"] == 6144
    assert metadata.disk("sda").values["volumeID"] == spec.disks[1].volume_id
    assert metadata.nic("56:6f:1a:2b:00:1a").values == {"custom": {"SecurityGroups": "web"}}


def test_libvirt_rejects_a_definition_the_schema_rejects(connection: libvirt.virConnect) -> None:
    spec = NAMED_SPECS["server"]()
    spec.domain_type = "test"
    xml = dx.build(spec).replace('<source bridge=""/>', '<source bridge=";vdsmdummy;"/>')
    with pytest.raises(libvirt.libvirtError, match="validate"):
        connection.defineXMLFlags(xml, libvirt.VIR_DOMAIN_DEFINE_VALIDATE)


def test_libvirt_rejects_duplicate_aliases_which_build_never_writes(connection: libvirt.virConnect) -> None:
    spec = NAMED_SPECS["desktop"]()
    spec.domain_type = "test"
    xml = dx.build(spec).replace(f"ua-{spec.rng.id}", f"ua-{spec.balloon.id}")
    with pytest.raises(libvirt.libvirtError, match="non unique alias"):
        connection.defineXMLFlags(xml, libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
    spec.rng.id = spec.balloon.id
    with pytest.raises(dx.SpecError, match="used twice"):
        dx.build(spec)
