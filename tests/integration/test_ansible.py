"""Ansible's ovirt.ovirt modules against the demo scenario, each playbook run twice.

The ``ansible`` package (pinned in the ``test`` extra) bundles the ovirt.ovirt collection; its
modules run in the test's own interpreter, so they import the SDK installed beside it. Every
playbook runs on localhost with a local connection and talks to the live engine over HTTP. Its
first run must succeed and change what the test expects; the second must succeed and change
nothing, as against a real engine: the modules compare what the engine answers with what the
task asks for, so every attribute they read back must be the engine's. After the runs the test
reads the engine's state through the SDK.

Ansible writes only under the test's temporary directory (``HOME``, ``ANSIBLE_HOME``, its local
and remote temporary directories); results come from the ``json`` stdout callback.

Deselect locally with ``-m "not ansible"``; CI runs it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
TIMEOUT = 120.0

pytestmark = [
    pytest.mark.ansible,
    pytest.mark.scenario("demo"),
    # SQLite only: the shared live engine's SQLite instance, whatever ENGINE_EMU_TEST_BACKENDS says.
    pytest.mark.parametrize("live_engine", ["sqlite"], indirect=True),
    pytest.mark.skipif(not ANSIBLE_PLAYBOOK.exists(), reason="ansible is not installed (pip install -e '.[test]')"),
]

# Modules that wait for a state: fail fast rather than after the modules' three minutes.
WAITING_MODULES = ("ovirt_vm", "ovirt_disk", "ovirt_nic", "ovirt_host", "ovirt_tag", "ovirt_snapshot",
                   "ovirt_user", "ovirt_permission")


@dataclass
class Run:
    """One ``ansible-playbook`` run: each task's result by task name, and the play's recap."""

    results: dict[str, dict[str, Any]]
    stats: dict[str, int]
    output: str

    @property
    def changed(self) -> list[str]:
        return [name for name, result in self.results.items() if result.get("changed")]

    @property
    def failures(self) -> dict[str, str]:
        return {name: str(result.get("msg", result))[:500] for name, result in self.results.items()
                if result.get("failed")}


class Ansible:
    """Runs playbooks against one engine from a scratch directory."""

    def __init__(self, engine: Any, root: Path) -> None:
        self.engine, self.root = engine, root
        home = root / "home"
        home.mkdir()
        (root / "ansible.cfg").write_text("")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LC_ALL": "C.UTF-8",
            "ANSIBLE_CONFIG": str(root / "ansible.cfg"),
            "ANSIBLE_HOME": str(home / ".ansible"),
            "ANSIBLE_LOCAL_TEMP": str(root / "tmp"),
            "ANSIBLE_REMOTE_TEMP": str(root / "remote-tmp"),
            "ANSIBLE_COLLECTIONS_PATH": str(root / "collections"),  # the bundled ones are found on sys.path
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_STDOUT_CALLBACK": "json",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_PIPELINING": "1",
        }
        self.runs = 0

    def play(self, tasks: list[dict[str, Any]], *, login: bool = False) -> list[dict[str, Any]]:
        """A play on localhost: ``tasks`` with the engine's credentials as module defaults, or with
        ``login`` in a block between an ``ovirt_auth`` login and its logout, on the SSO token."""
        auth = {"url": self.engine.url, "username": self.engine.username, "password": self.engine.password,
                "insecure": True}
        waiting = {f"ovirt.ovirt.{module}": {"timeout": 30, "poll_interval": 1} for module in WAITING_MODULES}
        play: dict[str, Any] = {"name": "engine-emu", "hosts": "localhost", "connection": "local",
                                "gather_facts": False}
        if login:
            play["tasks"] = [
                {"name": "log in", "ovirt.ovirt.ovirt_auth": auth},
                {"block": tasks, "module_defaults": {"group/ovirt.ovirt.ovirt": {"auth": "{{ ovirt_auth }}"},
                                                     **waiting}},
                {"name": "log out", "ovirt.ovirt.ovirt_auth": {"state": "absent", "ovirt_auth": "{{ ovirt_auth }}"}},
            ]
        else:
            play["module_defaults"] = {"group/ovirt.ovirt.ovirt": {"auth": auth}, **waiting}
            play["tasks"] = tasks
        return [play]

    def run(self, playbook: list[dict[str, Any]]) -> Run:
        self.runs += 1
        path = self.root / f"playbook-{self.runs}.yml"
        path.write_text(json.dumps(playbook, indent=1))  # JSON is YAML
        done = subprocess.run([sys.executable, str(ANSIBLE_PLAYBOOK), "-i", "localhost,", str(path)],
                              cwd=self.root, env=self.env, capture_output=True, text=True, timeout=TIMEOUT)
        try:
            report = json.loads(done.stdout)
        except ValueError:
            pytest.fail(f"ansible-playbook answered no JSON (exit {done.returncode}):\n"
                        f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}", pytrace=False)
        results: dict[str, dict[str, Any]] = {}
        for play in report["plays"]:
            for task in play["tasks"]:
                results[task["task"]["name"]] = task["hosts"].get("localhost", {})
        return Run(results, report["stats"].get("localhost", {}), done.stdout)

    def converge(self, tasks: list[dict[str, Any]], changes: list[str], *, login: bool = False) -> Run:
        """Run the tasks twice: the first run changes exactly ``changes`` (task names), the second
        nothing. Returns the first run."""
        playbook = self.play(tasks, login=login)
        first = self.run(playbook)
        assert not first.failures, f"the first run failed: {first.failures}"
        assert first.changed == changes, f"the first run changed {first.changed}, not {changes}"
        second = self.run(playbook)
        assert not second.failures, f"the second run failed: {second.failures}"
        assert second.changed == [] and second.stats.get("changed") == 0, \
            f"the second run changed {second.changed}: {[second.results[n] for n in second.changed]}"
        return first


def task(title: str, module: str, /, **args: Any) -> dict[str, Any]:
    """A task named ``title`` running the ovirt.ovirt module ``module`` with ``args``."""
    return {"name": title, f"ovirt.ovirt.{module}": args}


@pytest.fixture
def ansible(engine: Any, tmp_path: Path) -> Ansible:
    engine.set_transition_delay(0)
    return Ansible(engine, tmp_path)


@pytest.fixture
def sdk(engine: Any) -> Iterator[Any]:
    import ovirtsdk4 as sdk

    connection = sdk.Connection(url=engine.url, username=engine.username, password=engine.password, insecure=True)
    yield connection.system_service()
    connection.close()


def _one(service: Any, search: str) -> Any:
    found = service.list(search=search)
    assert len(found) == 1, f"{search}: {[e.name for e in found]}"
    return found[0]


# --- the playbooks --------------------------------------------------------------------------------

def test_ovirt_vm_present_running_stopped_absent(ansible: Ansible, sdk: Any) -> None:
    vm = {"name": "ansible-vm", "cluster": "Default", "template": "Blank", "memory": "1GiB",
          "memory_guaranteed": "512MiB", "cpu_sockets": 1, "cpu_cores": 2, "type": "server",
          "operating_system": "rhel_8x64", "description": "made by Ansible", "high_availability": True,
          "boot_devices": ["hd", "network"]}
    vms = sdk.vms_service()

    ansible.converge([task("present", "ovirt_vm", state="present", **vm),
                      task("running", "ovirt_vm", name="ansible-vm", state="running")], ["present", "running"])
    made = _one(vms, "name=ansible-vm")
    assert (made.status.value, made.memory, made.cpu.topology.cores, made.os.type) == \
        ("up", 1024**3, 2, "rhel_8x64")
    assert sdk.templates_service().template_service(made.template.id).get().name == "Blank"
    assert sdk.clusters_service().cluster_service(made.cluster.id).get().name == "Default"

    ansible.converge([task("stopped", "ovirt_vm", name="ansible-vm", state="stopped")], ["stopped"])
    assert _one(vms, "name=ansible-vm").status.value == "down"

    ansible.converge([task("absent", "ovirt_vm", name="ansible-vm", state="absent")], ["absent"])
    assert vms.list(search="name=ansible-vm") == []


def test_ovirt_disk_added_and_grown_and_ovirt_nic_on_a_vm(ansible: Ansible, sdk: Any) -> None:
    ansible.converge([
        task("disk", "ovirt_disk", name="ansible-disk", vm_name="myvm", size="1GiB", format="cow",
             interface="virtio_scsi", storage_domain="mydata", bootable=False),
        task("grown", "ovirt_disk", name="myvm_Disk1", vm_name="myvm", size="30GiB"),
        task("nic", "ovirt_nic", name="nic2", vm="myvm", network="mynetwork", profile="mynetwork",
             interface="virtio"),
    ], ["disk", "grown", "nic"])
    myvm = sdk.vms_service().vm_service(_one(sdk.vms_service(), "name=myvm").id)
    disk = _one(sdk.disks_service(), "name=ansible-disk")
    assert (disk.provisioned_size, disk.format.value, disk.status.value) == (1024**3, "cow", "ok")
    assert _one(sdk.disks_service(), "name=myvm_Disk1").provisioned_size == 30 * 1024**3
    attachment = myvm.disk_attachments_service().attachment_service(disk.id).get()
    assert (attachment.interface.value, attachment.active, attachment.bootable) == ("virtio_scsi", True, False)
    nics = {nic.name: nic for nic in myvm.nics_service().list()}
    assert set(nics) == {"nic1", "nic2"}
    profile = sdk.vnic_profiles_service().profile_service(nics["nic2"].vnic_profile.id).get()
    assert (profile.name, nics["nic2"].interface.value) == ("mynetwork", "virtio")


def test_ovirt_host_maintenance_then_active(ansible: Ansible, sdk: Any) -> None:
    hosts, vms = sdk.hosts_service(), sdk.vms_service()
    myhost = _one(hosts, "name=myhost")
    running = [vm.name for vm in vms.list(search="status=up") if vm.host and vm.host.id == myhost.id]
    assert running, "the demo runs VMs on myhost"

    ansible.converge([task("maintenance", "ovirt_host", name="myhost", state="maintenance")], ["maintenance"])
    assert hosts.host_service(myhost.id).get().status.value == "maintenance"
    for name in running:  # migrated away first, as the engine does
        vm = _one(vms, f"name={name}")
        assert vm.status.value == "up" and vm.host.id != myhost.id, name

    ansible.converge([task("active", "ovirt_host", name="myhost", state="present")], ["active"])
    assert hosts.host_service(myhost.id).get().status.value == "up"


def test_info_modules_answer_what_the_demo_has(ansible: Ansible) -> None:
    first = ansible.converge([
        task("vms", "ovirt_vm_info", pattern="name=myvm"),
        task("hosts", "ovirt_host_info", pattern="cluster=Default"),
        task("disks", "ovirt_disk_info", pattern="vm_names=myvm"),
        task("clusters", "ovirt_cluster_info"),
        task("datacenters", "ovirt_datacenter_info"),
        task("storage domains", "ovirt_storage_domain_info", pattern="datacenter=Default"),
        task("networks", "ovirt_network_info"),
        task("tags", "ovirt_tag_info"),
        task("events", "ovirt_event_info", max=5),
    ], [], login=True)
    r = first.results

    def names(task_name: str, key: str) -> set[str]:
        return {entity["name"] for entity in r[task_name][key]}

    assert names("vms", "ovirt_vms") == {"myvm"}
    assert r["vms"]["ovirt_vms"][0]["status"] == "down"
    assert names("hosts", "ovirt_hosts") == {"myhost", "host02", "host03"}
    assert names("disks", "ovirt_disks") == {"myvm_Disk1"}
    assert names("clusters", "ovirt_clusters") == {"Default", "cluster2"}
    assert names("datacenters", "ovirt_datacenters") == {"Default"}
    assert names("storage domains", "ovirt_storage_domains") == {"mydata", "myexport", "mysd"}
    assert {"ovirtmgmt", "mynetwork"} <= names("networks", "ovirt_networks")
    assert isinstance(r["tags"]["ovirt_tags"], list)
    assert len(r["events"]["ovirt_events"]) == 5


def test_ovirt_user(ansible: Ansible, sdk: Any) -> None:
    ansible.converge([task("user", "ovirt_user", name="ansible-user", authz_name="internal-authz")], ["user"])
    user = _one(sdk.users_service(), "usrname=ansible-user@internal-authz")
    assert (user.principal, user.user_name) == ("ansible-user", "ansible-user@internal-authz")


def test_ovirt_tag_assigned_to_a_vm_and_a_host_with_a_child(ansible: Ansible, sdk: Any) -> None:
    ansible.converge([
        task("tag", "ovirt_tag", name="ansible-tag", description="put by Ansible", vms=["myvm"], hosts=["myhost"]),
        task("child", "ovirt_tag", name="ansible-child", parent="ansible-tag"),
    ], ["tag", "child"])
    tags = {tag.name: tag for tag in sdk.tags_service().list()}
    assert tags["ansible-tag"].description == "put by Ansible"
    assert tags["ansible-child"].parent.id == tags["ansible-tag"].id
    vms, hosts = sdk.vms_service(), sdk.hosts_service()
    assert [vm.name for vm in vms.list(search="tag=ansible-tag")] == ["myvm"]
    myhost = _one(hosts, "name=myhost")
    assert [tag.name for tag in hosts.host_service(myhost.id).tags_service().list()] == ["ansible-tag"]


def test_ovirt_snapshot_of_a_vm(ansible: Ansible, sdk: Any) -> None:
    # ovirt_snapshot finds an existing snapshot only by id: the playbook looks it up by description.
    ansible.converge([
        dict(task("existing", "ovirt_snapshot_info", vm="myvm", description="ansible-snapshot"), register="existing"),
        task("snapshot", "ovirt_snapshot", vm_name="myvm", description="ansible-snapshot", state="present",
             snapshot_id="{{ existing.ovirt_snapshots | map(attribute='id') | first | default(omit) }}"),
    ], ["snapshot"])
    myvm = sdk.vms_service().vm_service(_one(sdk.vms_service(), "name=myvm").id)
    snapshots = {s.description: s for s in myvm.snapshots_service().list()}
    assert snapshots["ansible-snapshot"].snapshot_status.value == "ok"
    assert snapshots["ansible-snapshot"].snapshot_type.value == "regular"
    assert snapshots["Active VM"].snapshot_type.value == "active"


def test_ovirt_permission_for_a_user_on_a_vm(ansible: Ansible, sdk: Any) -> None:
    ansible.converge([
        task("user", "ovirt_user", name="ansible-user", authz_name="internal-authz"),
        task("permission", "ovirt_permission", user_name="ansible-user", authz_name="internal-authz",
             object_type="vm", object_name="myvm", role="UserVmManager"),
    ], ["user", "permission"])
    user = _one(sdk.users_service(), "usrname=ansible-user@internal-authz")
    myvm = sdk.vms_service().vm_service(_one(sdk.vms_service(), "name=myvm").id)
    held = [p for p in myvm.permissions_service().list() if p.user and p.user.id == user.id]
    assert [sdk.roles_service().role_service(p.role.id).get().name for p in held] == ["UserVmManager"]
