"""projection=: every read answers only the attributes it selects, in XML and JSON, the SDK reads
it, and a bad value is a 400 fault naming it."""
from __future__ import annotations

import json

import pytest
from lxml import etree
from sqlalchemy import select

from engine_api.models import Document
from engine_api.render import typed_wire
from engine_api.wire.codec import XmlCodec
from push.projection import parse_projection, project, project_collection

JSON = {"Accept": "application/json"}
PROJECTION = "name,status,nics.mac.address"


def _get(http, engine, path, projection=None, json_format=False, **params):
    if projection is not None:
        params["projection"] = projection
    answer = http.get(engine.url + path, params=params, headers=JSON if json_format else {})
    assert answer.status_code == 200, answer.text
    return answer


def _pruned(whole: etree._Element, part: etree._Element) -> bool:
    """Whether ``part`` is ``whole`` less some of its elements: the same tag, attributes and text,
    and children that match, in order, a subsequence of the whole's children."""
    if whole.tag != part.tag or dict(whole.attrib) != dict(part.attrib):
        return False
    if len(part) == 0 and len(whole) == 0:
        return (whole.text or "") == (part.text or "")
    children = iter(whole)
    return all(any(_pruned(candidate, child) for candidate in children) for child in part)


def _is_collection(path: str) -> bool:
    """Whether an API path (``/vms``, ``/vms/{id}/nics``) names a collection rather than an entity
    or the root."""
    return bool(path) and len(path.strip("/").split("/")) % 2 == 1


def _assert_xml_is_the_projection(http, engine, path, projection, **params):
    """The projected XML: the whole XML less some elements, and exactly what the codec writes
    from the projected JSON."""
    whole = etree.fromstring(_get(http, engine, path, **params).content)
    answer = _get(http, engine, path, projection, **params)
    assert answer.headers["Content-Type"].startswith("application/xml")
    part = etree.fromstring(answer.content)
    assert _pruned(whole, part)
    projected_json = _get(http, engine, path, projection, json_format=True, **params).json()
    if _is_collection(path):
        singular = whole[0].tag
        expected = XmlCodec().render_collection(part.tag, singular, typed_wire(projected_json.get(singular, [])))
    else:
        expected = XmlCodec().render(part.tag, typed_wire(projected_json))
    assert answer.content == expected
    return part


def _myvm(http, engine):
    return _get(http, engine, "/vms", json_format=True, search="name=myvm").json()["vm"][0]


@pytest.mark.scenario("demo")
def test_a_listing_with_follow_keeps_only_the_paths(http, engine):
    whole = _get(http, engine, "/vms", json_format=True, follow="nics").json()
    answer = _get(http, engine, "/vms", PROJECTION, json_format=True, follow="nics")
    projected = answer.json()
    assert projected == project_collection(whole, parse_projection(PROJECTION)) != whole
    assert len(projected["vm"]) == len(whole["vm"]) == 37
    for vm in projected["vm"]:
        assert set(vm) <= {"href", "id", "name", "status", "nics"}
        assert {"href", "id", "name", "status", "nics"} <= set(vm)
        for nic in vm["nics"]["nic"]:
            assert set(nic) == {"href", "id", "mac"} and set(nic["mac"]) == {"address"}
    assert answer.headers["ETag"] and answer.headers["Revision"]
    part = _assert_xml_is_the_projection(http, engine, "/vms", PROJECTION, follow="nics")
    assert {child.tag for vm in part for child in vm} == {"name", "status", "nics"}
    searched = _get(http, engine, "/vms", PROJECTION, json_format=True, follow="nics", search="status=up").json()
    up = _get(http, engine, "/vms", json_format=True, follow="nics", search="status=up").json()
    assert searched == project_collection(up, parse_projection(PROJECTION)) and searched["vm"]
    _assert_xml_is_the_projection(http, engine, "/vms", PROJECTION, follow="nics", search="status=up")


@pytest.mark.scenario("demo")
def test_a_path_through_a_list_applies_to_each_item(http, engine):
    projection = "name,disk_attachments.disk.name,disk_attachments.bootable"
    follow = "disk_attachments.disk"
    whole = _get(http, engine, "/vms", json_format=True, follow=follow).json()
    projected = _get(http, engine, "/vms", projection, json_format=True, follow=follow).json()
    assert projected == project_collection(whole, parse_projection(projection))
    myvm = next(vm for vm in projected["vm"] if vm["name"] == "myvm")
    (attachment,) = myvm["disk_attachments"]["disk_attachment"]
    assert set(attachment) == {"href", "id", "bootable", "disk"}
    assert set(attachment["disk"]) == {"href", "id", "name"}
    _assert_xml_is_the_projection(http, engine, "/vms", projection, follow=follow)


@pytest.mark.scenario("demo")
def test_one_entity_from_its_document_and_from_its_row(http, engine):
    vm_id = _myvm(http, engine)["id"]
    path = f"/vms/{vm_id}"
    projection = "name,cpu.topology,cluster,creation_time,link,nothing"
    projected = _get(http, engine, path, projection, json_format=True).json()
    assert set(projected) == {"href", "id", "name", "cpu", "cluster", "creation_time", "link"}
    assert set(projected["cpu"]) == {"topology"}
    assert projected == project(_get(http, engine, path, json_format=True).json(), parse_projection(projection))
    part = _assert_xml_is_the_projection(http, engine, path, projection)
    assert part.find("creation_time").text == etree.fromstring(_get(http, engine, path).content).find("creation_time").text
    # follow= of links documents do not assemble: the answer comes from rows
    follow = "disk_attachments.disk"
    whole = _get(http, engine, path, json_format=True, follow=follow).json()
    projected = _get(http, engine, path, "disk_attachments.disk.name", json_format=True, follow=follow).json()
    assert projected == project(whole, parse_projection("disk_attachments.disk.name"))
    assert set(projected["disk_attachments"]["disk_attachment"][0]["disk"]) == {"href", "id", "name"}
    _assert_xml_is_the_projection(http, engine, path, "disk_attachments.disk.name", follow=follow)
    # all_content=true comes from rows too
    _assert_xml_is_the_projection(http, engine, path, "name,os", all_content="true")


@pytest.mark.scenario("demo")
def test_a_generic_collection_and_entity(http, engine):
    for name in ("gold", "silver"):
        added = http.post(engine.url + "/affinitylabels", json={"name": name, "description": f"the {name} ones"},
                          headers=JSON)
        assert added.status_code == 201, added.text
    projected = _get(http, engine, "/affinitylabels", "name", json_format=True).json()
    assert [set(label) for label in projected["affinity_label"]] == [{"href", "id", "name"}] * 2
    _assert_xml_is_the_projection(http, engine, "/affinitylabels", "name,link")
    label = projected["affinity_label"][0]
    one = _get(http, engine, f"/affinitylabels/{label['id']}", "description", json_format=True).json()
    assert one == {"href": label["href"], "id": label["id"], "description": "the gold ones"}
    _assert_xml_is_the_projection(http, engine, f"/affinitylabels/{label['id']}", "description")


@pytest.mark.scenario("demo")
def test_computed_collections_the_root_and_matrix_parameters(http, engine):
    vm_id = _myvm(http, engine)["id"]
    statistics = _get(http, engine, f"/vms/{vm_id}/statistics", "name,values.value.datum", json_format=True).json()
    assert statistics["statistic"]
    for statistic in statistics["statistic"]:
        assert set(statistic) <= {"href", "id", "name", "values"}
    _assert_xml_is_the_projection(http, engine, f"/vms/{vm_id}/statistics", "name,values.value.datum")
    root = _get(http, engine, "", "product_info.version.major", json_format=True).json()
    assert root == {"product_info": {"version": {"major": "4"}}}
    matrix = http.get(engine.url + "/vms;projection=name;max=2", headers=JSON)
    assert matrix.status_code == 200
    assert [set(vm) for vm in matrix.json()["vm"]] == [{"href", "id", "name"}] * 2


@pytest.mark.scenario("demo")
def test_repeats_are_kept_and_changes_show(http, engine):
    first = _get(http, engine, "/vms", "name", json_format=True)
    again = _get(http, engine, "/vms", "name", json_format=True)
    assert again.content == first.content and again.headers["ETag"] == first.headers["ETag"]
    assert any(isinstance(key, tuple) and key[0] == "projection" for key in engine.engine.listings._bodies)
    unmodified = http.get(engine.url + "/vms", params={"projection": "name"},
                          headers={**JSON, "If-None-Match": first.headers["ETag"]})
    assert unmodified.status_code == 304
    vm = _myvm(http, engine)
    renamed = http.put(engine.url + f"/vms/{vm['id']}", json={"name": "renamed"}, headers=JSON)
    assert renamed.status_code == 200, renamed.text
    names = {v["name"] for v in _get(http, engine, "/vms", "name", json_format=True).json()["vm"]}
    assert "renamed" in names and "myvm" not in names
    xml = etree.fromstring(_get(http, engine, "/vms", "name").content)
    assert "renamed" in {v.findtext("name") for v in xml}


@pytest.mark.scenario("demo")
def test_writes_ignore_the_parameter(http, engine):
    vm = _myvm(http, engine)
    answer = http.put(engine.url + f"/vms/{vm['id']}", params={"projection": "name"}, json={"description": "d"},
                      headers=JSON)
    assert answer.status_code == 200 and "memory" in answer.json()


BAD = {
    "empty": ("", "empty"),
    "empty path": ("name,", "empty path"),
    "empty name": ("nics..mac", "empty attribute name"),
    "not a name": ("nics.mac-address", "mac-address"),
    "too long": ("x" * 5000, "5000 characters"),
    "too many paths": (",".join(f"a{i}" for i in range(101)), "101 paths"),
    "too deep": (".".join(["a"] * 17), "17 attribute names"),
}


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("path", ["/vms", "/vms/{vm}", "/affinitylabels", "/vms/{vm}/statistics", ""])
def test_a_bad_projection_is_a_400_fault_naming_it(http, engine, case, path):
    value, expected = BAD[case]
    if "{vm}" in path:
        path = path.format(vm=_myvm(http, engine)["id"])
    answer = http.get(engine.url + path, params={"projection": value})
    assert answer.status_code == 400, answer.text
    root = etree.fromstring(answer.content)
    assert root.tag == "fault"
    assert "projection" in root.findtext("detail") and expected in root.findtext("detail")
    answer = http.get(engine.url + path, params={"projection": value}, headers=JSON)
    assert answer.status_code == 400 and answer.headers["Content-Type"].startswith("application/json")
    assert "projection" in answer.json()["detail"] and expected in answer.json()["detail"]


@pytest.mark.scenario("demo")
def test_the_sdk_reads_a_projected_answer(connection):
    vms_service = connection.system_service().vms_service()
    vms = vms_service.list(follow="nics", query={"projection": PROJECTION})
    assert len(vms) == 37
    myvm = next(vm for vm in vms if vm.name == "myvm")
    assert myvm.status is not None and myvm.memory is None and myvm.cluster is None
    assert myvm.nics[0].mac.address.startswith("56:6f:") and myvm.nics[0].name is None
    one = vms_service.vm_service(myvm.id).get(query={"projection": "name,cpu.topology,cluster"})
    assert one.id == myvm.id and one.name == "myvm" and one.cpu.topology.cores >= 1
    assert connection.follow_link(one.cluster).name == "Default"
    assert one.memory is None and one.disk_attachments is None


@pytest.mark.scenario("demo")
def test_every_stored_xml_is_what_the_codec_writes_from_the_stored_json(engine):
    with engine.db.transaction() as session:
        documents = session.execute(select(Document.body, Document.xml)).all()
    assert len(documents) > 100
    codec = XmlCodec()
    for body, xml in documents:
        tag = etree.fromstring(xml).tag
        assert codec.fragment(tag, typed_wire(json.loads(body))) == xml
