"""The request journal: what clients sent, how it was answered, and what a real engine would ignore."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest
import requests
from lxml import etree

from tests.control.controlapi import control_url, fault_detail
from tests.serving.rawhttp import exchange


@pytest.mark.scenario("demo")
def test_an_sdk_listing_with_follow_is_one_request_with_version_4(engine, connection):
    vms = connection.system_service().vms_service().list(follow="nics")
    assert vms and all(vm.nics is not None for vm in vms)

    listed = engine.journal.requests(method="GET", path="/ovirt-engine/api/vms")
    assert len(listed) == 1
    entry = listed[0]
    assert entry.params == {"follow": ["nics"]}
    assert entry.header("Version") == "4"
    assert entry.header("Authorization") == "Bearer ***"
    assert entry.status == 200 and entry.answered_by == "application"
    assert entry.duration_ms > 0
    assert entry.sql.count >= 1 and entry.sql.seconds > 0
    assert any(text.lstrip().upper().startswith("SELECT") for text, _ in entry.sql.statements)
    assert entry.marks == ()
    assert engine.journal.count(path="/ovirt-engine/api/vms/*/nics") == 0
    assert engine.journal.count(path="vms/**") == 0

    token = engine.journal.last(path="/ovirt-engine/sso/oauth/token")
    assert token is not None and token.method == "POST" and token.status == 200
    assert "password=***" in token.body and f"password={engine.password}" not in token.body
    assert token.marks == ()


@pytest.mark.scenario("demo")
def test_the_control_api_lists_counts_filters_and_clears(engine, http):
    before = time.time()
    assert http.get(engine.url + "/vms").status_code == 200
    assert http.get(engine.url + "/hosts", headers={"X-Trace": "abc-1"}).status_code == 200
    assert http.get(engine.url + "/vms/nosuchvm").status_code == 404
    middle = time.time()
    time.sleep(0.01)
    assert http.get(engine.url + "/clusters", headers={"Accept": "application/json"}).status_code == 200

    everything = http.get(control_url(engine, "/journal")).json()
    assert everything["count"] == 4
    assert [r["path"] for r in everything["requests"]] == [
        "/ovirt-engine/api/vms", "/ovirt-engine/api/hosts", "/ovirt-engine/api/vms/nosuchvm",
        "/ovirt-engine/api/clusters"]
    first = everything["requests"][0]
    assert first["method"] == "GET" and first["status"] == 200 and first["headers"]["authorization"] == "Basic ***"
    assert first["sql"]["count"] >= 1 and first["sql"]["statements"]
    assert first["marks"] == [] and first["time"] >= before

    def count(**params) -> int:
        answer = http.get(control_url(engine, "/journal/count"), params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()["count"]

    assert count(path="/ovirt-engine/api/vms") == 1
    assert count(path="/ovirt-engine/api/vms*") == 1
    assert count(path="/ovirt-engine/api/vms/*") == 1
    assert count(path="vms**") == 2
    assert count(method="GET") == 4 and count(method="POST,DELETE") == 0
    assert count(header="X-Trace") == 1 and count(header="x-trace:ABC-*") == 1 and count(header="X-Trace:xyz") == 0
    assert count(header=["Accept:application/json", "X-Trace"]) == 0
    assert count(status="404") == 1 and count(status="2xx") == 3 and count(status="200,404") == 4
    assert count(until=str(middle)) == 3 and count(since=str(middle)) == 1
    iso = dt.datetime.fromtimestamp(middle, dt.timezone.utc).isoformat().replace("+00:00", "Z")
    assert count(since=iso) == 1
    last = http.get(control_url(engine, "/journal"), params={"limit": "1"}).json()
    assert last["count"] == 4 and [r["path"] for r in last["requests"]] == ["/ovirt-engine/api/clusters"]

    assert engine.journal.count(since=dt.datetime.fromtimestamp(middle, dt.timezone.utc)) == 1
    assert engine.journal.last(status=404).path == "/ovirt-engine/api/vms/nosuchvm"

    # the control API's own requests are not journaled
    assert count() == 4
    cleared = http.delete(control_url(engine, "/journal"))
    assert cleared.status_code == 200 and cleared.json() == {"removed": 4}
    assert count() == 0 and engine.journal.requests() == []


@pytest.mark.parametrize("params, named", [
    ({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"), ({"status": "99"}, "status"),
    ({"status": "fine"}, "status"), ({"since": "yesterday"}, "since"), ({"until": "12:00:00x"}, "until"),
    ({"header": ":x"}, "header"), ({"method": "G-T"}, "method"), ({"marked": "maybe"}, "marked"),
    ({"path": " "}, "path"), ({"colour": "red"}, "colour"),
])
def test_a_bad_filter_is_a_400_fault(engine, http, params, named):
    http.get(engine.url + "/vms")
    for route in ("/journal", "/journal/count"):
        answer = http.get(control_url(engine, route), params=params)
        assert answer.status_code == 400, answer.text
        assert f"'{named}'" in fault_detail(answer)
    assert engine.journal.count() == 1


@pytest.mark.scenario("demo")
def test_marks_what_a_real_engine_would_ignore(engine, http, connection):
    import ovirtsdk4.types as types

    added = connection.system_service().vms_service().add(types.Vm(
        name="clean", cluster=types.Cluster(name="Default"), template=types.Template(name="Blank"),
        cpu=types.Cpu(topology=types.CpuTopology(sockets=2, cores=1))))
    connection.system_service().vms_service().vm_service(added.id).nics_service().list()
    assert engine.journal.count(marked=True) == 0
    assert engine.journal.last(method="POST", path="vms").marks == ()

    xml = ("<vm frob=\"1\"><name>marked</name><cluster><name>Default</name></cluster>"
           "<template><name>Blank</name></template><colour>blue</colour>"
           "<cpu><topology><sockets>1</sockets><wheels>4</wheels></topology></cpu>"
           "<nics><nic><name>n1</name><speed>9</speed></nic><wire/></nics><id>x</id></vm>")
    answer = http.post(engine.url + "/vms", params={"frobnicate": "1", "clone": "false"}, data=xml,
                       headers={"Content-Type": "application/xml", "X-Custom": "1"})
    assert answer.status_code == 201, answer.text
    marks = {(m.kind, m.name) for m in engine.journal.last(method="POST").marks}
    assert marks == {("header", "x-custom"), ("parameter", "frobnicate"), ("attribute", "vm@frob"),
                     ("element", "vm.colour"), ("element", "vm.cpu.topology.wheels"),
                     ("element", "vm.nics.nic.speed"), ("element", "vm.nics.wire"), ("element", "vm.id")}

    vm_id = etree.fromstring(answer.content).get("id")
    json_body = {"name": "renamed", "os": {"type": "other", "flavour": "x"}}
    assert http.put(engine.url + f"/vms/{vm_id}", json=json_body).status_code == 200
    update = engine.journal.last(method="PUT")
    assert [(m.kind, m.name) for m in update.marks] == [("element", "vm.os.flavour")]
    assert "OperatingSystem has no attribute 'flavour'" in update.marks[0].detail

    action = "<action><pause>true</pause><grace_period><expiry>10</expiry></grace_period></action>"
    http.post(engine.url + f"/vms/{vm_id}/start", data=action, headers={"Content-Type": "application/xml"})
    assert [(m.kind, m.name) for m in engine.journal.last(path="vms/*/start").marks] == [
        ("element", "action.grace_period")]

    http.get(engine.url + f"/vms/{vm_id}", params={"projection": "name"}, headers={"If-None-Match": '"1"'})
    read = engine.journal.last(method="GET")
    assert {(m.kind, m.name) for m in read.marks} == {("parameter", "projection"), ("header", "if-none-match")}
    assert all("engine-emu" in m.detail for m in read.marks)

    http.get(engine.url + "/vms;max=2", params={"search": "name=clean", "wanted": "yes"})
    matrix = engine.journal.last(method="GET")
    assert [(m.kind, m.name) for m in matrix.marks] == [("parameter", "wanted")]
    assert matrix.params == {"search": ["name=clean"], "wanted": ["yes"], "max": ["2"]}

    http.get(engine.url + "/nosuchcollection")
    assert [(m.kind, m.name) for m in engine.journal.last(method="GET").marks] == [
        ("path", "/ovirt-engine/api/nosuchcollection")]

    marked = http.get(control_url(engine, "/journal"), params={"marked": "true"}).json()
    assert marked["count"] == 6
    assert {"kind": "element", "name": "vm.colour", "detail": "Vm has no attribute 'colour'; the engine ignores it"} \
        in marked["requests"][0]["marks"]
    assert http.get(control_url(engine, "/journal/count"), params={"marked": "false"}).json()["count"] == \
        engine.journal.count() - 6


@pytest.mark.scenario("demo")
def test_direct_answers_and_the_serving_layers_refusals_are_journaled(engine, http):
    vm = http.get(engine.url + "/vms", headers={"Accept": "application/json"}).json()["vm"][0]
    assert http.get(engine.url + f"/vms/{vm['id']}").status_code == 200
    direct = engine.journal.last(path="vms/*")
    assert direct.answered_by == "direct" and direct.status == 200 and direct.sql.count == 1

    refused = exchange(engine.url, b"POST /ovirt-engine/api/vms HTTP/1.1\r\nHost: x\r\n"
                                   b"Content-Type: application/xml\r\nContent-Length: %d\r\n\r\n" % (11 << 20))
    assert refused is not None and refused.status == 413
    entry = engine.journal.last(status=413)
    assert entry.answered_by == "engine" and entry.method == "POST" and entry.path == "/ovirt-engine/api/vms"
    assert entry.sql.count == 0 and entry.body == ""


def test_secrets_never_reach_the_journal(engine, http):
    root = engine.url.split("/ovirt-engine")[0]
    answer = requests.post(f"{root}/ovirt-engine/sso/oauth/token", params={
        "grant_type": "password", "scope": "ovirt-app-api", "username": engine.username,
        "password": engine.password}, headers={"Accept": "application/json"})
    token = answer.json()["access_token"]
    requests.get(engine.url + "/vms", headers={"Authorization": f"Bearer {token}", "Prefer": "persistent-auth",
                                               "Cookie": "JSESSIONID=abcdef; theme=dark"})
    http.post(engine.url + "/hosts", data="<host><name>h</name><root_password>s3cret!</root_password>"
                                          "<address>h.example</address></host>",
              headers={"Content-Type": "application/xml"})
    http.post(engine.url + "/users", json={"user_name": "x", "password": 'pa"ss'})
    http.post(f"{root}/ovirt-engine/services/sso-logout", data={"scope": "ovirt-app-api", "token": token})

    for entry in engine.journal.requests():
        text = repr((entry.query, entry.header_pairs, entry.body))
        for secret in (f"password={engine.password}", token, "s3cret!", "abcdef", 'pa\\"ss'):
            assert secret not in text, entry
    sso = engine.journal.last(path="/ovirt-engine/sso/oauth/token")
    assert "password=***" in sso.query
    read = engine.journal.last(path="vms")
    assert read.header("Authorization") == "Bearer ***"
    assert read.header("Cookie") == "JSESSIONID=***; theme=***"
    assert "<root_password>***</root_password>" in engine.journal.last(path="hosts").body
    assert '"password": "***"' in engine.journal.last(path="users").body
    assert "token=***" in engine.journal.last(path="/ovirt-engine/services/sso-logout").body
    assert http.get(engine.url + "/vms", auth=("admin@internal", "wrong")).status_code == 401
    assert engine.journal.last(status=401).header("Authorization") == "Basic ***"


def test_the_ring_keeps_the_latest_within_its_bounds(engine, http):
    setting = http.put(control_url(engine, "/journal/settings"), json={"capacity": 3, "body_bytes": 8})
    assert setting.status_code == 200, setting.text
    assert setting.json()["capacity"] == 3 and setting.json()["body_bytes"] == 8
    for name in ("clusters", "hosts", "networks", "templates"):
        http.get(f"{engine.url}/{name}")
    http.post(engine.url + "/tags", data="<tag><name>long-enough</name></tag>",
              headers={"Content-Type": "application/xml"})
    kept = engine.journal.requests()
    assert [e.path.rsplit("/", 1)[-1] for e in kept] == ["networks", "templates", "tags"]
    assert kept[-1].body == "<tag><na" and kept[-1].body_truncated and kept[-1].body_bytes == 35
    assert [m.kind for m in kept[-1].marks] == ["element"] and "not checked" in kept[-1].marks[0].detail
    assert http.get(control_url(engine, "/journal/settings")).json()["kept"] == 3

    bad = http.put(control_url(engine, "/journal/settings"), json={"capacity": -1})
    assert bad.status_code == 400 and "capacity" in fault_detail(bad)

    engine.journal.configure(capacity=0)
    http.get(engine.url + "/vms")
    assert engine.journal.requests() == []
    engine.journal.configure(capacity=10, body_bytes=4096, max_bytes=2000)
    for _ in range(4):
        http.post(engine.url + "/tags", data="<tag><name>" + "x" * 900 + "</name></tag>",
                  headers={"Content-Type": "application/xml"})
    assert 1 <= engine.journal.count() <= 2
    assert engine.journal.setting().kept_bytes <= 2000


@pytest.mark.scenario("demo")
def test_ctl_lists_counts_and_clears_the_journal(engine, http, capsys):
    from engine_api.cli import main

    def ctl(*args: str):
        code = main(["ctl", "--url", engine.url, "--user", engine.username, "--password", engine.password, *args])
        captured = capsys.readouterr()
        return code, json.loads(captured.out) if captured.out else captured.err

    http.get(engine.url + "/vms", params={"bogus": "1"})
    http.get(engine.url + "/hosts", headers={"Accept": "application/json"})
    assert ctl("journal", "count") == (0, {"count": 2})
    code, listed = ctl("journal", "list", "--path", "vms", "--marked")
    assert code == 0 and listed["count"] == 1
    assert listed["requests"][0]["marks"][0]["name"] == "bogus"
    assert ctl("journal", "count", "--header", "accept:*json", "--method", "GET",
               "--status", "2xx") == (0, {"count": 1})
    assert ctl("journal", "count", "--clean") == (0, {"count": 1})
    code, error = ctl("journal", "count", "--status", "teapot")
    assert code == 1 and "'status'" in error
    code, setting = ctl("journal", "settings", "--capacity", "50")
    assert code == 0 and setting["capacity"] == 50 and setting["kept"] == 2
    assert ctl("journal", "clear") == (0, {"removed": 2})
    assert engine.journal.count() == 0
