"""The API model: ``api.json`` is what the pinned SDK says, and it says the known facts of the API."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine_api.model import ApiModel, load
from engine_api.model.generate import OUTPUT, build_model, render

REGENERATE = ".venv/bin/python -m engine_api.model.generate"


@pytest.fixture(scope="module")
def model() -> ApiModel:
    return load()


def _sdk_source(module: str) -> str:
    directory = Path(next(iter(importlib.util.find_spec("ovirtsdk4").submodule_search_locations)))
    return (directory / f"{module}.py").read_text(encoding="utf-8")


def test_committed_model_is_generated_from_the_installed_sdk():
    document, _ = build_model()
    committed = OUTPUT.read_text(encoding="utf-8")
    assert committed == render(document), f"{OUTPUT} is stale; regenerate it with: {REGENERATE}"


def test_model_is_of_the_pinned_sdk(model):
    assert model.sdk_version == "4.6.3"


def test_the_package_needs_only_the_standard_library():
    code = (
        "import sys, engine_api.model as m; m.load();"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('flask', 'sqlalchemy', 'marshmallow', 'lxml', 'ovirtsdk4')"
        " or (n.startswith('engine_api.') and not n.startswith('engine_api.model')));"
        "print(' '.join(bad)); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"imports {result.stdout or result.stderr}"


# --- types ------------------------------------------------------------------------------------------

def test_vm_attributes(model):
    vm = model.type("Vm")
    assert (vm.element, vm.plural, vm.base) == ("vm", "vms", "VmBase")
    assert [t.name for t in model.bases("Vm")] == ["Vm", "VmBase", "Identified"]

    memory = model.attribute("Vm", "memory")
    assert (memory.type, memory.list, memory.link, memory.declared_by) == ("integer", False, None, "VmBase")

    nics = model.attribute("Vm", "nics")
    assert (nics.type, nics.list, nics.link, nics.element, nics.item) == ("Nic", True, "nics", "nics", "nic")

    name = model.attribute("Vm", "name")
    assert (name.type, name.declared_by, name.xml_attribute) == ("string", "Identified", False)

    identifier = model.attribute("Vm", "id")
    assert identifier.xml_attribute and identifier.type == "string"

    assert model.attribute("Vm", "cpu_shares").type == "integer"
    assert model.attribute("Vm", "status").type == "VmStatus"
    assert model.attribute("Vm", "creation_time").type == "date"
    assert model.attribute("Vm", "cluster").type == "Cluster"
    assert model.attribute("Vm", "cluster").link is None
    # The element differs from the attribute's name where the engine spells it otherwise.
    numa = model.attribute("Vm", "numa_nodes")
    assert (numa.element, numa.item, numa.link) == ("host_numa_nodes", "host_numa_node", "numanodes")
    links = {a.name: a.link for a in model.links("Vm")}
    assert links["disk_attachments"] == "diskattachments" and links["snapshots"] == "snapshots"
    assert "cluster" not in links


def test_representative_types(model):
    assert model.type("Disk").base == "Device"
    assert model.attribute("Disk", "provisioned_size").type == "integer"
    assert model.attribute("Disk", "statistics").link == "statistics"
    assert model.attribute("Nic", "mac").type == "Mac"
    assert model.type("Snapshot").base == "Vm"
    assert model.attribute("Snapshot", "snapshot_status").type == "SnapshotStatus"
    assert model.attribute("Host", "nics").type == "HostNic"
    assert model.attribute("Cluster", "version").type == "Version"
    assert model.attribute("Permission", "role").type == "Role"
    assert model.attribute("Statistic", "values").list
    assert model.attribute("Statistic", "values").type == "Value"
    assert model.attribute("Value", "datum").type == "decimal"
    assert model.attribute("Tag", "parent").type == "Tag"
    # A list of primitives names its items.
    targets = model.attribute("Action", "iscsi_targets")
    assert (targets.type, targets.list, targets.item) == ("string", True, "iscsi_target")
    assert model.attribute("Network", "usages").type == "NetworkUsage"
    # Identifiers that are not strings.
    assert model.attribute("Vlan", "id").type == "integer"
    assert model.attribute("Method", "id").type == "SsoMethod"
    assert model.type_of_element("vm_placement_policies").name == "VmPlacementPolicy"
    assert [a.name for a in model.common_attributes] == ["href"]


def test_enums(model):
    values = model.enum("VmStatus").values
    assert {"up", "down", "powering_up", "image_locked", "wait_for_launch"} <= set(values)
    assert "async" not in model.enums
    assert model.enum("DiskFormat").values == ("cow", "raw")


def test_every_referenced_type_is_defined(model):
    defined = set(model.types) | set(model.enums) | {"string", "integer", "decimal", "boolean", "date"}
    for name in model.types:
        for attribute in model.attributes(name):
            assert attribute.type in defined, f"{name}.{attribute.name}"
            assert not attribute.list or attribute.item, f"{name}.{attribute.name}"


# --- services ---------------------------------------------------------------------------------------

def test_vms_service(model):
    methods = model.methods("VmsService")
    listing = methods["list"]
    assert listing.verb == "list" and listing.returns == "Vm"
    assert {"search", "max", "case_sensitive", "follow", "filter", "all_content"} <= {p.name for p in listing.parameters}
    assert all(p.location == "query" for p in listing.parameters)
    assert listing.parameter("max").type == "integer"
    assert listing.parameter("case_sensitive").default == "true"

    add = methods["add"]
    assert add.body.name == "vm" and add.body.type == "Vm"
    assert add.parameter("clone").location == "query"
    assert methods["add_from_snapshot"].verb == "add"

    member = model.locator("VmsService", None)
    assert (member.name, member.service, member.by_id) == ("vm", "VmService", True)


def test_vm_service(model):
    methods = model.methods("VmService")
    assert methods["get"].returns == "Vm"
    assert methods["update"].body.type == "Vm"
    remove = methods["remove"]
    assert remove.parameter("async").name == "async_"
    assert remove.parameter("async_").wire == "async"

    actions = model.actions("VmService")
    assert {"start", "stop", "shutdown", "suspend", "migrate", "ticket"} <= set(actions)
    start = actions["start"]
    assert start.path == "start"
    assert start.parameter("use_cloud_init").type == "boolean"
    assert start.parameter("vm").type == "Vm"
    assert start.parameter("async_").wire == "async"
    assert all(p.location == "body" for p in start.parameters)
    assert actions["thaw_filesystems"].path == "thawfilesystems"
    assert actions["ticket"].result == "ticket"

    locators = model.locators("VmService")
    assert locators["snapshots"].service == "SnapshotsService"
    assert locators["nics"].service == "VmNicsService"
    assert locators["disk_attachments"].path == "diskattachments"
    # Inherited from MeasurableService.
    assert locators["statistics"].service == "StatisticsService"
    assert model.service("VmService").base == "MeasurableService"


def test_other_services(model):
    assert model.methods("SnapshotsService")["list"].returns == "Snapshot"
    assert model.methods("SnapshotsService")["add"].body.type == "Snapshot"
    assert model.member_service("SnapshotsService").name == "SnapshotService"
    assert model.methods("AssignedPermissionsService")["add"].body.type == "Permission"
    assert model.methods("SystemPermissionsService")["list"].returns == "Permission"
    assert model.methods("StatisticsService")["list"].returns == "Statistic"
    assert model.methods("StatisticService")["get"].returns == "Statistic"
    assert model.methods("HostNicsService")["list"].returns == "HostNic"
    assert model.methods("VmNicsService")["list"].returns == "Nic"
    assert model.methods("DiskAttachmentsService")["add"].body.type == "DiskAttachment"
    assert model.actions("HostService")["install"].parameter("ssh").type == "Ssh"
    assert model.actions("GlusterBricksService")["activate"].parameter("bricks").list


def test_root(model):
    root = model.root_service
    assert root.name == "SystemService"
    assert model.methods(root.name)["get"].returns == "Api"
    locators = model.locators(root.name)
    assert locators["vms"].path == "vms" and locators["vms"].service == "VmsService"
    assert locators["storage_domains"].path == "storagedomains"
    assert model.resolve("vms/123/nics/456").name == "VmNicService"


def test_root_collections_match_the_sdk_system_service(model):
    source = _sdk_source("services")
    system = source[source.index("class SystemService("):]
    system = system[:system.index("\nclass ")]
    declared = re.findall(r"    def (\w+)_service\(self\):", system)
    assert len(model.locators("SystemService")) == len(declared) >= 40
    assert set(model.locators("SystemService")) == set(declared)


def test_walk_paths(model):
    paths = dict(model.walk_paths(3))
    assert len(paths) > 140
    assert paths["vms"].name == "VmsService"
    assert paths["vms/{vm}"].name == "VmService"
    assert paths["vms/{vm}/nics"].name == "VmNicsService"
    assert "vms/{vm}/nics/{nic}" not in paths
    deeper = dict(model.walk_paths(4))
    assert deeper["vms/{vm}/nics/{nic}"].name == "VmNicService"
    assert deeper["hosts/{host}/nics/{nic}"].name == "HostNicService"
    assert all(path.count("/") < 4 for path in deeper)
    everything = [path for path, _ in model.walk_paths()]
    assert len(everything) == len(set(everything)) > len(deeper)
    assert "datacenters/{data_center}/storagedomains/{storage_domain}/disks/{disk}/permissions/{permission}" in everything
