"""Request bodies read as the API model types them: a bad value is a 400 fault naming it."""
from __future__ import annotations

import datetime as dt

import pytest

from engine_api.faults import InvalidValue
from engine_api.generic.values import merged, read_parameters, read_struct
from engine_api.model import load
from tests.generic.conftest import JSON

XML = {"Content-Type": "application/xml"}


def test_values_are_typed_as_the_model_says():
    read = read_struct("Snapshot", {
        "description": "d", "persist_memorystate": "TRUE", "snapshot_status": "OK",
        "date": "2026-03-01T10:00:00Z", "memory": "1073741824",
        "cpu": {"topology": {"cores": 2}}, "os": {"boot": {"devices": {"device": "hd"}}},
        "link": [{"rel": "x", "href": "/y"}], "no_such_attribute": "1",
    }, "snapshot")
    assert read == {
        "description": "d", "memory": 1073741824, "persist_memorystate": True, "snapshot_status": "ok",
        "date": dt.datetime(2026, 3, 1, 10, tzinfo=dt.timezone.utc),
        "cpu": {"topology": {"cores": 2}}, "os": {"boot": {"devices": {"device": ["hd"]}}},
    }
    assert list(read) == [a.element for a in load().attributes("Snapshot") if a.element in read]


@pytest.mark.parametrize("data, named", [
    ({"memory": "lots"}, "snapshot.memory"),
    ({"memory": "99999999999999999999"}, "snapshot.memory"),
    ({"snapshot_status": "fine"}, "snapshot.snapshot_status"),
    ({"persist_memorystate": "yes"}, "snapshot.persist_memorystate"),
    ({"date": "yesterday"}, "snapshot.date"),
    ({"cpu": {"topology": {"cores": "two"}}}, "snapshot.cpu.topology.cores"),
    ({"cpu": "fast"}, "snapshot.cpu"),
    ({"os": {"boot": {"devices": {"device": ["hd", "floppy"]}}}}, "snapshot.os.boot.devices.device"),
])
def test_a_bad_value_names_its_attribute(data, named):
    with pytest.raises(InvalidValue, match=f"'{named}'"):
        read_struct("Snapshot", data, "snapshot")


def test_action_parameters_are_typed_and_others_dropped():
    actions = tuple(load().actions("VmService")[name] for name in ("export", "export_to_path_on_host"))
    assert read_parameters(actions, {"exclusive": "true", "directory": "/d", "whatever": "x",
                                     "host": {"name": "h"}}) == {
        "exclusive": True, "directory": "/d", "host": {"name": "h"}}
    with pytest.raises(InvalidValue, match="'action.exclusive'"):
        read_parameters(actions, {"exclusive": "often"})


def test_updates_merge_structs_and_replace_lists():
    stored = {"name": "a", "cpu": {"topology": {"cores": 1, "sockets": 2}}, "os": {"boot": {"devices": {"device": ["hd"]}}}}
    given = {"cpu": {"topology": {"cores": 4}}, "os": {"boot": {"devices": {"device": ["cdrom"]}}}}
    assert merged(stored, given) == {"name": "a", "cpu": {"topology": {"cores": 4, "sockets": 2}},
                                     "os": {"boot": {"devices": {"device": ["cdrom"]}}}}


@pytest.mark.scenario("demo")
def test_a_bad_integer_or_enum_in_a_generic_collection_is_a_400_fault_naming_it(http, engine):
    before = http.get(engine.url + "/affinitylabels", headers=JSON).json()
    answer = http.post(engine.url + "/bookmarks", data="<bookmark><name>b</name></bookmark>", headers=XML)
    assert answer.status_code == 201
    answer = http.post(engine.url + "/macpools", json={"name": "p", "allow_duplicates": "sometimes"}, headers=JSON)
    assert answer.status_code == 400 and "mac_pool.allow_duplicates" in answer.json()["detail"]
    vm = http.get(engine.url + "/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]["id"]
    answer = http.post(engine.url + f"/vms/{vm}/watchdogs", data="<watchdog><action>explode</action></watchdog>",
                       headers=XML)
    assert answer.status_code == 400
    assert "<reason>Request syntactically incorrect.</reason>" in answer.text and "'watchdog.action'" in answer.text
    dc = http.get(engine.url + "/datacenters", headers=JSON).json()["data_center"][0]["id"]
    answer = http.post(engine.url + f"/datacenters/{dc}/quotas",
                       data="<quota><name>q</name><cluster_hard_limit_pct>much</cluster_hard_limit_pct></quota>",
                       headers=XML)
    assert answer.status_code == 400 and "'quota.cluster_hard_limit_pct'" in answer.text
    assert http.get(engine.url + "/affinitylabels", headers=JSON).json() == before
    assert http.get(engine.url + f"/vms/{vm}/watchdogs", headers=JSON).json() == {}


@pytest.mark.scenario("demo")
def test_a_body_of_another_type_is_refused(http, engine):
    answer = http.post(engine.url + "/bookmarks", data="<vm><name>b</name></vm>", headers=XML)
    assert answer.status_code == 400 and "Expected a 'bookmark' element" in answer.text
