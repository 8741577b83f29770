"""Fault rules: each fault as a client sees it, latency, times and probability, and normal service after."""
from __future__ import annotations

import json
import random
import statistics
import time

import ovirtsdk4
import pytest
import requests
from lxml import etree

from engine_api.control.fault_rules import Delay
from tests.control.controlapi import control_url, fault_detail


def vm_names(connection) -> list[str]:
    return [vm.name for vm in connection.system_service().vms_service().list()]


@pytest.mark.scenario("demo")
def test_a_status_rule_is_an_sdk_error_with_its_code_and_does_nothing(engine, http, connection):
    names = vm_names(connection)
    added = http.post(control_url(engine, "/faults"), json={"path": "vms", "method": "GET", "status": 503, "times": 1,
                                                         "detail": "down for maintenance", "retry_after": 7})
    assert added.status_code == 201, added.text
    rule = added.json()
    assert rule["status"] == 503 and rule["fault"] == "status" and rule["times"] == 1 and rule["applied"] == 0

    with pytest.raises(ovirtsdk4.Error) as raised:
        connection.system_service().vms_service().list()
    assert raised.value.code == 503
    assert raised.value.fault.detail == "down for maintenance"
    assert vm_names(connection) == names  # the rule is used up: normal service
    assert http.get(control_url(engine, "/faults")).json() == {"rules": []}
    entry = engine.journal.requests(path="vms")[-2]
    assert entry.status == 503 and entry.answered_by == "fault rule" and entry.fault_rule == rule["id"]

    vm = connection.system_service().vms_service().list(search="status=down")[0]
    engine.fault_rules.add(path="vms/*/start", method="POST", status=409)
    with pytest.raises(ovirtsdk4.Error) as raised:
        connection.system_service().vms_service().vm_service(vm.id).start()
    assert raised.value.code == 409
    assert connection.system_service().vms_service().vm_service(vm.id).get().status == ovirtsdk4.types.VmStatus.DOWN

    engine.fault_rules.add(path="hosts", status=404)
    with pytest.raises(ovirtsdk4.NotFoundError):
        connection.system_service().hosts_service().list()
    answer = http.get(engine.url + "/hosts", headers={"Accept": "application/json"})
    assert answer.status_code == 404 and answer.json()["reason"] == "Not Found"


@pytest.mark.scenario("demo")
def test_a_status_rule_on_the_sso_answers_as_the_sso_does(engine):
    engine.fault_rules.add(path="/ovirt-engine/sso/**", status=503)
    connection = ovirtsdk4.Connection(url=engine.url, username=engine.username, password=engine.password,
                                      insecure=True)
    with pytest.raises(ovirtsdk4.AuthError) as raised:
        connection.authenticate()
    assert "temporarily_unavailable" in str(raised.value)
    engine.fault_rules.clear()
    assert connection.authenticate()
    connection.close()


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("fault, curl_error", [("drop", "Empty reply from server"),
                                               ("reset", "Connection reset by peer")])
def test_a_dropped_connection_fails_the_sdk_call_and_service_resumes(engine, http, connection, fault, curl_error):
    names = vm_names(connection)
    rule = engine.fault_rules.add(path="vms", method="GET", fault=fault)
    with pytest.raises(ovirtsdk4.Error) as raised:
        connection.system_service().vms_service().list()
    assert curl_error in str(raised.value)
    assert rule.applied >= 1
    with pytest.raises(requests.ConnectionError):
        requests.get(engine.url + "/vms", auth=(engine.username, engine.password))
    dropped = engine.journal.last(path="vms")
    assert dropped.status is None and dropped.fault_rule == rule.id

    removed = http.delete(control_url(engine, f"/faults/{rule.id}"))
    assert removed.status_code == 200 and removed.json()["fault"] == fault
    assert vm_names(connection) == names
    assert http.get(control_url(engine, f"/faults/{rule.id}")).status_code == 404


@pytest.mark.scenario("demo")
def test_a_delay_beyond_the_sdk_timeout_is_a_timeout_and_a_shorter_one_is_only_late(engine):
    connection = ovirtsdk4.Connection(url=engine.url, username=engine.username, password=engine.password,
                                      insecure=True, timeout=1)
    names = vm_names(connection)
    engine.fault_rules.add(path="vms", method="GET", delay=3, times=1)
    started = time.monotonic()
    with pytest.raises(ovirtsdk4.Error) as raised:
        connection.system_service().vms_service().list()
    assert "timed out" in str(raised.value)
    assert time.monotonic() - started < 2.5
    engine.fault_rules.add(path="vms", method="GET", delay=3, times=1)
    with pytest.raises(requests.Timeout):
        requests.get(engine.url + "/vms", auth=(engine.username, engine.password), timeout=0.5)

    engine.fault_rules.add(path="vms", method="GET", delay={"type": "fixed", "seconds": 0.3}, times=1)
    started = time.monotonic()
    assert vm_names(connection) == names
    assert time.monotonic() - started >= 0.3
    late = engine.journal.last(path="vms", status=200)
    assert late.duration_ms >= 300 and late.answered_by == "application" and late.fault_rule is not None
    connection.close()


def test_random_delays_follow_their_distribution():
    uniform = Delay.of({"type": "uniform", "lower": 0.1, "upper": 0.3})
    drawn = [uniform.sample(random.Random(seed)) for seed in range(200)]
    assert all(0.1 <= d <= 0.3 for d in drawn) and max(drawn) - min(drawn) > 0.15

    lognormal = Delay.of({"type": "lognormal", "median": 0.08, "sigma": 0.4})
    rng = random.Random(3)
    drawn = [lognormal.sample(rng) for _ in range(2000)]
    assert 0.07 < statistics.median(drawn) < 0.09
    assert max(drawn) > 0.16  # a long tail
    capped = Delay.of({"type": "lognormal", "median": 0.08, "sigma": 2, "max": 0.1})
    assert max(capped.sample(rng) for _ in range(500)) == 0.1
    assert Delay.of(1.5) == Delay("fixed", seconds=1.5)


@pytest.mark.scenario("demo")
def test_random_latency_is_drawn_per_request(engine, http):
    engine.fault_rules.add(path="clusters", delay={"type": "uniform", "lower": 0.05, "upper": 0.25}, seed=11)
    for _ in range(4):
        assert http.get(engine.url + "/clusters").status_code == 200
    rng = random.Random(11)
    expected = [rng.uniform(0.05, 0.25) for _ in range(4)]
    took = [e.seconds for e in engine.journal.requests(path="clusters")]
    assert len(took) == 4
    for seconds, delay in zip(took, expected):
        assert delay <= seconds < delay + 0.5


@pytest.mark.scenario("demo")
def test_malformed_empty_and_truncated_answers(engine, http, connection):
    vms = connection.system_service().vms_service()
    count = len(vms.list())

    engine.fault_rules.add(path="vms", method="GET", fault="malformed", times=1)
    with pytest.raises(Exception) as raised:  # the SDK's XML reader fails with a bare Exception
        vms.list()
    assert not isinstance(raised.value, ovirtsdk4.Error)
    engine.fault_rules.add(path="vms", method="GET", fault="malformed", times=1)
    answer = http.get(engine.url + "/vms", headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.content)

    engine.fault_rules.add(path="vms", method="GET", fault="empty", times=1)
    with pytest.raises(ovirtsdk4.Error) as raised:
        vms.list()
    assert raised.value.code == 200
    engine.fault_rules.add(path="vms", method="GET", fault="empty", times=1)
    answer = http.get(engine.url + "/vms")
    assert answer.status_code == 200 and answer.content == b""

    engine.fault_rules.add(path="vms", method="GET", fault="truncated", times=1)
    with pytest.raises(ovirtsdk4.Error) as raised:
        vms.list()
    assert "bytes missing" in str(raised.value)
    engine.fault_rules.add(path="vms", method="GET", fault="truncated", times=1)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(engine.url + "/vms")

    # a truncated answer of a write: the write happened, the client cannot tell
    engine.fault_rules.add(path="vms", method="POST", fault="truncated", times=1)
    with pytest.raises(ovirtsdk4.Error):
        vms.add(ovirtsdk4.types.Vm(name="lost-answer", cluster=ovirtsdk4.types.Cluster(name="Default"),
                                   template=ovirtsdk4.types.Template(name="Blank")))
    assert len(vms.list(search="name=lost-answer")) == 1
    assert len(vms.list()) == count + 1


@pytest.mark.scenario("demo")
def test_times_counts_down_and_removes_the_rule(engine, http):
    rule = engine.fault_rules.add(path="/ovirt-engine/api/hosts", status=500, times=2)
    statuses = [http.get(engine.url + "/hosts").status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert rule.applied == 2 and rule.times == 0
    assert http.get(control_url(engine, f"/faults/{rule.id}")).status_code == 404
    assert engine.fault_rules.list() == []


@pytest.mark.scenario("demo")
def test_probability_decides_per_request_with_the_rules_seed(engine, http):
    never = engine.fault_rules.add(path="clusters", status=500, probability=0)
    assert {http.get(engine.url + "/clusters").status_code for _ in range(5)} == {200}
    assert never.applied == 0
    engine.fault_rules.clear()

    engine.fault_rules.add(path="clusters", status=500, probability=1)
    assert {http.get(engine.url + "/clusters").status_code for _ in range(3)} == {500}
    engine.fault_rules.clear()

    created = http.post(control_url(engine, "/faults"), json={"path": "clusters", "status": 502, "probability": 0.5,
                                                           "seed": 42})
    assert created.status_code == 201
    rng = random.Random(42)
    expected = [502 if rng.random() < 0.5 else 200 for _ in range(12)]
    assert [http.get(engine.url + "/clusters").status_code for _ in range(12)] == expected
    assert 0 < expected.count(502) < 12
    assert http.get(control_url(engine, f"/faults/{created.json()['id']}")).json()["applied"] == expected.count(502)


@pytest.mark.scenario("demo")
def test_rules_match_by_header_and_body(engine, http):
    engine.fault_rules.add(path="tags", method="POST", header="X-Fail-Me", status=400)
    engine.fault_rules.add(path="tags", method="POST", body=r"<name>doomed-\d+</name>", status=409)

    def add_tag(name: str, **headers: str) -> int:
        return http.post(engine.url + "/tags", data=f"<tag><name>{name}</name></tag>",
                         headers={"Content-Type": "application/xml", **headers}).status_code

    assert add_tag("fine") == 201
    assert add_tag("flagged", **{"X-Fail-Me": "yes"}) == 400
    assert add_tag("doomed-7") == 409
    assert add_tag("doomed-x") == 201
    names = etree.fromstring(http.get(engine.url + "/tags").content).xpath("tag/name/text()")
    assert {"fine", "doomed-x"} <= set(names) and not {"flagged", "doomed-7"} & set(names)
    assert [r.applied for r in engine.fault_rules.list()] == [1, 1]


@pytest.mark.parametrize("rule, named", [
    ({}, "fault"), ({"status": 200}, "status"), ({"status": 503, "fault": "drop"}, "status"),
    ({"fault": "explode"}, "fault"), ({"status": 500, "probability": 2}, "probability"),
    ({"status": 500, "times": 0}, "times"), ({"status": 500, "body": "("}, "body"),
    ({"delay": {"type": "uniform", "lower": 2, "upper": 1}}, "lower"), ({"delay": -1}, "delay"),
    ({"delay": {"type": "fixed"}}, "seconds"), ({"delay": {"type": "gamma", "seconds": 1}}, "type"),
    ({"method": "G T", "status": 500}, "method"), ({"header": ":", "status": 500}, "header"),
    ({"path": "", "status": 500}, "path"), ({"fault": "drop", "detail": "x"}, "detail"),
    ({"status": 500, "colour": "red"}, "colour"), ({"status": "five hundred"}, "status"),
])
def test_a_bad_rule_is_a_400_fault_and_adds_nothing(engine, http, rule, named):
    answer = http.post(control_url(engine, "/faults"), json=rule)
    assert answer.status_code == 400, answer.text
    assert named in fault_detail(answer)
    assert engine.fault_rules.list() == []


def test_the_control_api_lists_gets_and_clears_rules_and_is_never_faulted(engine, http):
    everything = http.post(control_url(engine, "/faults"), json={"path": "/**", "status": 500})
    late = http.post(control_url(engine, "/faults"), json={"path": "vms", "method": "get,post", "delay": 0.01,
                                                       "header": "Accept:application/*"})
    assert everything.status_code == 201 and late.status_code == 201
    assert late.json()["method"] == ["GET", "POST"] and late.json()["delay"]["seconds"] == 0.01
    listed = http.get(control_url(engine, "/faults"))
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["rules"]] == [everything.json()["id"], late.json()["id"]]
    assert http.get(control_url(engine, f"/faults/{late.json()['id']}")).json()["path"] == "vms"
    assert http.get(control_url(engine, "/journal")).status_code == 200
    assert http.get(engine.url + "/vms").status_code == 500
    assert http.get(control_url(engine, "/faults/nosuchrule")).status_code == 404
    cleared = http.delete(control_url(engine, "/faults"))
    assert cleared.status_code == 200 and cleared.json() == {"removed": 2}
    assert http.get(engine.url + "/vms").status_code == 200


@pytest.mark.scenario("demo")
def test_ctl_adds_lists_and_removes_rules(engine, http, capsys):
    from engine_api.cli import main

    def ctl(*args: str):
        code = main(["ctl", "--url", engine.url, "--user", engine.username, "--password", engine.password, *args])
        captured = capsys.readouterr()
        return code, json.loads(captured.out) if captured.out else captured.err

    code, rule = ctl("faults", "add", "--path", "vms", "--method", "GET", "--status", "503", "--times", "1")
    assert code == 0 and rule["status"] == 503 and rule["times"] == 1
    code, late = ctl("faults", "add", "--path", "hosts", "--lognormal", "0.01:0.5", "--max-delay", "0.05",
                     "--seed", "3")
    assert code == 0 and late["delay"] == {"type": "lognormal", "median": 0.01, "sigma": 0.5, "max": 0.05}
    assert [r["id"] for r in ctl("faults", "list")[1]["rules"]] == [rule["id"], late["id"]]
    assert http.get(engine.url + "/vms").status_code == 503
    assert http.get(engine.url + "/vms").status_code == 200
    assert http.get(engine.url + "/hosts").status_code == 200
    assert ctl("faults", "get", late["id"])[1]["applied"] == 1
    code, error = ctl("faults", "get", rule["id"])
    assert code == 1 and f"There is no fault rule {rule['id']}" in error
    code, error = ctl("faults", "add", "--fault", "drop", "--probability", "1.5")
    assert code == 1 and "probability" in error
    assert ctl("faults", "remove", late["id"])[1]["id"] == late["id"]
    ctl("faults", "add", "--fault", "drop", "--path", "/ovirt-engine/api/nothing")
    assert ctl("faults", "clear") == (0, {"removed": 1})


def test_the_change_feed_is_journaled_and_subject_to_rules(engine, http):
    feed = http.get(engine.url + "/changes", headers={"Accept": "application/json"})
    assert feed.status_code == 200 and "revision" in feed.json()
    entry = engine.journal.last(path="changes")
    assert entry.answered_by == "stream" and entry.status == 200
    assert [(m.kind, m.name) for m in entry.marks] == [("path", "/ovirt-engine/api/changes")]

    engine.fault_rules.add(path="changes", status=503, retry_after=2, times=1)
    refused = http.get(engine.url + "/changes", headers={"Accept": "application/json"})
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "2"
    assert refused.json()["reason"] == "Service Unavailable"
    assert engine.journal.last(path="changes").answered_by == "fault rule"
    assert http.get(engine.url + "/changes", headers={"Accept": "application/json"}).status_code == 200
