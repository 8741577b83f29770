"""push.projection: parsing projection texts, applying them to wire-shaped data."""
from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from push.projection import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_PATHS,
    Projection,
    ProjectionError,
    of_paths,
    parse_projection,
    project,
    project_collection,
)

VM = {
    "href": "/ovirt-engine/api/vms/1",
    "id": "1",
    "actions": {"link": [{"href": "/ovirt-engine/api/vms/1/start", "rel": "start"}]},
    "name": "myvm",
    "status": "down",
    "memory": "1073741824",
    "creation_time": 1700000000000,
    "cpu": {"topology": {"cores": "1", "sockets": "2"}, "architecture": "x86_64"},
    "os": {"boot": {"devices": {"device": ["hd", "cdrom"]}}, "type": "other"},
    "cluster": {"href": "/ovirt-engine/api/clusters/c", "id": "c"},
    "link": [{"href": "/ovirt-engine/api/vms/1/nics", "rel": "nics"}],
    "nics": {"nic": [
        {"href": "/ovirt-engine/api/vms/1/nics/n1", "id": "n1", "name": "nic1",
         "mac": {"address": "56:6f:00:00:00:01"}, "link": [{"href": "x", "rel": "statistics"}]},
        {"href": "/ovirt-engine/api/vms/1/nics/n2", "id": "n2", "name": "nic2",
         "mac": {"address": "56:6f:00:00:00:02"}},
    ]},
}


def test_the_issue_example():
    projected = project(VM, parse_projection("name,status,nics.mac.address"))
    assert projected == {
        "href": VM["href"], "id": "1", "name": "myvm", "status": "down",
        "nics": {"nic": [
            {"href": "/ovirt-engine/api/vms/1/nics/n1", "id": "n1", "mac": {"address": "56:6f:00:00:00:01"}},
            {"href": "/ovirt-engine/api/vms/1/nics/n2", "id": "n2", "mac": {"address": "56:6f:00:00:00:02"}},
        ]},
    }


def test_href_and_id_always_kept_link_and_actions_only_when_named():
    assert project(VM, of_paths("memory")) == {"href": VM["href"], "id": "1", "memory": "1073741824"}
    assert project(VM, of_paths("link"))["link"] == VM["link"]
    assert project(VM, of_paths("actions"))["actions"] == VM["actions"]
    assert "link" not in project(VM, of_paths("nics.name"))["nics"]["nic"][0]


def test_a_whole_value_and_a_reference():
    projected = project(VM, of_paths("cpu", "cluster"))
    assert projected["cpu"] == VM["cpu"] and projected["cluster"] == VM["cluster"]
    assert project(VM, of_paths("cluster.name"))["cluster"] == VM["cluster"]


def test_the_wrapper_may_be_named():
    assert project(VM, of_paths("nics.nic.name")) == project(VM, of_paths("nics.name"))


def test_a_list_of_texts_inside_a_wrapper():
    assert project(VM, of_paths("os.boot.devices"))["os"] == {"boot": {"devices": {"device": ["hd", "cdrom"]}}}
    assert project(VM, of_paths("os.boot.devices.device"))["os"] == {"boot": {"devices": {"device": ["hd", "cdrom"]}}}


def test_what_the_data_lacks_is_absent():
    assert project(VM, of_paths("nothing")) == {"href": VM["href"], "id": "1"}
    assert project(VM, of_paths("cpu.nothing"))["cpu"] == {}
    assert "name" not in project(VM, of_paths("name.first"))
    assert project(VM, of_paths("os.boot.devices.device.x"))["os"] == {"boot": {"devices": {"device": []}}}


def test_a_path_and_a_longer_one_keep_the_whole_value():
    assert parse_projection("cpu.topology,cpu") == parse_projection("cpu")
    assert project(VM, parse_projection("cpu,cpu.topology.cores"))["cpu"] == VM["cpu"]
    assert str(parse_projection(" status , name,name ")) == "name,status"


def test_order_is_the_datas():
    assert list(project(VM, of_paths("status", "name", "memory"))) == ["href", "id", "name", "status", "memory"]


def test_a_list_of_entities_and_the_input_left_as_it_was():
    before = copy.deepcopy(VM)
    assert project([VM, VM], of_paths("name")) == [{"href": VM["href"], "id": "1", "name": "myvm"}] * 2
    assert VM == before


def test_a_collection_answer():
    assert project_collection({"vm": [VM]}, of_paths("name")) == {"vm": [{"href": VM["href"], "id": "1", "name": "myvm"}]}
    assert project_collection({}, of_paths("name")) == {}


def test_projections_compare_and_hash_by_their_paths():
    assert parse_projection("b,a.c") == parse_projection("a.c,b")
    assert hash(parse_projection("b,a.c")) == hash(parse_projection("a.c,b"))
    assert parse_projection("a") != parse_projection("a.b")
    assert parse_projection("a.b,a.c").paths == ("a.b", "a.c")


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"),
    ("   ", "empty"),
    ("name,", "empty path"),
    ("name,,status", "empty path"),
    ("nics..mac", "'nics..mac' has an empty attribute name"),
    (".name", "empty attribute name"),
    ("name.", "empty attribute name"),
    ("na me", "'na me'"),
    ("nics.mac-address", "'mac-address'"),
    ("x" * (MAX_LENGTH + 1), f"at most {MAX_LENGTH}"),
    (",".join(f"a{i}" for i in range(MAX_PATHS + 1)), f"at most {MAX_PATHS} are allowed"),
    (".".join(["a"] * (MAX_DEPTH + 1)), f"at most {MAX_DEPTH}"),
    ("a" * 65, "longer than 64"),
])
def test_bad_projections_are_refused_naming_what_is_wrong(text, message):
    with pytest.raises(ProjectionError, match=message.replace(".", r"\.").replace("(", r"\(")):
        parse_projection(text)


def test_the_limits_themselves_are_allowed():
    assert len(parse_projection(",".join(f"a{i}" for i in range(MAX_PATHS))).paths) == MAX_PATHS
    assert parse_projection(".".join(["a"] * MAX_DEPTH)).paths == (".".join(["a"] * MAX_DEPTH),)


# -- properties --------------------------------------------------------------------------------

_names = st.sampled_from(["href", "id", "name", "status", "nic", "nics", "mac", "address", "link", "a", "b"])
_scalars = st.one_of(st.text(max_size=3), st.integers(0, 10**13).map(str), st.integers(0, 10**13))
_wire = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_names, inner, max_size=4)),
    max_leaves=20,
)
_entities = st.dictionaries(_names, _wire, max_size=6)
_paths = st.lists(st.lists(_names, min_size=1, max_size=4).map(".".join), min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(_entities, _paths)
def test_projecting_twice_is_projecting_once(data, paths):
    projection = of_paths(*paths)
    once = project(data, projection)
    assert project(once, projection) == once


@settings(max_examples=300, deadline=None)
@given(_entities)
def test_projecting_on_every_top_level_key_is_the_identity(data):
    if data:
        assert project(data, of_paths(*data)) == data


@settings(max_examples=200, deadline=None)
@given(_entities, _paths)
def test_a_projection_keeps_a_subset_and_always_href_and_id(data, paths):
    projected = project(data, of_paths(*paths))
    assert set(projected) <= set(data)
    assert {k: data[k] for k in ("href", "id") if k in data} == {k: projected[k] for k in ("href", "id") if k in projected}


@settings(max_examples=200, deadline=None)
@given(_paths)
def test_the_canonical_text_parses_to_the_same_projection(paths):
    projection = of_paths(*paths)
    assert parse_projection(str(projection)) == projection
    assert isinstance(projection, Projection)
