"""moVirt's traffic over JSON, replayed with ``requests`` against the demo.

What is sent is what moVirt's REST client sends in API v4 mode (``rest/client/OVirtRestClient.java``,
``OVirtClient.java``, ``OVirtLoginV4RestClient.java``, ``OVirtVvRestClient.java``,
``rest/RestHelper.java``); a synchronisation runs the steps of ``sync/SyncAction.java`` in order,
and every answer is read the way moVirt's Jackson DTOs (``rest/dto``) read it: a field moVirt maps
must be present with a value Jackson converts to the field's Java type, and ``statistics`` may hold
nothing but ``statistic`` (its DTO ignores no unknown property). One failing step fails the sync,
as it aborts moVirt's.
"""
from __future__ import annotations

import configparser
import json
from decimal import Decimal
from typing import Any, Optional

import pytest
import requests

from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")

ACCEPT = "application/json; detail=statistics+nics"
MAX_EVENTS_POLLED = 500  # preferences_defaults.xml: default_max_events_polled
MAX_VMS = 500  # default_max_vms
MAX_EVENTS_PER_ENTITY = 250  # Constants.MAX_EVENTS_PER_ENTITY

VM_STATUSES = {"unassigned", "down", "up", "powering_up", "paused", "migrating", "unknown", "not_responding",
               "wait_for_launch", "reboot_in_progress", "saving_state", "suspended", "image_locked",
               "powering_down", "restoring_state"}
HOST_STATUSES = {"down", "error", "initializing", "installing", "install_failed", "maintenance", "non_operational",
                 "non_responsive", "pending_approval", "preparing_for_maintenance", "connecting", "reboot",
                 "unassigned", "up", "installing_os", "kdumping"}
SNAPSHOT_STATUSES = {"ok", "locked", "in_preview"}
SNAPSHOT_TYPES = {"regular", "active", "stateless", "preview"}
EVENT_SEVERITIES = {"normal", "warning", "error", "alert"}
DC_STATUSES = {"contend", "maintenance", "not_operational", "problematic", "uninitialized", "up"}
SD_STATUSES = {"active", "inactive", "locked", "mixed", "unattached", "maintenance", "preparing_for_maintenance",
               "detaching", "activating", "unknown"}
SD_TYPES = {"data", "iso", "image", "export"}
CONSOLE_PROTOCOLS = {"spice", "vnc"}


# -- Jackson's reading of a JSON value into a DTO field ---------------------------------------------
def string(value: Any, required: bool = True) -> Optional[str]:
    """A ``String`` field: Jackson takes a string or a scalar it converts, never an object or array."""
    if value is None:
        assert not required, "a field moVirt reads is missing"
        return None
    assert isinstance(value, (str, int, float, bool)), f"not a scalar for a String field: {value!r}"
    return str(value).lower() if isinstance(value, bool) else str(value)


def integer(value: Any) -> int:
    """An ``int``/``long`` field (or ``ObjectUtils.parseLong``/``ParseUtils.intOrDefault`` of a String)."""
    assert isinstance(value, int) and not isinstance(value, bool) or isinstance(value, str) and value.lstrip("-").isdigit(), \
        f"not an integer: {value!r}"
    return int(value)


def boolean(value: Any) -> bool:
    assert value in (True, False, "true", "false"), f"not a boolean: {value!r}"
    return value in (True, "true")


def obj(value: Any, required: bool = True) -> dict[str, Any]:
    if value is None:
        assert not required, "an object moVirt reads is missing"
        return {}
    assert isinstance(value, dict), f"not an object: {value!r}"
    return value


def listing(body: dict[str, Any], tag: str) -> list[dict[str, Any]]:
    """A ``RestEntityWrapperList``: ``{}`` when empty, else ``{tag: [...]}``."""
    items = body.get(tag, [])
    assert isinstance(items, list)
    return [obj(item) for item in items]


def ref_id(value: Any) -> Optional[str]:
    """``IdHelper.combinedIdSafe`` of a reference: its ``id`` or nothing."""
    return string(obj(value, required=False).get("id"), required=False)


def statistics(entity: dict[str, Any], names: tuple[str, ...]) -> dict[str, Decimal]:
    """``Statistics``/``Statistic``: ``new BigDecimal(values.value.get(0).datum)`` per name moVirt reads."""
    stats = obj(entity.get("statistics"))
    assert set(stats) <= {"statistic"}, f"statistics has fields moVirt's DTO cannot read: {sorted(stats)}"
    by_name = {string(s["name"]): s for s in stats.get("statistic", [])}
    found = {}
    for name in names:
        assert name in by_name, f"statistic {name} missing"
        values = obj(by_name[name]["values"])["value"]
        assert isinstance(values, list) and values
        found[name] = Decimal(string(obj(values[0])["datum"]))
    return found


# -- moVirt's DTOs -----------------------------------------------------------------------------------
def read_vm(vm: dict[str, Any]) -> dict[str, Any]:
    """``dto/Vm`` and ``dto/v4/Vm`` (with ``follow=statistics``, as from 4.2)."""
    stats = statistics(vm, ("cpu.current.total", "memory.installed", "memory.used"))
    topology = obj(obj(vm.get("cpu")).get("topology"))
    nics = [read_nic(n) for n in listing(obj(vm.get("nics"), required=False), "nic")]
    return {"id": string(vm["id"]), "name": string(vm["name"]), "memory": integer(vm["memory"]),
            "os": string(obj(vm.get("os")).get("type")), "sockets": integer(topology["sockets"]),
            "cores": integer(topology["cores"]), "status": _enum(vm["status"], VM_STATUSES),
            "cluster": ref_id(vm["cluster"]), "host": ref_id(vm.get("host")), "nics": nics,
            "display": string(obj(vm.get("display")).get("type")), "stats": stats}


def read_host(host: dict[str, Any]) -> dict[str, Any]:
    """``dto/Host`` and ``dto/v4/Host``."""
    stats = statistics(host, ("cpu.current.user", "cpu.current.system", "memory.total", "memory.used"))
    cpu = obj(host["cpu"])  # toEntity reads cpu.speed without a null check
    topology = obj(cpu.get("topology"))
    os = obj(host.get("os"), required=False)
    summary = obj(host.get("summary"), required=False)
    return {"id": string(host["id"]), "name": string(host["name"]), "memory": integer(host["memory"]),
            "speed": integer(cpu["speed"]), "sockets": integer(topology["sockets"]),
            "cores": integer(topology["cores"]), "threads": integer(topology["threads"]),
            "os": string(os.get("type"), required=False), "address": string(host["address"]),
            "summary": {k: integer(v) for k, v in summary.items() if k in ("active", "migrating", "total")},
            "status": _enum(host["status"], HOST_STATUSES), "cluster": ref_id(host["cluster"]), "stats": stats}


def read_cluster(cluster: dict[str, Any]) -> dict[str, Any]:
    version = obj(cluster["version"])
    return {"id": string(cluster["id"]), "name": string(cluster["name"]),
            "version": (integer(version["major"]), integer(version["minor"])),
            "data_center": ref_id(cluster.get("data_center"))}


def read_data_center(dc: dict[str, Any]) -> dict[str, Any]:
    version = obj(dc["version"])
    return {"id": string(dc["id"]), "name": string(dc["name"]), "status": _enum(dc["status"], DC_STATUSES),
            "version": (integer(version["major"]), integer(version["minor"]))}


def read_storage_domain(sd: dict[str, Any]) -> dict[str, Any]:
    storage = obj(sd["storage"])
    return {"id": string(sd["id"]), "name": string(sd["name"]), "type": _enum(sd["type"], SD_TYPES),
            "available": integer(sd["available"]), "used": integer(sd["used"]),
            "storage": {k: string(storage.get(k)) for k in ("address", "type", "path")},
            "format": string(sd["storage_format"]), "status": _enum(sd["status"], SD_STATUSES)}


def read_disk(disk: dict[str, Any]) -> dict[str, Any]:
    """``dto/v4/Disk`` and ``dto/v4/SnapshotDisk``."""
    return {"id": string(disk["id"]), "name": string(disk["name"]), "actual_size": integer(disk["actual_size"]),
            "provisioned_size": integer(disk["provisioned_size"]), "status": string(disk["status"])}


def read_nic(nic: dict[str, Any]) -> dict[str, Any]:
    """``dto/Nic``, ``dto/v4/Nic`` and ``dto/SnapshotNic``."""
    return {"id": string(nic["id"]), "name": string(nic["name"]), "linked": boolean(nic["linked"]),
            "plugged": boolean(nic["plugged"]), "mac": string(obj(nic["mac"])["address"]),
            "vm": ref_id(nic.get("vm"))}


def read_event(event: dict[str, Any]) -> dict[str, Any]:
    """``dto/Event``: ``int id``, ``int code``, ``long time`` (milliseconds since the epoch)."""
    assert isinstance(event["time"], int) or str(event["time"]).isdigit(), "event time is not milliseconds"
    refs = {k: ref_id(event.get(k)) for k in ("vm", "host", "cluster", "data_center", "storage_domain")}
    return {"id": integer(event["id"]), "code": integer(event["code"]), "time": integer(event["time"]),
            "description": string(event["description"]), "severity": _enum(event["severity"], EVENT_SEVERITIES),
            **refs}


def read_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """``dto/Snapshot`` and ``dto/v4/Snapshot`` with its ``SnapshotVm``."""
    entity = {"id": string(snapshot["id"]), "description": string(snapshot["description"]),
              "status": _enum(snapshot["snapshot_status"], SNAPSHOT_STATUSES), "date": integer(snapshot["date"]),
              "memory": boolean(snapshot["persist_memorystate"]),
              "type": _enum(snapshot["snapshot_type"], SNAPSHOT_TYPES)}
    vm = obj(snapshot.get("vm"), required=False)
    if vm:
        entity["vm"] = string(vm["id"])
        if "name" in vm:  # a snapshot's own configuration, as the engine shows it
            entity["vm_status"] = string(vm.get("status"), required=False)
    return entity


def read_console(console: dict[str, Any]) -> dict[str, Any]:
    return {"id": string(console["id"]), "protocol": _enum(console["protocol"], CONSOLE_PROTOCOLS),
            "vm": ref_id(console["vm"])}


def read_vv(text: str) -> dict[str, Any]:
    """``VvFileHttpMessageConverter``: the ``[virt-viewer]`` section's type, host, port, password."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    section = parser["virt-viewer"]
    return {"type": _enum(section["type"], CONSOLE_PROTOCOLS), "host": section["host"],
            "port": int(section["port"]), "tls_port": int(section.get("tls-port", "0")),
            "password": section["password"]}


def _enum(value: Any, members: set[str]) -> str:
    """moVirt's ``fromString`` of an enum: a value it does not know becomes UNKNOWN (or NORMAL, VNC)."""
    text = string(value)
    assert text in members, f"{text!r} is not one of moVirt's values"
    return text


# -- the client --------------------------------------------------------------------------------------
class MoVirt:
    """moVirt's ``OVirtClient`` for an admin account against a 4.2+ engine."""

    def __init__(self, api_url: str, username: str, password: str) -> None:
        self.api = api_url
        self.http = requests.Session()
        self.last_event_id = 0
        self.events: dict[int, dict[str, Any]] = {}
        self.token = self._login(username, password)
        # RestHelper: setAcceptEncodingHeaderAndFactory, setVersionHeader, setupAuth (v4 clears the
        # v3 headers and cookie to ""), setFilterHeader(hasAdminPermissions), setBearerAuth
        self.headers = {"Accept": ACCEPT, "Accept-Encoding": "gzip", "Version": str(self.version[0]),
                        "Session-TTL": "", "Prefer": "", "Filter": "false", "Cookie": "JSESSIONID=",
                        "Authorization": f"Bearer {self.token}"}

    def _login(self, username: str, password: str) -> str:
        base = self.api.rsplit("/api", 1)[0]
        answer = self.http.post(f"{base}/sso/oauth/token?grant_type=password&scope=ovirt-app-api"
                                f"&username={username}&password={password}",
                                headers={"Accept": "application/json", "Accept-Encoding": "gzip"})
        assert answer.status_code == 200, answer.text
        token = string(answer.json()["access_token"])
        api = self.http.get(f"{self.api}/", headers={
            "Accept": "application/json", "Accept-Encoding": "gzip", "Session-TTL": "", "Prefer": "",
            "Cookie": "JSESSIONID=", "Authorization": f"Bearer {token}"})
        assert api.status_code == 200, api.text
        version = obj(obj(api.json()["product_info"])["version"])
        self.version = tuple(integer(version[k]) for k in ("major", "minor", "build"))
        assert self.version >= (4, 2, 2), "moVirt follows statistics from 4.2 (and without fallback from 4.2.2)"
        return token

    def get(self, path: str, **headers: str) -> Any:
        answer = self.http.get(self.api + path, headers={**self.headers, **headers})
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text[:500]}"
        return answer.text if headers else answer.json()

    def post(self, path: str, body: Any) -> None:
        answer = self.http.post(self.api + path, data=json.dumps(body),
                                headers={**self.headers, "Content-Type": "application/json"})
        assert answer.status_code in (200, 201, 202), f"POST {path}: {answer.status_code} {answer.text[:500]}"

    def delete(self, path: str) -> None:
        answer = self.http.delete(self.api + path, headers=self.headers)
        assert answer.status_code == 200, f"DELETE {path}: {answer.status_code} {answer.text[:500]}"

    # SyncAction: DATA_CENTER, CLUSTER, VM, HOST, STORAGE_DOMAIN, DISK, EVENT
    def sync(self) -> dict[str, dict[str, dict[str, Any]]]:
        state = {
            "data_centers": self._by_id(read_data_center(d) for d in listing(self.get("/datacenters"), "data_center")),
            "clusters": self._by_id(read_cluster(c) for c in listing(self.get("/clusters"), "cluster")),
            "vms": self._by_id(read_vm(v) for v in listing(
                self.get(f"/vms;max={MAX_VMS}?follow=statistics"), "vm")),
            "hosts": self._by_id(read_host(h) for h in listing(self.get("/hosts?follow=statistics"), "host")),
            "storage_domains": self._by_id(read_storage_domain(s)
                                           for s in listing(self.get("/storagedomains"), "storage_domain")),
            "disks": self._by_id(read_disk(d) for d in listing(self.get("/disks"), "disk")),
        }
        self.sync_events()
        return state

    def sync_events(self) -> list[dict[str, Any]]:
        """``getEventsRequest``: from the highest id stored, newest first, keeping those above it."""
        body = self.get(f"/events;max={MAX_EVENTS_POLLED}?from={self.last_event_id}&search=sortby time desc")
        new = [e for e in map(read_event, listing(body, "event")) if e["id"] > self.last_event_id]
        for event in new:
            self.events[event["id"]] = event
        self.last_event_id = max(self.events, default=0)
        return new

    def entity_events(self, search: str) -> list[dict[str, Any]]:
        return [read_event(e) for e in listing(self.get(f"/events;max={MAX_EVENTS_PER_ENTITY}?search={search}"),
                                                "event")]

    def vm(self, vm_id: str) -> dict[str, Any]:
        return read_vm(self.get(f"/vms/{vm_id}?follow=statistics"))

    def host(self, host_id: str) -> dict[str, Any]:
        return read_host(self.get(f"/hosts/{host_id}?follow=statistics"))

    def vm_details(self, vm: dict[str, Any]) -> dict[str, Any]:
        """What the VM's screens sync: the VM, its disk attachments, NICs, snapshots, consoles, events."""
        vm_id = vm["id"]
        attachments = listing(self.get(f"/vms/{vm_id}/diskattachments"), "disk_attachment")
        for attachment in attachments:
            assert ref_id(attachment["disk"]) and ref_id(attachment["vm"]) == vm_id
        return {"vm": self.vm(vm_id),
                "disks": [ref_id(a["disk"]) for a in attachments],
                "nics": [read_nic(n) for n in listing(self.get(f"/vms/{vm_id}/nics"), "nic")],
                "snapshots": self.snapshots(vm_id),
                "consoles": [read_console(c) for c in listing(self.get(f"/vms/{vm_id}/graphicsconsoles"),
                                                              "graphics_console")],
                "events": self.entity_events(f"event_vm={vm['name']}")}

    def snapshots(self, vm_id: str) -> dict[str, dict[str, Any]]:
        return self._by_id(read_snapshot(s) for s in listing(self.get(f"/vms/{vm_id}/snapshots"), "snapshot"))

    def snapshot_details(self, vm_id: str, snapshot_id: str) -> dict[str, Any]:
        base = f"/vms/{vm_id}/snapshots/{snapshot_id}"
        return {"snapshot": read_snapshot(self.get(base)),
                "disks": [read_disk(d) for d in listing(self.get(f"{base}/disks"), "disk")],
                "nics": [read_nic(n) for n in listing(self.get(f"{base}/nics"), "nic")]}

    def console_file(self, vm_id: str, console_id: str) -> dict[str, Any]:
        """``OVirtVvRestClient.getConsoleFile``."""
        answer = self.http.get(f"{self.api}/vms/{vm_id}/graphicsconsoles/{console_id}",
                               headers={**self.headers, "Accept": "application/x-virt-viewer"})
        assert answer.status_code == 200, answer.text
        assert answer.headers["Content-Type"].startswith("application/x-virt-viewer")
        return read_vv(answer.text)

    @staticmethod
    def _by_id(entities: Any) -> dict[str, dict[str, Any]]:
        return {e["id"]: e for e in entities}


@pytest.fixture
def movirt(engine) -> MoVirt:
    client = MoVirt(engine.url, engine.username, engine.password)
    yield client
    client.http.close()


def test_a_whole_synchronisation_reads_every_entity_as_movirt_does(movirt):
    state = movirt.sync()
    assert len(state["vms"]) == 37 and len(state["hosts"]) == 6
    assert {c["data_center"] for c in state["clusters"].values()} <= set(state["data_centers"])
    for vm in state["vms"].values():
        assert vm["cluster"] in state["clusters"] and vm["memory"] > 0 and vm["os"] and vm["display"]
        assert (vm["host"] in state["hosts"]) == (vm["status"] not in ("down", "suspended"))
        assert vm["stats"]["memory.installed"] == vm["memory"]
        if vm["status"] == "down":
            assert vm["stats"]["cpu.current.total"] == vm["stats"]["memory.used"] == 0
    running = [vm for vm in state["vms"].values() if vm["status"] == "up"]
    assert running and any(vm["stats"]["memory.used"] > 0 for vm in running)
    for host in state["hosts"].values():
        assert host["cluster"] in state["clusters"] and host["stats"]["memory.total"] == host["memory"]
    assert {sd["name"] for sd in state["storage_domains"].values()} >= {"mydata"}
    assert all(d["provisioned_size"] >= d["actual_size"] for d in state["disks"].values())
    events = movirt.events.values()
    assert events and any(e["host"] in state["hosts"] for e in events)
    assert movirt.sync_events() == []  # nothing new: from= the last id answers none of the old ones

    myvm = next(vm for vm in state["vms"].values() if vm["name"] == "myvm")
    details = movirt.vm_details(myvm)
    assert details["vm"]["status"] == "down" and len(details["disks"]) == 1 and details["disks"][0] in state["disks"]
    assert [n["vm"] for n in details["nics"]] == [myvm["id"]] and details["nics"][0]["mac"]
    assert [s["type"] for s in details["snapshots"].values()] == ["active"]
    assert {c["protocol"] for c in details["consoles"]} and all(c["vm"] == myvm["id"] for c in details["consoles"])
    host = next(iter(state["hosts"].values()))
    assert movirt.host(host["id"])["name"] == host["name"]
    assert all(e["host"] == host["id"] for e in movirt.entity_events(f"event_host={host['name']}"))
    movirt.entity_events("event_storage=mydata")


def test_every_action_movirt_offers(movirt, engine):
    state = movirt.sync()
    myvm = next(vm for vm in state["vms"].values() if vm["name"] == "myvm")
    vm_id = myvm["id"]
    before = movirt.last_event_id

    def vm_reaches(status: str) -> dict[str, Any]:
        return wait_for(lambda: (vm := movirt.vm(vm_id))["status"] == status and vm)

    # VmCommand.RUN, then the console of the running VM (VmCommand.CONSOLE)
    movirt.post(f"/vms/{vm_id}/start", {})
    vm_reaches("up")
    state = movirt.sync()
    vm = state["vms"][vm_id]
    assert vm["host"] in state["hosts"]
    consoles = movirt.vm_details(vm)["consoles"]
    for console in consoles:
        vv = movirt.console_file(vm_id, console["id"])
        assert vv["type"] == console["protocol"] and vv["password"]
        assert vv["host"] == state["hosts"][vm["host"]]["address"] and (vv["port"] > 0 or vv["tls_port"] > 0)

    # REBOOT, START_MIGRATION to a host moVirt lists (v4 ActionMigrate: a Host DTO with its unset fields null)
    movirt.post(f"/vms/{vm_id}/reboot", {})
    vm_reaches("up")
    target = next(h for h in state["hosts"].values()
                  if h["cluster"] == vm["cluster"] and h["id"] != vm["host"] and h["status"] == "up")
    host_dto = dict.fromkeys(("id", "name", "statistics", "memory", "os", "cpu", "summary", "address", "status",
                              "cluster"))
    movirt.post(f"/vms/{vm_id}/migrate", {"host": {**host_dto, "id": target["id"]}})
    assert wait_for(lambda: (v := movirt.vm(vm_id))["status"] == "up" and v["host"] == target["id"])

    # START_MIGRATION to the default host, then CANCEL_MIGRATION while it migrates
    engine.set_transition_delay(5)
    movirt.post(f"/vms/{vm_id}/migrate", {})
    assert movirt.vm(vm_id)["status"] == "migrating"
    movirt.post(f"/vms/{vm_id}/cancelmigration", {})
    engine.set_transition_delay(0.05)
    assert vm_reaches("up")["host"] == target["id"]

    # a snapshot with memory (CreateSnapshotDialogFragment: a v4 Snapshot DTO, unset fields null)
    movirt.post(f"/vms/{vm_id}/snapshots", {"id": None, "description": "movirt", "snapshot_status": None,
                                            "date": 0, "persist_memorystate": True, "vm": None,
                                            "snapshot_type": None})

    def snapshot(status: str) -> Optional[dict[str, Any]]:
        found = [s for s in movirt.snapshots(vm_id).values() if s["description"] == "movirt"]
        return found[0] if found and found[0]["status"] == status else None

    snap = wait_for(lambda: snapshot("ok"))
    assert snap["memory"] and snap["type"] == "regular"

    # SHUTDOWN; then the snapshot's screens, preview + undo, preview + commit, restore, delete
    movirt.post(f"/vms/{vm_id}/shutdown", {})
    vm_reaches("down")
    details = movirt.snapshot_details(vm_id, snap["id"])
    assert details["snapshot"]["id"] == snap["id"] and len(details["disks"]) == 1 and len(details["nics"]) == 1
    vm_nics = [read_nic(n) for n in listing(movirt.get(f"/vms/{vm_id}/nics"), "nic")]
    assert [n["mac"] for n in details["nics"]] == [n["mac"] for n in vm_nics]

    preview = {"snapshot": {"id": snap["id"]}, "restore_memory": False}
    movirt.post(f"/vms/{vm_id}/previewsnapshot", preview)
    wait_for(lambda: snapshot("in_preview") and movirt.vm(vm_id)["status"] == "down")
    assert "preview" in {s["type"] for s in movirt.snapshots(vm_id).values()}
    movirt.post(f"/vms/{vm_id}/undosnapshot", {})
    wait_for(lambda: snapshot("ok") and "preview" not in {s["type"] for s in movirt.snapshots(vm_id).values()}
             and movirt.vm(vm_id)["status"] == "down")
    movirt.post(f"/vms/{vm_id}/previewsnapshot", preview)
    wait_for(lambda: snapshot("in_preview") and movirt.vm(vm_id)["status"] == "down")
    movirt.post(f"/vms/{vm_id}/commitsnapshot", {})
    wait_for(lambda: snapshot("ok") and "preview" not in {s["type"] for s in movirt.snapshots(vm_id).values()}
             and movirt.vm(vm_id)["status"] == "down")
    movirt.post(f"/vms/{vm_id}/snapshots/{snap['id']}/restore", {"snapshot": None, "restore_memory": False})
    wait_for(lambda: snapshot("ok") and movirt.vm(vm_id)["status"] == "down")
    movirt.delete(f"/vms/{vm_id}/snapshots/{snap['id']}")
    wait_for(lambda: [s["type"] for s in movirt.snapshots(vm_id).values()] == ["active"])

    # RUN and STOP
    movirt.post(f"/vms/{vm_id}/start", {})
    vm_reaches("up")
    movirt.post(f"/vms/{vm_id}/stop", {})
    vm_reaches("down")

    # HostCommand.DEACTIVATE on a host that runs VMs, then ACTIVATE
    state = movirt.sync()
    busy = next(h for h in state["hosts"].values() if h["status"] == "up"
                and any(v["host"] == h["id"] for v in state["vms"].values()))
    movirt.post(f"/hosts/{busy['id']}/deactivate", {})
    wait_for(lambda: movirt.host(busy["id"])["status"] == "maintenance")
    movirt.post(f"/hosts/{busy['id']}/activate", {})
    wait_for(lambda: movirt.host(busy["id"])["status"] == "up")

    # a fresh synchronisation sees it all, and the events of every step arrive once
    state = movirt.sync()
    assert state["vms"][vm_id]["status"] == "down" and state["vms"][vm_id]["host"] is None
    assert state["hosts"][busy["id"]]["status"] == "up"
    new = [e for e in movirt.events.values() if e["id"] > before]
    assert new and movirt.sync_events() == []
    codes = {e["code"] for e in new if e["vm"] == vm_id}
    assert {153, 32, 62, 63, 45, 68, 73, 33, 342, 356} <= codes  # run, migrate, snapshot, shut down, stop, remove
    assert {e["code"] for e in new if e["host"] == busy["id"]} >= {600, 16}
