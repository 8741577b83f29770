"""VM and host actions over plain HTTP: JSON as moVirt sends it, XML bodies, async, refusals."""
from __future__ import annotations

import pytest
from lxml import etree

from tests.helpers import row_counts, wait_for

pytestmark = pytest.mark.scenario("demo")

JSON = {"Accept": "application/json", "Content-Type": "application/json", "Version": "4", "Filter": "false"}
XML = {"Accept": "application/xml", "Content-Type": "application/xml", "Version": "4"}


def vm_json(http, name):
    found = http.get(f"{http.base}/vms", params={"search": f"name={name}"}, headers=JSON).json()["vm"]
    assert len(found) == 1
    return found[0]


def status_of(http, vm_id):
    return http.get(f"{http.base}/vms/{vm_id}", headers=JSON).json()["status"]


def test_movirt_starts_and_stops_with_an_empty_json_object(http):
    vm = vm_json(http, "myvm")
    started = http.post(f"{http.base}/vms/{vm['id']}/start", data="{}", headers=JSON)
    assert started.status_code == 200
    assert started.headers["Content-Type"].startswith("application/json")
    body = started.json()
    assert body["status"] == "complete"
    job = http.get(f"{http.base}{body['job']['href'].removeprefix('/ovirt-engine/api')}", headers=JSON).json()
    assert job["description"] == "Launching VM myvm"
    wait_for(lambda: status_of(http, vm["id"]) == "up")
    assert http.get(f"{http.base}/jobs/{job['id']}", headers=JSON).json()["status"] == "finished"
    running = http.get(f"{http.base}/vms/{vm['id']}", headers=JSON).json()
    assert running["host"]["href"].startswith("/ovirt-engine/api/hosts/")
    assert isinstance(running["start_time"], int)

    stopped = http.post(f"{http.base}/vms/{vm['id']}/stop", data="{}", headers=JSON)
    assert stopped.status_code == 200 and stopped.json()["status"] == "complete"
    wait_for(lambda: status_of(http, vm["id"]) == "down")


def test_refused_action_in_json_is_a_failed_action_and_changes_nothing(engine, http):
    vm = vm_json(http, "myvm")
    before = row_counts(engine.db)
    answer = http.post(f"{http.base}/vms/{vm['id']}/shutdown", data="{}", headers=JSON)
    assert answer.status_code == 409
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == {"status": "failed", "fault": {
        "reason": "Operation Failed", "detail": "[Cannot shutdown VM. VM is not running.]"}}
    assert row_counts(engine.db) == before
    assert status_of(http, vm["id"]) == "down"


@pytest.mark.parametrize("how", ["query", "body"])
def test_async_answers_202_pending(engine, http, how):
    engine.set_transition_delay(30)
    vm = vm_json(http, "myvm")
    if how == "query":
        answer = http.post(f"{http.base}/vms/{vm['id']}/start", params={"async": "true"}, data="{}", headers=JSON)
    else:
        answer = http.post(f"{http.base}/vms/{vm['id']}/start", data='{"async": "true"}', headers=JSON)
    assert answer.status_code == 202
    assert answer.json()["status"] == "pending"
    assert status_of(http, vm["id"]) == "wait_for_launch"


def test_xml_actions_with_parameters(engine, http):
    vm = vm_json(http, "myvm")
    body = ("<action><vm><placement_policy><hosts><host><name>host02</name></host></hosts>"
            "</placement_policy></vm></action>")
    answer = http.post(f"{http.base}/vms/{vm['id']}/start", data=body, headers=XML)
    assert answer.status_code == 200
    root = etree.fromstring(answer.content)
    assert root.tag == "action" and root.findtext("status") == "complete"
    assert root.find("job").get("href").startswith("/ovirt-engine/api/jobs/")
    wait_for(lambda: status_of(http, vm["id"]) == "up")
    host02 = http.get(f"{http.base}/hosts", params={"search": "name=host02"}, headers=JSON).json()["host"][0]
    assert http.get(f"{http.base}/vms/{vm['id']}", headers=JSON).json()["host"]["id"] == host02["id"]

    myhost = http.get(f"{http.base}/hosts", params={"search": "name=myhost"}, headers=JSON).json()["host"][0]
    answer = http.post(f"{http.base}/vms/{vm['id']}/migrate", data=f'<action><host id="{myhost["id"]}"/></action>',
                       headers=XML)
    assert answer.status_code == 200
    wait_for(lambda: status_of(http, vm["id"]) == "up")
    assert http.get(f"{http.base}/vms/{vm['id']}", headers=JSON).json()["host"]["id"] == myhost["id"]

    answer = http.post(f"{http.base}/vms/{vm['id']}/stop", data="<action><reason>maintenance window</reason></action>",
                       headers=XML)
    assert answer.status_code == 200
    stopped = http.get(f"{http.base}/vms/{vm['id']}", headers=JSON).json()
    assert stopped["status"] == "down" and stopped["stop_reason"] == "maintenance window"
    latest = http.get(f"{http.base}/events", params={"max": "2"}, headers=JSON).json()["event"]
    assert [e["code"] for e in latest] == ["61", "33"]
    assert latest[1]["description"].endswith("(Reason: maintenance window).")


@pytest.mark.parametrize("action, body, status", [
    ("start", "<action><pause>maybe</pause></action>", 400),
    ("start", "<action><vm><placement_policy><hosts><host><name>nosuchhost</name></host></hosts>"
              "</placement_policy></vm></action>", 400),
    ("start", "<vm/>", 400),
    ("start", "<action><unclosed>", 400),
    ("migrate", '<action><host id="00000000-0000-0000-0000-00000000beef"/></action>', 400),
    ("explode", "<action/>", 404),
])
def test_bad_action_requests_are_faults_that_change_nothing(engine, http, action, body, status):
    vm = vm_json(http, "myvm")
    if action == "migrate":
        assert http.post(f"{http.base}/vms/{vm['id']}/start", data="<action/>", headers=XML).status_code == 200
        wait_for(lambda: status_of(http, vm["id"]) == "up")
    before = row_counts(engine.db)
    answer = http.post(f"{http.base}/vms/{vm['id']}/{action}", data=body, headers=XML)
    assert answer.status_code == status
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert etree.fromstring(answer.content).tag in ("action", "fault")
    assert row_counts(engine.db) == before


def test_start_without_an_up_host_in_the_cluster_is_refused(engine, http):
    cluster = http.post(f"{http.base}/clusters", json={"name": "empty", "data_center": {"name": "Default"}},
                        headers=JSON)
    assert cluster.status_code == 201
    vm = http.post(f"{http.base}/vms", json={"name": "homeless", "cluster": {"name": "empty"},
                                              "template": {"name": "Blank"}}, headers=JSON)
    assert vm.status_code == 201
    before = row_counts(engine.db)
    answer = http.post(f"{http.base}/vms/{vm.json()['id']}/start", data="{}", headers=JSON)
    assert answer.status_code == 409
    assert answer.json()["fault"]["detail"] == (
        "[Cannot run VM. There are no available running Hosts in the Cluster.]")
    assert row_counts(engine.db) == before


def test_start_with_a_locked_disk_is_refused(engine, http):
    engine.set_transition_delay(30)
    vm = vm_json(http, "myvm")
    added = http.post(f"{http.base}/vms/{vm['id']}/diskattachments", json={
        "interface": "virtio", "active": "true",
        "disk": {"name": "newdisk", "format": "cow", "provisioned_size": str(2**30),
                 "storage_domains": {"storage_domain": [{"name": "mydata"}]}}}, headers=JSON)
    assert added.status_code == 201
    before = row_counts(engine.db)
    answer = http.post(f"{http.base}/vms/{vm['id']}/start", data="{}", headers=JSON)
    assert answer.status_code == 409
    assert answer.json()["fault"]["detail"] == (
        "[Cannot run VM. The following disks are locked: newdisk. Please try again in a few minutes.]")
    assert row_counts(engine.db) == before


def test_correlation_id_on_events_and_jobs_of_plain_http_writes(http):
    vm = vm_json(http, "myvm")
    answer = http.post(f"{http.base}/vms/{vm['id']}/start", params={"correlation_id": "movirt-42"}, data="{}",
                       headers=JSON)
    assert answer.status_code == 200
    wait_for(lambda: status_of(http, vm["id"]) == "up")
    events = http.get(f"{http.base}/events", params={"search": "correlation_id=movirt-42"}, headers=JSON).json()
    assert [e["code"] for e in events["event"]] == ["32", "153"]
    assert {e["correlation_id"] for e in events["event"]} == {"movirt-42"}
    jobs = http.get(f"{http.base}/jobs", params={"search": "correlation_id=movirt-42"}, headers=JSON).json()
    assert [(j["description"], j["status"]) for j in jobs["job"]] == [("Launching VM myvm", "finished")]

    answer = http.post(f"{http.base}/vms/{vm['id']}/stop", data="{}", headers={**JSON, "Correlation-Id": "hdr-7"})
    assert answer.status_code == 200
    events = http.get(f"{http.base}/events", params={"search": "correlation_id=hdr-7"}, headers=JSON).json()
    assert [e["code"] for e in events["event"]] == ["61", "33"]


def test_host_actions_over_json(http):
    host = http.get(f"{http.base}/hosts", params={"search": "name=host05"}, headers=JSON).json()["host"][0]
    vms = http.get(f"{http.base}/vms", headers=JSON).json()["vm"]
    on_host = sorted((v for v in vms if v.get("host", {}).get("id") == host["id"]), key=lambda v: v["name"])
    assert on_host and {v["status"] for v in on_host} <= {"up", "paused"}
    answer = http.post(f"{http.base}/hosts/{host['id']}/deactivate", data="{}", headers=JSON)
    assert answer.status_code == 200
    wait_for(lambda: http.get(f"{http.base}/hosts/{host['id']}", headers=JSON).json()["status"] == "maintenance")
    # Its VMs were migrated to other hosts of the cluster first, and still run.
    for vm in on_host:
        moved = http.get(f"{http.base}/vms/{vm['id']}", headers=JSON).json()
        assert moved["status"] == vm["status"] and moved["host"]["id"] != host["id"], moved["name"]
    codes = [e["code"] for e in http.get(f"{http.base}/events", params={"max": str(2 * len(on_host) + 2)},
                                         headers=JSON).json()["event"]]
    assert codes[0] == "15" and codes.count("62") == codes.count("63") == len(on_host) and "600" in codes
    assert http.delete(f"{http.base}/hosts/{host['id']}", headers=JSON).status_code == 200
    events = http.get(f"{http.base}/events", params={"max": "2"}, headers=JSON).json()["event"]
    assert [e["code"] for e in events] == ["44", "15"]


def test_maintenance_is_refused_when_the_vms_can_go_nowhere(http):
    hosts = http.get(f"{http.base}/hosts", headers=JSON).json()["host"]
    vms = http.get(f"{http.base}/vms", params={"search": "status=up"}, headers=JSON).json()["vm"]
    vm = vms[0]
    cluster = vm["cluster"]["id"]
    others = [h for h in hosts if h["cluster"]["id"] == cluster and h["id"] != vm["host"]["id"] and h["status"] == "up"]
    for other in others:  # empty the rest of the cluster: every other host goes to maintenance
        assert http.post(f"{http.base}/hosts/{other['id']}/deactivate", data="{}", headers=JSON).status_code == 200
        wait_for(lambda other=other: http.get(f"{http.base}/hosts/{other['id']}", headers=JSON).json()["status"]
                 == "maintenance")
    refused = http.post(f"{http.base}/hosts/{vm['host']['id']}/deactivate", data="{}", headers=JSON)
    assert refused.status_code == 409
    assert refused.json()["fault"]["detail"].startswith(
        "[Cannot switch Host to Maintenance mode. There is no other Host Up in the Cluster to migrate VM ")
    assert http.get(f"{http.base}/hosts/{vm['host']['id']}", headers=JSON).json()["status"] == "up"
    assert http.get(f"{http.base}/vms/{vm['id']}", headers=JSON).json()["status"] == "up"
