"""Every source of writes reaches the change log through the one recorder; writes around it fail."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from engine_api import models as m
from engine_api.documents.catalog import CATALOG
from engine_api.documents.guard import UnrecordedWrite
from engine_api.documents.store import DOCUMENT_READS
from tests.helpers import wait_for

JSON = {"Accept": "application/json"}


def _head(engine) -> int:
    with engine.db.transaction() as session:
        return session.scalar(select(m.RevisionCounter.value))


def _changes_after(engine, revision: int) -> list[m.Change]:
    with engine.db.transaction() as session:
        return list(session.scalars(select(m.Change).where(m.Change.revision > revision).order_by(m.Change.revision)))


def _documents(engine, collection: str) -> dict[str, dict]:
    with engine.db.transaction() as session:
        return {doc.href: json.loads(doc.body)
                for doc in session.scalars(select(m.Document).where(m.Document.collection == collection))}


def _vm_id(http, engine, name: str = "myvm") -> str:
    return http.get(engine.url + "/vms", params={"search": f"name={name}"}, headers=JSON).json()["vm"][0]["id"]


@pytest.mark.scenario("demo")
def test_a_request_logs_its_changes_with_documents_equal_to_a_get(http, engine):
    head = _head(engine)
    answer = http.post(engine.url + "/vms", headers={**JSON, "Content-Type": "application/json"}, json={
        "name": "logged", "cluster": {"name": "Default"}, "template": {"name": "Blank"}})
    assert answer.status_code == 201, answer.text
    vm = answer.json()
    changes = _changes_after(engine, head)
    assert [c.revision for c in changes] == list(range(head + 1, head + 1 + len(changes)))
    added = [c for c in changes if c.href == vm["href"]]
    assert [c.kind for c in added] == ["added"]
    assert json.loads(added[0].document) == http.get(engine.url + f"/vms/{vm['id']}", headers=JSON).json()
    assert json.loads(added[0].patch) == [{"op": "add", "path": "", "value": json.loads(added[0].document)}]


@pytest.mark.scenario("demo")
def test_a_ticker_transition_logs_each_state(http, engine):
    engine.set_transition_delay(0.2)
    vm_id = _vm_id(http, engine)
    head = _head(engine)
    assert http.post(engine.url + f"/vms/{vm_id}/start", data="<action/>",
                     headers={"Content-Type": "application/xml"}).status_code == 200
    wait_for(lambda: http.get(engine.url + f"/vms/{vm_id}", headers=JSON).json()["status"] == "up", timeout=20)
    statuses = [json.loads(c.document)["status"] for c in _changes_after(engine, head)
                if c.href.endswith(f"/vms/{vm_id}") and c.kind == "modified"]
    assert statuses[0] == "wait_for_launch" and statuses[-1] == "up"
    assert "powering_up" in statuses
    patches = [json.loads(c.patch) for c in _changes_after(engine, head) if c.href.endswith(f"/vms/{vm_id}")]
    assert {"op": "replace", "path": "/status", "value": "up"} in [op for patch in patches for op in patch]


@pytest.mark.scenario("demo")
def test_a_monitoring_cycle_logs_what_it_learns(http, engine):
    engine.set_transition_delay(0)
    vm_id = _vm_id(http, engine)
    assert http.post(engine.url + f"/vms/{vm_id}/start", data="<action/>",
                     headers={"Content-Type": "application/xml"}).status_code == 200
    wait_for(lambda: http.get(engine.url + f"/vms/{vm_id}", headers=JSON).json()["status"] == "up")
    head = _head(engine)
    domain = http.get(engine.url + f"/vms/{vm_id}/reporteddomainxml").content
    unplugged = domain.replace(b"<interface ", b"<!--interface ", 1).replace(b"</interface>", b"</interface-->", 1)
    assert http.put(engine.url + f"/vms/{vm_id}/reporteddomainxml", data=unplugged,
                    headers={"Content-Type": "application/xml"}).status_code == 200
    nic_changes = [c for c in _changes_after(engine, head) if c.collection == "vms/nics" and c.kind == "modified"]
    assert nic_changes and json.loads(nic_changes[0].document)["plugged"] == "false"


@pytest.mark.scenario("demo")
def test_a_cascade_delete_logs_every_row_the_database_removes(http, engine):
    vm_id = _vm_id(http, engine)
    vm_href = f"/ovirt-engine/api/vms/{vm_id}"
    children = [href for collection in ("vms/nics", "vms/diskattachments")
                for href in _documents(engine, collection) if href.startswith(vm_href + "/")]
    assert children
    head = _head(engine)
    assert http.delete(engine.url + f"/vms/{vm_id}").status_code == 200
    deleted = {c.href for c in _changes_after(engine, head) if c.kind == "deleted"}
    assert {vm_href, *children} <= deleted
    remaining = {**_documents(engine, "vms/nics"), **_documents(engine, "vms/diskattachments"), **_documents(engine, "vms")}
    assert not [href for href in remaining if href.startswith(vm_href)]


@pytest.mark.scenario("demo")
def test_a_scenario_reset_logs_the_old_documents_deleted_and_the_new_added(engine):
    before = {href for collection in CATALOG.collections for href in _documents(engine, collection)}
    head = _head(engine)
    engine.reset("empty", fresh=True)  # seeded anew, not restored from the first seeding
    changes = _changes_after(engine, head)
    assert before <= {c.href for c in changes if c.kind == "deleted"}
    after = {href for collection in CATALOG.collections for href in _documents(engine, collection)}
    assert after == {c.href for c in changes if c.kind == "added" and c.collection in CATALOG.collections}
    assert _head(engine) == head + len(changes)


def test_a_write_around_the_recorder_fails(engine):
    with pytest.raises(UnrecordedWrite):
        with engine.db.engine.begin() as connection:
            connection.execute(text("UPDATE vms SET name = 'sneaky'"))
    with pytest.raises(UnrecordedWrite):
        with engine.db.transaction() as session:
            session.connection().exec_driver_sql("DELETE FROM clusters")
    with pytest.raises(UnrecordedWrite):
        with engine.db.engine.begin() as connection:
            connection.execute(m.Document.__table__.delete())


@pytest.mark.scenario("demo")
def test_every_document_is_what_its_row_renders(http, engine):
    """The differential test of reads from documents against reads from rows."""
    vm_id = _vm_id(http, engine)
    http.put(engine.url + f"/vms/{vm_id}", json={"memory": str(3 * 2**30)},
             headers={**JSON, "Content-Type": "application/json"})
    checked = 0
    for key, stored in CATALOG.collections.items():
        for href in _documents(engine, key):
            path = href.split("/ovirt-engine/api", 1)[1]
            for accept in ("application/json", "application/xml"):
                fast = http.get(engine.url + path, headers={"Accept": accept})
                with DOCUMENT_READS.disabled():
                    slow = http.get(engine.url + path, headers={"Accept": accept})
                assert fast.status_code == slow.status_code == 200, (path, fast.text)
                # Both tell the revision they reflect: the entity's own, or the log's head.
                assert int(slow.headers["Revision"]) >= int(fast.headers["Revision"]) > 0
                assert "ETag" in fast.headers and "ETag" not in slow.headers
                assert fast.content == slow.content, path
            checked += 1
    assert checked > 100


@pytest.mark.scenario("demo")
def test_if_none_match_answers_304_until_the_entity_changes(http, engine):
    vm_id = _vm_id(http, engine)
    first = http.get(engine.url + f"/vms/{vm_id}")
    etag = first.headers["ETag"]
    again = http.get(engine.url + f"/vms/{vm_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    http.put(engine.url + f"/vms/{vm_id}", data="<vm><description>changed</description></vm>",
             headers={"Content-Type": "application/xml"})
    changed = http.get(engine.url + f"/vms/{vm_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and b"changed" in changed.content
    assert int(changed.headers["Revision"]) > int(first.headers["Revision"])


def _list_paths(http, engine) -> list[str]:
    """Every list route of the demo scenario, with its parents, with and without search and max."""
    from engine_api.api import registry

    paths = []
    for coll in registry():
        if coll.compute is not None:  # made at every read: no documents to compare with
            continue
        if coll.parent is None:
            paths += [f"/{coll.rel}", f"/{coll.rel}?max=2"]
            if coll.search is not None:
                paths.append(f"/{coll.rel}?search=name%3D*o*")
            continue
        parents = http.get(engine.url + f"/{coll.parent.rel}", headers=JSON).json().get(coll.parent.schema.type_name, [])
        paths += [f"/{coll.parent.rel}/{parent['id']}/{coll.rel}" for parent in parents[:3]]
    return paths


@pytest.mark.scenario("demo")
def test_every_list_from_documents_is_what_rows_render(http, engine):
    checked = 0
    for path in _list_paths(http, engine):
        for accept in ("application/json", "application/xml"):
            fast = http.get(engine.url + path, headers={"Accept": accept})
            with DOCUMENT_READS.disabled():
                slow = http.get(engine.url + path, headers={"Accept": accept})
            assert fast.status_code == slow.status_code == 200, (path, fast.text[:300])
            assert fast.content == slow.content, path
            checked += "Revision" in fast.headers
    assert checked > 40


@pytest.mark.scenario("demo")
def test_sub_collections_followed_from_documents_are_what_rows_render(http, engine):
    from engine_api.services.following import _sub_collection
    from engine_api.types.links import link_target

    compared = 0
    for key, stored in CATALOG.collections.items():
        coll = stored.collection
        if coll.parent is not None:
            continue
        nested = [(rel, _sub_collection(CATALOG.registry, coll.schema, rel)) for rel, _, _ in coll.schema.links]
        links = [rel for rel, sub in nested if sub is not None and sub.compute is None]
        if not links:
            continue
        first = http.get(engine.url + f"/{coll.rel}", headers=JSON).json().get(coll.schema.type_name, [])
        for path in [f"/{coll.rel}", f"/{coll.rel}/{first[0]['id']}"] if first else [f"/{coll.rel}"]:
            for follow in [*links, ",".join(links)]:
                assert link_target(coll.schema, follow.split(",")[0]) is not None
                for accept in ("application/json", "application/xml"):
                    fast = http.get(engine.url + path, params={"follow": follow}, headers={"Accept": accept})
                    with DOCUMENT_READS.disabled():
                        slow = http.get(engine.url + path, params={"follow": follow}, headers={"Accept": accept})
                    assert fast.status_code == slow.status_code == 200, (path, follow, fast.text[:200])
                    assert fast.content == slow.content, (path, follow)
                    compared += "Revision" in fast.headers
    assert compared >= 16
