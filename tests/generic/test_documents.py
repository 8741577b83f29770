"""Lists of the generic store: insertion order, search, max, and statements constant in N."""
from __future__ import annotations

import re

import pytest

from tests.generic.conftest import JSON


def _statements(answer) -> int:
    return int(re.search(r'desc="(\d+) statements"', answer.headers["Server-Timing"]).group(1))


def _vm(http, engine) -> str:
    return http.get(engine.url + "/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]["id"]


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("collection", ["affinitylabels", "vms/{vm}/watchdogs"])
def test_the_statements_of_a_list_are_constant_in_its_length(http, engine, collection):
    url = f"{engine.url}/{collection.format(vm=_vm(http, engine))}"
    counts = {}
    for total in (1, 50):
        while len(http.get(url, headers=JSON).json().get("affinity_label" if "labels" in collection
                                                          else "watchdog", [])) < total:
            assert http.post(url, json={"name": "n"}, headers=JSON).status_code == 201
        for accept in ("application/json", "application/xml"):
            http.get(url, headers={"Accept": accept})
            counts[total, accept] = _statements(http.get(url, headers={"Accept": accept}))
    assert counts[1, "application/json"] == counts[50, "application/json"]
    assert counts[1, "application/xml"] == counts[50, "application/xml"]


@pytest.mark.scenario("demo")
def test_a_list_keeps_the_order_of_insertion_across_updates(http, engine):
    names = ["zeta", "alpha", "Mid", "beta"]
    hrefs = [http.post(engine.url + "/bookmarks", json={"name": name, "value": "v"}, headers=JSON).json()["href"]
             for name in names]
    http.put(engine.url + hrefs[0].removeprefix("/ovirt-engine/api"), json={"value": "changed"}, headers=JSON)
    listed = http.get(engine.url + "/bookmarks", headers=JSON).json()["bookmark"]
    assert [b["name"] for b in listed] == names and listed[0]["value"] == "changed"
    assert [b["name"] for b in http.get(engine.url + "/bookmarks", params={"max": "2"}, headers=JSON).json()["bookmark"]] \
        == names[:2]


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("search, case_sensitive, found", [
    ("name=alpha", None, ["alpha"]),
    ("name=ALPHA", None, ["alpha"]),
    ("name=ALPHA", "true", []),
    ("name=Mi*", "true", ["Mid"]),
    ("name=mi*", "true", []),
    ("name=*a", None, ["zeta", "alpha", "beta"]),
    ("name!=*a", None, ["Mid", "under_score"]),
    ("name=under_*", None, ["under_score"]),
    ("name=under%", None, []),
    ("name=alpha or name=beta", None, ["alpha", "beta"]),
    ("name=*a and value=2", None, ["alpha"]),
    ("name=* sortby name desc", None, ["zeta", "under_score", "Mid", "beta", "alpha"]),
    ("nosuchfield=1", None, []),
    ("name>1", None, []),
    ("name=(", None, []),
])
def test_search_matches_attributes(http, engine, search, case_sensitive, found):
    for index, name in enumerate(["zeta", "alpha", "Mid", "beta", "under_score"]):
        http.post(engine.url + "/bookmarks", json={"name": name, "value": str(index + 1)}, headers=JSON)
    params = {"search": search, **({"case_sensitive": case_sensitive} if case_sensitive else {})}
    answer = http.get(engine.url + "/bookmarks", params=params, headers=JSON)
    assert answer.status_code == 200
    assert [b["name"] for b in answer.json().get("bookmark", [])] == found
