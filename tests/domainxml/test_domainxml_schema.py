"""validate(): everything build() produces passes libvirt's RelaxNG schema; the engine's own mistakes do not."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import domainxml as dx
from domainxml.validation import DEFAULT_SCHEMAS_DIR, SCHEMAS_ENV
from tests.domainxml.specs import NAMED_SPECS, desktop, spread


@pytest.mark.parametrize("name", sorted(NAMED_SPECS))
def test_named_specs_validate(name: str) -> None:
    assert dx.validation_errors(dx.build(NAMED_SPECS[name]())) == []


def test_a_spread_of_bus_format_storage_nic_and_console_combinations_validates() -> None:
    specs = spread()
    invalid = {spec.name: errors for spec in specs if (errors := dx.validation_errors(dx.build(spec)))}
    assert len(specs) == 128 and invalid == {}


def test_started_and_hotplugged_domains_still_validate() -> None:
    spec = desktop()
    running = dx.start_domain(dx.build(spec))
    nic = dx.NicSpec(id="0d6f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", mac="56:6f:1a:2b:00:99", network="ovirtmgmt")
    dx.validate(dx.apply_hotplug(running, dx.hotplug_nic(nic)))
    dx.validate(running)


def _engine_style(xml: str, old: str, new: str) -> str:
    assert old in xml
    return xml.replace(old, new, 1)


def test_the_engines_empty_cdrom_source_file_fails_the_schema() -> None:
    xml = _engine_style(dx.build(NAMED_SPECS["server"]()), '<source startupPolicy="optional"/>',
                        '<source file="" startupPolicy="optional"/>')
    with pytest.raises(dx.SchemaValidationError) as caught:
        dx.validate(xml)
    assert caught.value.errors and "does not validate" in str(caught.value)


def test_the_engines_seclabel_inside_a_disk_source_fails_the_schema() -> None:
    built = dx.build(desktop())
    start = built.index("<source file=", built.index('device="disk"'))
    end = built.index("/>", start)
    xml = built[:end] + '><seclabel model="dac" type="none" relabel="no"/></source>' + built[end + 2:]
    assert dx.validation_errors(xml)


def test_the_engines_dummy_bridge_name_fails_the_schema() -> None:
    xml = _engine_style(dx.build(NAMED_SPECS["server"]()), '<source bridge=""/>', '<source bridge=";vdsmdummy;"/>')
    assert dx.validation_errors(xml)


def test_missing_schema_files_name_the_debian_package(tmp_path: Path) -> None:
    with pytest.raises(dx.SchemaNotInstalledError, match="libvirt0"):
        dx.validate(dx.build(desktop()), tmp_path)


def test_schema_location_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SCHEMAS_ENV, str(tmp_path))
    with pytest.raises(dx.SchemaNotInstalledError, match=str(tmp_path)):
        dx.validate(dx.build(desktop()))
    for schema in DEFAULT_SCHEMAS_DIR.glob("*.rng"):
        shutil.copy(schema, tmp_path)
    dx.validate(dx.build(desktop()))
    dx.validate(dx.build(desktop()), tmp_path / "domain.rng")


def test_the_compiled_schema_is_loaded_once() -> None:
    assert dx.load_schema() is dx.load_schema(DEFAULT_SCHEMAS_DIR)
