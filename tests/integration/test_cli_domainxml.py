"""`engine-emu domainxml build|validate|match` as a user runs them, on a seeded state directory."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from lxml import etree

import domainxml as dx


def engine_emu(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "engine_api.cli", *args], capture_output=True, text=True,
                          timeout=120)
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    directory = tmp_path_factory.mktemp("state")
    engine_emu("seed", "demo", "--state-dir", str(directory))
    return directory


def test_build_prints_the_run_vm_xml_of_a_vm_by_name(state, tmp_path):
    built = engine_emu("domainxml", "build", "--vm", "myvm", "--state-dir", str(state)).stdout
    root = etree.fromstring(built.encode())
    assert root.get("type") == "kvm" and root.findtext("name") == "myvm"
    by_id = engine_emu("domainxml", "build", "--vm", root.findtext("uuid"), "--domain-type", "test",
                       "--state-dir", str(state)).stdout
    assert etree.fromstring(by_id.encode()).get("type") == "test"
    target = tmp_path / "myvm.xml"
    target.write_text(built)
    assert engine_emu("domainxml", "validate", str(target)).stdout == f"{target}: valid\n"


def test_validate_names_what_is_wrong_and_fails(tmp_path, state):
    good = tmp_path / "good.xml"
    good.write_text(engine_emu("domainxml", "build", "--vm", "myvm", "--state-dir", str(state)).stdout)
    bad = tmp_path / "bad.xml"
    bad.write_text(good.read_text().replace('<source bridge="ovirtmgmt"/>', '<source bridge=";vdsmdummy;"/>'))
    broken = tmp_path / "broken.xml"
    broken.write_text("<domain>")
    done = engine_emu("domainxml", "validate", str(good), str(bad), str(broken), check=False)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert f"{good}: valid" in lines and f"{bad}: invalid" in lines and f"{broken}: invalid" in lines
    assert "not well-formed" in done.stdout


def test_validate_says_where_the_schema_should_be(tmp_path, monkeypatch):
    document = tmp_path / "x.xml"
    document.write_text("<domain/>")
    monkeypatch.setenv("ENGINE_EMU_LIBVIRT_SCHEMAS", str(tmp_path / "nowhere"))
    done = engine_emu("domainxml", "validate", str(document), check=False)
    assert done.returncode == 2
    assert "libvirt0" in done.stderr


def test_match_pairs_a_reported_xml_with_the_vms_devices_and_changes_nothing(state, tmp_path):
    built = engine_emu("domainxml", "build", "--vm", "myvm", "--state-dir", str(state)).stdout
    reported = tmp_path / "reported.xml"
    reported.write_text(dx.start_domain(built))
    first = json.loads(engine_emu("domainxml", "match", "--vm", "myvm", str(reported),
                                  "--state-dir", str(state)).stdout)
    assert {entry["type"] for entry in first["matched"] if entry["by"] == "alias"} >= {"disk", "interface"}
    assert first["unplugged"] == [] and first["added"]
    assert all("address" in entry["changes"] for entry in first["matched"] if entry["type"] == "interface")
    again = json.loads(engine_emu("domainxml", "match", "--vm", "myvm", str(reported),
                                  "--state-dir", str(state)).stdout)
    assert again == first  # nothing was written


def test_an_unknown_vm_is_named(state):
    done = engine_emu("domainxml", "build", "--vm", "nosuchvm", "--state-dir", str(state), check=False)
    assert done.returncode != 0
    assert "nosuchvm" in done.stderr
