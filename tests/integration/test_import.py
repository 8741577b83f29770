"""``engine-emu import``: a second engine's inventory read over HTTP into a scenario file, and a
fresh engine seeded from it whose every document equals the source's, ids included; no secret in
the file; clean errors for a bad URL, bad credentials and a bad file. On SQLite and PostgreSQL."""
from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest
from sqlalchemy import select

from engine_api import models as m
from engine_api.cli import main
from engine_api.testing import LiveEngine
from engine_api.testing.plugin import worker_database
from fixtures import seed
from fixtures.imported import ScenarioFileError, without_secrets

SECRETS = ("S3cret-root", "Chap-S3cret", "Ipmi-S3cret", "cloud-S3cret")


@pytest.fixture(scope="module")
def copy(live_engine: LiveEngine, request: pytest.FixtureRequest) -> Iterator[LiveEngine]:
    """A second engine on the source's backend (its own database), seeded from what is imported."""
    database = None
    if live_engine.config.database.startswith("postgresql"):
        database = worker_database(request.getfixturevalue("postgresql").url, "imported")
    with LiveEngine(database) as live:
        yield live


def _import(engine: LiveEngine, target: Path, *extra: str) -> int:
    return main(["import", engine.url, "--user", engine.username, "--password", engine.password,
                 "--output", str(target), *extra])


def _documents(live: LiveEngine) -> dict[str, tuple[Any, ...]]:
    """Every document of an engine by href: its collection, entity id, parent, JSON and XML."""
    with live.db.transaction() as session:
        return {doc.href: (doc.collection, doc.entity_id, doc.parent_href, doc.body, doc.xml)
                for doc in session.scalars(select(m.Document))}


def _differences(source: dict[str, tuple[Any, ...]], copied: dict[str, tuple[Any, ...]]) -> list[str]:
    found = [f"missing {href}" for href in sorted(set(source) - set(copied))]
    found += [f"extra {href}" for href in sorted(set(copied) - set(source))]
    found += [f"differs {href}" for href in sorted(set(source) & set(copied)) if source[href] != copied[href]]
    return found


@pytest.mark.scenario("scale:200")
def test_a_copy_of_scale_200_holds_every_document_of_its_source(engine, copy, tmp_path, capsys):
    target = tmp_path / "scale.json"
    assert _import(engine, target) == 0
    scenario = json.loads(target.read_text())
    assert scenario["format"] == "engine-emu-scenario" and scenario["version"] == 1
    assert len(scenario["entities"]["vms"]) == 200
    assert sum(len(nics) for nics in scenario["entities"]["vms/nics"].values()) == 400
    # One request per collection, its sub-collections followed: not one per VM.
    assert scenario["source"]["requests"] < 45
    assert f"wrote {target}" in capsys.readouterr().err
    copy.reset(str(target), fresh=True)
    source = _documents(engine)
    assert len(source) > 1600
    assert _differences(source, _documents(copy)) == []


def _dress(engine: LiveEngine, connection: sdk.Connection) -> None:
    """What clients add to the demo: a template, a regular snapshot, tags on VMs, hosts, templates
    and users, a user with permissions, a custom role, stored entities of the generic store and
    attributes engine-emu keeps for the model, a CD in a VM's drive and a SPICE console."""
    system = connection.system_service()
    vms = system.vms_service()
    myvm = vms.list(search="name=myvm")[0]
    demo = vms.list(search="name=demo-04")[0]
    template = system.templates_service().add(types.Template(name="golden", vm=types.Vm(id=myvm.id)))
    snapshots = vms.vm_service(demo.id).snapshots_service()
    snapshots.add(types.Snapshot(description="before the upgrade"))
    _finished(engine)
    tags = system.tags_service()
    web = tags.add(types.Tag(name="web", description="web servers"))
    tags.add(types.Tag(name="front", parent=types.Tag(id=web.id)))
    vms.vm_service(myvm.id).tags_service().add(types.Tag(name="web"))
    vms.vm_service(demo.id).tags_service().add(types.Tag(name="front"))
    host = system.hosts_service().list(search="name=myhost")[0]
    system.hosts_service().host_service(host.id).tags_service().add(types.Tag(name="web"))
    system.templates_service().template_service(template.id).tags_service().add(types.Tag(name="front"))
    alice = engine.add_user("alice", "wonderland")
    system.users_service().user_service(alice).tags_service().add(types.Tag(name="web"))
    vms.vm_service(myvm.id).permissions_service().add(
        types.Permission(role=types.Role(name="UserRole"), user=types.User(id=alice)))
    cluster = system.clusters_service().list(search="name=Default")[0]
    system.clusters_service().cluster_service(cluster.id).permissions_service().add(
        types.Permission(role=types.Role(name="UserVmManager"), user=types.User(id=alice)))
    auditor = system.roles_service().add(types.Role(name="Auditor", administrative=False,
                                                    permits=[types.Permit(id="1"), types.Permit(id="5")]))
    system.permissions_service().add(types.Permission(role=types.Role(id=auditor.id), user=types.User(id=alice)))
    system.bookmarks_service().add(types.Bookmark(name="prod", value="vms: name=prod*"))
    system.mac_pools_service().add(types.MacPool(name="lab", ranges=[types.Range(from_="56:6f:1a:2c:00:00",
                                                                                  to="56:6f:1a:2c:00:ff")]))
    system.clusters_service().cluster_service(cluster.id).affinity_groups_service().add(
        types.AffinityGroup(name="spread", positive=False, enforcing=True))
    vms.vm_service(demo.id).update(types.Vm(cpu_shares=512, serial_number=types.SerialNumber(
        policy=types.SerialNumberPolicy.CUSTOM, value="ABC-123")))
    cdroms = vms.vm_service(myvm.id).cdroms_service()
    cdroms.cdrom_service(cdroms.list()[0].id).update(types.Cdrom(file=types.File(id="rhel9.iso")))
    vms.vm_service(myvm.id).graphics_consoles_service().add(types.GraphicsConsole(protocol=types.GraphicsType.SPICE))
    _finished(engine)


def _finished(engine: LiveEngine) -> None:
    """Wait until the engine's ticker has applied every pending transition (creating the template,
    taking the snapshot)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with engine.db.transaction() as session:
            if session.scalars(select(m.Transition.id).limit(1)).first() is None:
                return
        time.sleep(0.05)
    raise AssertionError("the engine still has transitions to apply")


@pytest.mark.scenario("demo")
def test_a_copy_keeps_what_clients_added_to_the_source(engine, connection, copy, tmp_path):
    _dress(engine, connection)
    target = tmp_path / "dressed.json"
    assert _import(engine, target) == 0
    entities = json.loads(target.read_text())["entities"]
    assert {doc["name"] for doc in entities["tags"]} == {"root", "web", "front"}
    assert any(snapshot["snapshot_type"] == "regular" for snapshots in entities["vms/snapshots"].values()
               for snapshot in snapshots)
    copy.reset(str(target), fresh=True)
    source = _documents(engine)
    collections = {value[0] for value in source.values()}
    assert {"events", "storagedomains/disksnapshots", "templates/diskattachments", "bookmarks", "macpools",
            "clusters/affinitygroups"} <= collections
    assert _differences(source, _documents(copy)) == []
    # What the documents do not show comes along too: the tags, the CD and the consoles.
    with copy.db.transaction() as session:
        assigned = {(row.object_type, row.tag_id) for row in session.scalars(select(m.TagAssignment))}
        cdrom_paths = {(row.spec_params or {}).get("path") for row in session.scalars(
            select(m.VmDevice).where(m.VmDevice.device == "cdrom"))}
        graphics = sorted(row.device for row in session.scalars(select(m.VmDevice).join(m.Vm).where(
            m.Vm.name == "myvm", m.VmDevice.type == "graphics")))
    assert {kind for kind, _ in assigned} == {"vms", "hosts", "templates", "users"}
    assert "rhel9.iso" in cdrom_paths and graphics == ["spice", "vnc"]
    # The VMs storage domains hold, which have no documents, read the same.
    held = _held_vm_answers(engine)
    assert any(answer.get("vm") for path, answer in held.items() if "unregistered" in path)
    assert any(answer.get("disk") for path, answer in held.items() if path.endswith("/disks"))
    assert _held_vm_answers(copy) == held


def _held_vm_answers(live: LiveEngine) -> dict[str, Any]:
    """The JSON answers of the VMs each storage domain holds, and of their disks and disk attachments."""
    import requests

    with requests.Session() as session:
        session.auth = (live.username, live.password)
        session.headers["Accept"] = "application/json"
        answers: dict[str, Any] = {}
        for domain in session.get(f"{live.url}/storagedomains").json()["storage_domain"]:
            for query in ("", "?unregistered=true"):
                path = f"/storagedomains/{domain['id']}/vms{query}"
                answers[path] = session.get(live.url + path).json()
                for vm in answers[path].get("vm", []):
                    for rel in ("disks", "diskattachments"):
                        below = f"/storagedomains/{domain['id']}/vms/{vm['id']}/{rel}"
                        answers[below] = session.get(live.url + below).json()
        return answers


@pytest.mark.scenario("demo")
def test_secrets_are_not_copied(engine, connection, copy, tmp_path):
    system = connection.system_service()
    myvm = system.vms_service().list(search="name=myvm")[0]
    system.vms_service().vm_service(myvm.id).update(types.Vm(initialization=types.Initialization(
        user_name="root", root_password="S3cret-root",
        cloud_init=types.CloudInit(users=[types.User(user_name="ops", password="cloud-S3cret")]))))
    system.storage_connections_service().add(types.StorageConnection(
        address="iscsi.example.com", port=3260, target="iqn.2026-01.com.example:data", type=types.StorageType.ISCSI,
        username="chap", password="Chap-S3cret"))
    host = system.hosts_service().list(search="name=myhost")[0]
    system.hosts_service().host_service(host.id).update(types.Host(power_management=types.PowerManagement(
        enabled=True, address="10.0.0.99", username="ipmi", password="Ipmi-S3cret")))
    source = _documents(engine)
    assert all(any(secret in value[3] for value in source.values()) for secret in SECRETS)
    target = tmp_path / "secrets.json"
    assert _import(engine, target) == 0
    text = target.read_text()
    assert not [secret for secret in SECRETS if secret in text]
    assert '"user_name": "root"' in text and "iscsi.example.com" in text
    copy.reset(str(target), fresh=True)
    copied = _documents(copy)
    assert set(copied) == set(source)
    for href, value in source.items():
        assert json.loads(copied[href][3]) == without_secrets(json.loads(value[3])), href


@pytest.mark.scenario("demo")
def test_an_imported_vm_starts_and_takes_a_new_nic(engine, copy, tmp_path):
    target = tmp_path / "demo.json"
    assert _import(engine, target, "--events", "0") == 0
    assert "events" not in json.loads(target.read_text())["entities"]
    copy.reset(str(target), fresh=True)
    copy.set_transition_delay(0.0)
    conn = sdk.Connection(url=copy.url, username=copy.username, password=copy.password)
    try:
        vms = conn.system_service().vms_service()
        myvm = vms.list(search="name=myvm")[0]
        assert myvm.status == types.VmStatus.DOWN
        service = vms.vm_service(myvm.id)
        service.start()
        deadline = time.monotonic() + 20
        while service.get().status != types.VmStatus.UP and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service.get().status == types.VmStatus.UP
        taken = {nic.mac.address for vm in vms.list() for nic in conn.follow_link(vm.nics)}
        added = service.nics_service().add(types.Nic(name="nic9", interface=types.NicInterface.VIRTIO))
        assert added.mac.address not in taken and added.mac.address.startswith("56:6f:1a:2b:")
    finally:
        conn.close()


def _refusing_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _NotAnEngine(http.server.BaseHTTPRequestHandler):
    """Answers every request with a 404 HTML page, as a web server in front of no engine does."""

    def _answer(self) -> None:
        body = b"<html><body><h1>Not Found</h1></body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def web_server() -> Iterator[str]:
    """An HTTP server that is no engine."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotAnEngine)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/nowhere/ovirt-engine/api"
    finally:
        server.shutdown()
        server.server_close()


def test_bad_urls_and_credentials_are_one_line_errors(engine, tmp_path, capsys, web_server):
    target = tmp_path / "never.json"
    cases = [
        ([f"http://127.0.0.1:{_refusing_port()}/ovirt-engine/api", "--password", "x"], "cannot reach"),
        (["ftp://engine.example.com/ovirt-engine/api", "--password", "x"], "is not an http:// or https:// URL"),
        ([web_server, "--password", "x"], "is not an oVirt engine"),
        ([engine.url, "--password", "wrong"], f"{engine.username} cannot log in"),
        ([engine.url.replace("http://", "https://"), "--password", "x", "--ca-file", str(tmp_path / "no-ca.pem")],
         "cannot read the CA file"),
    ]
    for arguments, expected in cases:
        assert main(["import", arguments[0], "--user", engine.username, *arguments[1:],
                     "--output", str(target)]) == 1
        lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("engine-emu import:")]
        assert len(lines) == 1 and expected in lines[0], (arguments, lines)
    assert not target.exists()
    done = subprocess.run([sys.executable, "-m", "engine_api.cli", "import", engine.url, "--user", engine.username,
                           "--output", str(target)], capture_output=True, text=True,
                          env={**os.environ, "ENGINE_EMU_IMPORT_PASSWORD": ""}, timeout=60)
    assert done.returncode == 2 and "give --password" in done.stderr and "Traceback" not in done.stderr


def test_bad_scenario_files_are_refused_with_what_is_wrong(tmp_path, live_engine):
    files = {
        "missing.json": (None, "cannot read the scenario file"),
        "garbage.json": ("{not json", "is not JSON"),
        "other.json": (json.dumps({"format": "something-else"}), "is not an engine-emu scenario"),
        "future.json": (json.dumps({"format": "engine-emu-scenario", "version": 99}), "this engine-emu reads version 1"),
        "shape.json": (json.dumps({"format": "engine-emu-scenario", "version": 1, "entities": {"vms": {}}}),
                       "must be a list of documents"),
    }
    database = f"sqlite:///{tmp_path / 'seeded.sqlite'}"
    for name, (content, expected) in files.items():
        path = tmp_path / name
        if content is not None:
            path.write_text(content)
        with pytest.raises(ScenarioFileError, match=expected):
            seed(live_engine.db, str(path))
        with pytest.raises(SystemExit) as stopped:
            main(["seed", str(path), "--database", database])
        assert str(stopped.value).startswith("engine-emu: ") and expected in str(stopped.value)
    with pytest.raises(ValueError, match="or a scenario file"):
        seed(live_engine.db, "no-such-scenario")


def test_follow_inlines_the_tags_and_permissions_the_import_reads(http, engine):
    answer = http.get(engine.url + "/users", params={"follow": "permissions,tags"},
                      headers={"Accept": "application/json"})
    assert answer.status_code == 200
    admin = answer.json()["user"][0]
    assert [p["role"]["id"] for p in admin["permissions"]["permission"]] == ["00000000-0000-0000-0000-000000000001"]
    assert http.get(engine.url + "/vms", params={"follow": "tags,permissions"}).status_code == 200


def _ref(collection: str, entity_id: str) -> dict[str, str]:
    return {"href": f"/ovirt-engine/api/{collection}/{entity_id}", "id": entity_id}


DC, CLUSTER, HOST, DOMAIN, NET, PROFILE = (f"1000000{n}-0000-4000-8000-000000000000" for n in range(6))
VM, DISK, NIC, POOL = (f"2000000{n}-0000-4000-8000-000000000000" for n in range(4))


def _as_a_real_engine_answers() -> dict[str, Any]:
    """A scenario as an import of an oVirt 4.5 engine writes it: the engine's own attributes,
    many of which engine-emu's schemas do not map, a storage domain whose status only its data
    center tells, a cluster on its own MAC pool."""
    return {
        "format": "engine-emu-scenario", "version": 1,
        "source": {"url": "https://engine.example.com/ovirt-engine/api", "product": "oVirt Engine"},
        "entities": {
            "datacenters": [{"href": f"/ovirt-engine/api/datacenters/{DC}", "id": DC, "name": "prod",
                             "local": "false", "quota_mode": "disabled", "status": "up", "storage_format": "v5",
                             "supported_versions": {"version": [{"major": "4", "minor": "7"}]},
                             "version": {"major": "4", "minor": "7"}, "mac_pool": _ref("macpools", POOL)}],
            "datacenters/storagedomains": {DC: [{"id": DOMAIN, "name": "data1", "status": "active",
                                                 "master": "true"}]},
            "clusters": [{"href": f"/ovirt-engine/api/clusters/{CLUSTER}", "id": CLUSTER, "name": "prod-cl",
                          "ballooning_enabled": "true", "cpu": {"architecture": "x86_64",
                                                                "type": "Intel Cascadelake Server Family"},
                          "data_center": _ref("datacenters", DC), "mac_pool": _ref("macpools", POOL),
                          "error_handling": {"on_error": "migrate"}, "threads_as_cores": "false",
                          "memory_policy": {"over_commit": {"percent": "150"}},
                          "version": {"major": "4", "minor": "7"}}],
            "clusters/networks": {CLUSTER: [{"id": NET, "name": "ovirtmgmt", "required": "true", "display": "false",
                                             "usages": {"usage": ["vm", "management", "display"]}}]},
            "networks": [{"href": f"/ovirt-engine/api/networks/{NET}", "id": NET, "name": "ovirtmgmt",
                          "data_center": _ref("datacenters", DC), "mtu": "0", "stp": "false",
                          "usages": {"usage": ["vm", "management", "display"]}, "vdsm_name": "ovirtmgmt"}],
            "vnicprofiles": [{"href": f"/ovirt-engine/api/vnicprofiles/{PROFILE}", "id": PROFILE,
                              "name": "ovirtmgmt", "network": _ref("networks", NET), "pass_through": {"mode": "disabled"},
                              "port_mirroring": "false"}],
            "hosts": [{"href": f"/ovirt-engine/api/hosts/{HOST}", "id": HOST, "name": "kvm01",
                       "address": "kvm01.example.com", "port": "54321", "status": "up", "type": "rhel",
                       "cluster": _ref("clusters", CLUSTER), "memory": "270582939648",
                       "cpu": {"name": "Intel(R) Xeon(R) Gold 6248", "speed": "2500",
                               "topology": {"cores": "20", "sockets": "2", "threads": "2"}},
                       "spm": {"priority": "5", "status": "spm"},
                       "ssh": {"fingerprint": "SHA256:abc", "port": "22", "public_key": "ssh-ed25519 AAAAC3"},
                       "certificate": {"organization": "example.com", "subject": "O=example.com,CN=kvm01"},
                       "os": {"custom_kernel_cmdline": "", "type": "RHEL"}}],
            "hosts/nics": {HOST: [{"id": "30000000-0000-4000-8000-000000000000", "name": "eno1",
                                   "mac": {"address": "3c:ec:ef:00:00:01"}, "ip": {"address": "10.1.0.11"},
                                   "mtu": "1500", "speed": "10000000000", "status": "up",
                                   "network": _ref("networks", NET), "bridged": "true"}]},
            "storagedomains": [{"href": f"/ovirt-engine/api/storagedomains/{DOMAIN}", "id": DOMAIN, "name": "data1",
                                "type": "data", "available": "1099511627776", "used": "214748364800",
                                "committed": "107374182400", "external_status": "ok", "storage_format": "v5",
                                "storage": {"type": "nfs", "address": "nfs.example.com", "path": "/exports/data1"},
                                "data_centers": {"data_center": [_ref("datacenters", DC)]},
                                "warning_low_space_indicator": "10", "wipe_after_delete": "false"}],
            "disks": [{"href": f"/ovirt-engine/api/disks/{DISK}", "id": DISK, "name": "web01_Disk1",
                       "alias": "web01_Disk1", "provisioned_size": "53687091200", "actual_size": "4294967296",
                       "format": "cow", "sparse": "true", "status": "ok", "storage_type": "image",
                       "content_type": "data", "image_id": "40000000-0000-4000-8000-000000000000",
                       "storage_domains": {"storage_domain": [_ref("storagedomains", DOMAIN)]},
                       "qcow_version": "qcow2_v3", "backup": "none"}],
            "templates": [{"href": f"/ovirt-engine/api/templates/{m.BLANK_TEMPLATE_ID}", "id": m.BLANK_TEMPLATE_ID,
                           "name": "Blank", "description": "Blank template", "memory": "1073741824",
                           "os": {"type": "other", "boot": {"devices": {"device": ["hd"]}}}, "status": "ok",
                           "type": "server", "creation_time": 1207008000000,
                           "version": {"version_number": "1", "base_template": _ref("templates", m.BLANK_TEMPLATE_ID)},
                           "bios": {"type": "cluster_default"}}],
            "vms": [{"href": f"/ovirt-engine/api/vms/{VM}", "id": VM, "name": "web01", "status": "down",
                     "memory": "4294967296", "cpu": {"architecture": "x86_64",
                                                     "topology": {"cores": "2", "sockets": "1", "threads": "1"}},
                     "os": {"type": "rhel_9x64", "boot": {"devices": {"device": ["hd"]}}}, "type": "server",
                     "stateless": "false", "origin": "ovirt", "creation_time": 1735689600000,
                     "stop_time": 1767225600000, "display": {"type": "vnc", "monitors": "1"},
                     "high_availability": {"enabled": "false", "priority": "0"},
                     "cluster": _ref("clusters", CLUSTER), "template": _ref("templates", m.BLANK_TEMPLATE_ID),
                     "bios": {"type": "q35_sea_bios", "boot_menu": {"enabled": "false"}},
                     "time_zone": {"name": "Etc/GMT"}, "migration": {"auto_converge": "inherit"},
                     "io": {"threads": "1"}, "cpu_shares": "0", "delete_protected": "false"}],
            "vms/nics": {VM: [{"id": NIC, "name": "nic1", "interface": "virtio",
                               "mac": {"address": "56:6f:40:00:00:07"}, "plugged": "true", "linked": "true",
                               "vnic_profile": _ref("vnicprofiles", PROFILE)}]},
            "vms/diskattachments": {VM: [{"id": DISK, "disk": _ref("disks", DISK), "interface": "virtio_scsi",
                                          "bootable": "true", "active": "true", "pass_discard": "false",
                                          "read_only": "false", "uses_scsi_reservation": "false"}]},
            "vms/graphicsconsoles": {VM: [{"id": "766e63", "protocol": "vnc"}]},
        },
        "documents": [{"href": f"/ovirt-engine/api/macpools/{POOL}", "id": POOL, "name": "prod-pool",
                       "allow_duplicates": "false", "default_pool": "false",
                       "ranges": {"range": [{"from": "56:6f:40:00:00:00", "to": "56:6f:40:00:00:ff"}]}}],
    }


def test_an_engine_s_own_documents_seed_with_what_engine_emu_does_not_model(copy, tmp_path):
    target = tmp_path / "real.json"
    target.write_text(json.dumps(_as_a_real_engine_answers()))
    copy.reset(str(target), fresh=True)
    conn = sdk.Connection(url=copy.url, username=copy.username, password=copy.password)
    try:
        system = conn.system_service()
        vm = system.vms_service().vm_service(VM).get()
        # What the schemas do not map reads back as the model types it.
        assert vm.bios.type == types.BiosType.Q35_SEA_BIOS and vm.time_zone.name == "Etc/GMT"
        assert vm.cpu.topology.cores == 2 and vm.status == types.VmStatus.DOWN
        domain = system.storage_domains_service().storage_domain_service(DOMAIN).get()
        assert domain.status == types.StorageDomainStatus.ACTIVE and domain.master is True
        host = system.hosts_service().host_service(HOST).get()
        assert host.ssh.public_key == "ssh-ed25519 AAAAC3" and host.spm.status == types.SpmStatus.SPM
        assert system.clusters_service().cluster_service(CLUSTER).get().mac_pool.id == POOL
        assert [pool.name for pool in system.mac_pools_service().list()] == ["prod-pool"]
        # The VM runs, and a new vNIC takes the next MAC of its cluster's pool.
        service = system.vms_service().vm_service(VM)
        added = service.nics_service().add(types.Nic(name="nic2", interface=types.NicInterface.VIRTIO))
        assert added.mac.address == "56:6f:40:00:00:08"
        service.start()
        deadline = time.monotonic() + 20
        while service.get().status != types.VmStatus.UP and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service.get().status == types.VmStatus.UP
    finally:
        conn.close()


def test_tls_is_verified_against_the_ca_given_or_skipped_when_asked(tmp_path, capsys):
    from engine_api.pki import ensure_certificates
    from engine_api.serving import ServeOptions

    ca, cert, key = ensure_certificates(tmp_path / "pki", ["127.0.0.1"])
    with LiveEngine(serve_options=ServeOptions(certfile=str(cert), keyfile=str(key))) as secure:
        secure.reset("empty")
        assert secure.url.startswith("https://")
        assert _import(secure, tmp_path / "untrusted.json") == 1
        assert "is not trusted" in capsys.readouterr().err and not (tmp_path / "untrusted.json").exists()
        for trust in (["--ca-file", str(ca)], ["--insecure"]):
            target = tmp_path / f"{trust[0].strip('-')}.json"
            assert _import(secure, target, *trust) == 0
            assert json.loads(target.read_text())["source"]["url"] == secure.url
