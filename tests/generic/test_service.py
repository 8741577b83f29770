"""The generic store's services over HTTP: every collection with ``add`` round-trips, removal
takes what is beneath, actions are answered and logged."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine_api import models as m
from tests.generic.conftest import JSON, sample_body

XML = {"Accept": "application/xml", "Content-Type": "application/xml"}


def _subset(sent: dict, got: dict) -> dict:
    """What of ``sent`` ``got`` does not hold as sent."""
    return {key: (value, got.get(key)) for key, value in sent.items() if str(got.get(key)) != str(value)}


@pytest.mark.scenario("demo")
def test_every_generic_collection_with_add_round_trips(http, engine, paths, urls):
    members = {p.collection: p for p in paths if p.member and not p.bespoke}
    checked, skipped = [], []
    for path in paths:
        if path.member or path.bespoke or "add" not in path.verbs() or path.methods["add"].body.list:
            continue
        url = urls.fill(path.template)
        if url is None:
            skipped.append(path.template)
            continue
        base = f"{engine.url}/{url}"
        sent = sample_body(path.body_type("add"))
        added = http.post(base, json=sent, headers=JSON)
        assert added.status_code == 201, (path.template, added.text)
        entity = added.json()
        assert added.headers["Location"] == entity["href"] and entity["href"].endswith(f"/{url}/{entity['id']}")
        assert not _subset(sent, entity), path.template
        member = members.get(path.template)
        verbs = member.verbs() if member is not None else set()
        location = engine.url + entity["href"].removeprefix("/ovirt-engine/api")
        if "get" in verbs:
            read = http.get(location, headers=JSON)
            assert read.status_code == 200 and not _subset(sent, read.json()), (path.template, read.text)
            assert read.json() == entity
        if "list" in path.verbs():
            listed = http.get(base, headers=JSON).json()
            assert entity["id"] in [item["id"] for item in next(iter(listed.values()))], path.template
        if "update" in verbs:
            change = sample_body(member.body_type("update"), seed=5, count=2)
            updated = http.put(location, json=change, headers=JSON)
            assert updated.status_code == 200 and not _subset(change, updated.json()), (path.template, updated.text)
            if "get" in verbs:
                again = http.get(location, headers=JSON).json()
                assert not _subset(change, again) and again == updated.json(), path.template
                kept = {k: v for k, v in sent.items() if k not in change}
                assert not _subset(kept, again), path.template
        if "remove" in verbs:
            assert http.delete(location).status_code == 200, path.template
            assert http.get(location).status_code == (404 if "get" in verbs else 405), path.template
        checked.append(path.template)
    print(f"\nround-tripped {len(checked)} generic collections; {len(skipped)} had no parent entity: {skipped}")
    assert len(checked) > 80


def test_xml_and_json_read_back_what_was_set(http, engine):
    body = ("<instance_type><name>small</name><description>before upgrade</description><stateless>true</stateless>"
            "<creation_time>2026-03-01T10:00:00.000+02:00</creation_time>"
            "<cpu><topology><cores>2</cores><sockets>1</sockets></topology></cpu>"
            "<os><boot><devices><device>hd</device><device>cdrom</device></devices></boot></os>"
            "<unknown_element>ignored</unknown_element></instance_type>")
    added = http.post(engine.url + "/instancetypes", data=body, headers=XML)
    assert added.status_code == 201, added.text
    href = added.headers["Location"].removeprefix("/ovirt-engine/api")
    read = http.get(engine.url + href, headers=JSON).json()
    assert read["description"] == "before upgrade" and read["stateless"] == "true"
    assert read["cpu"] == {"topology": {"cores": "2", "sockets": "1"}}
    assert read["os"] == {"boot": {"devices": {"device": ["hd", "cdrom"]}}}
    assert read["creation_time"] == 1772352000000 and "unknown_element" not in read
    assert {"rel": "nics", "href": read["href"] + "/nics"} in read["link"]
    xml = http.get(engine.url + href).text
    assert "<devices><device>hd</device><device>cdrom</device></devices>" in xml
    assert ("<creation_time>2026-03-01T08:00:00.000+00:00</creation_time>" in xml
            or "<creation_time>2026-03-01T10:00:00.000+02:00</creation_time>" in xml)

    import ovirtsdk4.types as types
    from ovirtsdk4.reader import Reader
    instance_type = Reader.read(xml.encode())
    assert isinstance(instance_type, types.InstanceType) and instance_type.os.boot.devices == [
        types.BootDevice.HD, types.BootDevice.CDROM]


@pytest.mark.scenario("demo")
def test_removing_a_vm_removes_its_children_and_logs_them_deleted(http, engine):
    vm = http.get(engine.url + "/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]["id"]
    user = engine.add_user("carol", "secret")
    permission = http.post(engine.url + f"/vms/{vm}/permissions", json={"role": {"name": "UserRole"},
                                                                         "user": {"id": user}}, headers=JSON).json()
    watchdog = http.post(engine.url + f"/vms/{vm}/watchdogs", json={"action": "reset", "model": "i6300esb"},
                         headers=JSON).json()
    snapshot = http.post(engine.url + f"/vms/{vm}/snapshots", json={"description": "s"}, headers=JSON).json()
    disk = http.post(engine.url + snapshot["href"].removeprefix("/ovirt-engine/api") + "/disks",
                     json={"name": "d"}, headers=JSON)
    assert disk.status_code == 405  # a snapshot's disks are listed, not added
    hrefs = {permission["href"], snapshot["href"], watchdog["href"]}
    with engine.db.transaction() as session:
        head = session.scalar(select(m.RevisionCounter.value))
    assert http.delete(engine.url + f"/vms/{vm}").status_code == 200
    with engine.db.transaction() as session:
        changes = list(session.scalars(select(m.Change).where(m.Change.revision > head)))
        left = set(session.scalars(select(m.Document.href).where(m.Document.href.in_(hrefs))))
    assert not left
    deleted = {c.href: c for c in changes if c.kind == "deleted"}
    assert hrefs <= set(deleted)
    assert json.loads(deleted[permission["href"]].patch) == [{"op": "remove", "path": ""}]
    assert {deleted[h].collection for h in hrefs} == {"permissions", "vms/snapshots", "vms/watchdogs"}
    for href in hrefs:
        assert http.get(engine.url + href.removeprefix("/ovirt-engine/api")).status_code == 404


@pytest.mark.scenario("demo")
def test_removing_a_generic_entity_removes_what_is_beneath_it(http, engine):
    cluster = http.get(engine.url + "/clusters", headers=JSON).json()["cluster"][0]["id"]
    group = http.post(engine.url + f"/clusters/{cluster}/affinitygroups", json={"name": "g"}, headers=JSON).json()
    base = engine.url + group["href"].removeprefix("/ovirt-engine/api")
    label = http.post(base + "/vmlabels", json={"name": "l"}, headers=JSON).json()
    assert [item["id"] for item in http.get(base + "/vmlabels", headers=JSON).json()["affinity_label"]] == [label["id"]]
    assert http.delete(base).status_code == 200
    assert http.get(base + "/vmlabels").status_code == 404
    with engine.db.transaction() as session:
        assert session.scalar(select(m.Document.href).where(m.Document.href == label["href"])) is None


@pytest.mark.scenario("demo")
def test_an_action_is_answered_complete_and_logged_as_accepted(http, engine, connection):
    vm_id = http.get(engine.url + "/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]["id"]
    vm = connection.system_service().vms_service().vm_service(vm_id)
    vm.freeze_filesystems()
    vm.export(exclusive=True, discard_snapshots=False)
    answer = http.post(engine.url + f"/vms/{vm_id}/clone", data="<action><async>true</async></action>", headers=XML)
    assert answer.status_code == 202 and "<status>pending</status>" in answer.text
    events = http.get(engine.url + "/events", params={"max": "3"}, headers=JSON).json()["event"]
    assert [e["code"] for e in events] == ["0", "0", "0"]
    assert "The clone action on vms/" in events[0]["description"] and "no other effect" in events[0]["description"]
    bad = http.post(engine.url + f"/vms/{vm_id}/export", data="<action><exclusive>perhaps</exclusive></action>",
                    headers=XML)
    assert bad.status_code == 400 and "action.exclusive" in bad.text
    # A failed action answers as the engine does: an <action> holding its fault and status.
    assert bad.text.count("<action>") == 1 and "<fault>" in bad.text and "<status>failed</status>" in bad.text
    missing = http.post(engine.url + "/vms/no-such-vm/clone", data="<action/>", headers=XML)
    assert missing.status_code == 404


@pytest.mark.scenario("demo")
def test_methods_the_model_does_not_give_are_405_with_allow(http, engine):
    answer = http.put(engine.url + "/clusterlevels/4.7", json={}, headers=JSON)
    assert answer.status_code == 405 and "GET" in answer.headers["Allow"]
    answer = http.delete(engine.url + "/operatingsystems")
    assert answer.status_code == 405
    assert "reason" in answer.json() if answer.headers["Content-Type"].startswith("application/json") else "<fault>" in answer.text


@pytest.mark.scenario("demo")
def test_a_missing_parent_is_404(http, engine):
    assert http.get(engine.url + "/vms/no-such-vm/snapshots").status_code == 404
    assert http.post(engine.url + "/vms/no-such-vm/snapshots", json={}, headers=JSON).status_code == 404
    assert http.get(engine.url + "/affinitylabels/nothing/vms").status_code == 404
