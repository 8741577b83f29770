"""Plain HTTP: the JSON representation as moVirt uses it, request normalization, Basic auth."""
from __future__ import annotations

import pytest
import requests
from lxml import etree


def _token(engine) -> str:
    root = engine.url.split("/ovirt-engine")[0]
    answer = requests.post(f"{root}/ovirt-engine/sso/oauth/token", params={
        "grant_type": "password", "scope": "ovirt-app-api", "username": engine.username,
        "password": engine.password}, headers={"Accept": "application/json"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body["token_type"] == "bearer" and body["scope"] == "ovirt-app-api"
    return body["access_token"]


@pytest.mark.scenario("demo")
def test_movirt_style_json(engine):
    token = _token(engine)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json; detail=statistics+nics",
               "Version": "4", "Filter": "false", "Prefer": "persistent-auth"}
    root = requests.get(engine.url + "/", headers=headers)
    assert root.status_code == 200
    api = root.json()
    assert api["product_info"]["version"]["major"] == "4"
    assert {"rel": "vms", "href": "/ovirt-engine/api/vms"} in api["link"]

    listed = requests.get(engine.url + "/vms;max=10", headers=headers)
    assert listed.status_code == 200
    vms = listed.json()["vm"]
    assert len(vms) == 10
    vm = vms[0]
    assert isinstance(vm["memory"], str) and int(vm["memory"]) > 0
    assert vm["stateless"] in ("true", "false")
    assert isinstance(vm["creation_time"], int)
    assert vm["href"] == f"/ovirt-engine/api/vms/{vm['id']}"
    assert vm["cluster"]["href"].startswith("/ovirt-engine/api/clusters/")
    assert {"rel": "nics", "href": f"/ovirt-engine/api/vms/{vm['id']}/nics"} in vm["link"]
    assert {"rel": "start", "href": f"/ovirt-engine/api/vms/{vm['id']}/start"} in vm["actions"]["link"]
    assert vm["os"]["boot"]["devices"]["device"] == ["hd"]

    nics = requests.get(engine.url + f"/vms/{vm['id']}/nics", headers=headers).json()
    assert all(n["mac"]["address"] for n in nics["nic"])


@pytest.mark.scenario("demo")
def test_sso_credentials_in_the_query_string_and_errors(engine):
    root = engine.url.split("/ovirt-engine")[0]
    refused = requests.post(f"{root}/ovirt-engine/sso/oauth/token", params={
        "grant_type": "password", "scope": "ovirt-app-api", "username": "admin@internal", "password": "nope"})
    assert refused.status_code == 400
    assert refused.headers["Content-Type"].startswith("application/json")
    assert refused.json()["error_code"] == "access_denied"
    logout = requests.post(f"{root}/ovirt-engine/services/sso-logout", data={"scope": "ovirt-app-api", "token": "x"})
    assert logout.status_code == 200 and logout.json() == {}


@pytest.mark.scenario("demo")
def test_path_spellings_reach_the_same_collection(http, engine):
    base = engine.url
    server = base.split("/ovirt-engine")[0]
    expected = http.get(base + "/vms").content
    for url in (base + "/vms/", base + "//vms", base + "/v4/vms", server + "/ovirt-engine//api/vms"):
        answer = http.get(url)
        assert answer.status_code == 200, url
        assert answer.content == expected, url
    assert http.get(base + "/").status_code == 200
    assert http.get(base).status_code == 200
    limited = etree.fromstring(http.get(base + "/vms;max=3").content)
    assert len(limited) == 3
    events = etree.fromstring(http.get(base + "/events;max=1", params={"from": "0"}).content)
    assert len(events) == 1


def test_unauthenticated_and_wrong_basic_credentials(engine):
    assert requests.get(engine.url + "/vms").status_code == 401
    wrong = requests.get(engine.url + "/vms", auth=("admin@internal", "wrong"))
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"]
    assert etree.fromstring(wrong.content).findtext("reason") == "Unauthorized"
    assert requests.get(engine.url + "/vms", auth=("admin@internal", "admin")).status_code == 200


def test_unsupported_version_is_a_fault(http, engine):
    answer = http.get(engine.url + "/vms", headers={"Version": "3"})
    assert answer.status_code == 400
    assert etree.fromstring(answer.content).tag == "fault"


@pytest.mark.scenario("demo")
def test_add_answers_201_with_location_and_remove_200(http, engine):
    body = "<vm><name>httpvm</name><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>"
    added = http.post(engine.url + "/vms", data=body, headers={"Content-Type": "application/xml"})
    assert added.status_code == 201
    vm = etree.fromstring(added.content)
    assert vm.tag == "vm"
    assert added.headers["Location"] == vm.get("href")
    removed = http.delete(engine.url + f"/vms/{vm.get('id')}")
    assert removed.status_code == 200
    assert http.get(engine.url + f"/vms/{vm.get('id')}").status_code == 404


@pytest.mark.scenario("demo")
def test_json_body_with_strings_for_numbers(http, engine):
    body = {"name": "jsonvm", "memory": "2147483648", "stateless": "true",
            "cluster": {"name": "Default"}, "template": {"id": "00000000-0000-0000-0000-000000000000"},
            "os": {"boot": {"devices": {"device": ["network", "hd"]}}}}
    added = http.post(engine.url + "/vms", json=body, headers={"Accept": "application/json"})
    assert added.status_code == 201, added.text
    vm = added.json()
    assert vm["memory"] == "2147483648" and vm["stateless"] == "true"
    assert vm["os"]["boot"]["devices"]["device"] == ["network", "hd"]


def test_server_timing_counts_statements(http, engine):
    answer = http.get(engine.url + "/vms")
    timing = answer.headers["Server-Timing"]
    assert 'sql;dur=' in timing and "statements" in timing and "total;dur=" in timing
