"""Resets and state snapshots give back the state exactly: every document equal."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest
import requests
from sqlalchemy import func, select

from engine_api.models import Change, Document, Transition
from tests.control.controlapi import control, control_url
from tests.helpers import row_counts, wait_for


def documents(engine) -> dict[str, str]:
    with engine.db.sessions() as session:
        return {href: body for href, body in session.execute(select(Document.href, Document.body))}


def state_rows(engine) -> dict[str, int]:
    """Rows per table, the change log's head left out (a restore moves it on)."""
    counts = row_counts(engine.db)
    counts.pop("revision")
    return counts


def head(engine) -> int:
    with engine.db.sessions() as session:
        return session.scalar(select(func.max(Change.revision))) or 0


def change_the_demo(connection) -> None:
    system = connection.system_service()
    vms = system.vms_service()
    added = vms.add(types.Vm(name="scratch", cluster=types.Cluster(name="Default"),
                             template=types.Template(name="Blank")))
    vms.vm_service(added.id).nics_service().add(types.Nic(name="nic1"))
    down = vms.list(search="status=down")[0]
    vms.vm_service(down.id).start()
    vms.vm_service(vms.list(search="name=myvm")[0].id).snapshots_service().add(types.Snapshot(description="s1"))
    system.tags_service().add(types.Tag(name="scratch-tag"))
    doomed = vms.list(search="status=down")[0]
    vms.vm_service(doomed.id).remove()


@pytest.mark.scenario("demo")
def test_a_restored_snapshot_gives_back_every_document_and_row(engine, connection):
    saved = engine.states.save("before")
    before, rows_before = documents(engine), state_rows(engine)
    assert saved.documents == len(before) and saved.rows > saved.documents / 2
    change_the_demo(connection)
    assert documents(engine) != before
    revision = head(engine)

    restored = engine.states.restore("before")

    after = documents(engine)
    assert after == before, [(href, before.get(href), after.get(href)) for href in sorted(set(after) | set(before))
                             if after.get(href) != before.get(href)]
    assert state_rows(engine) == rows_before
    assert restored.changed > 0
    # the restore is logged as the changes it made, after what was there: the log goes on
    assert head(engine) >= revision + restored.changed
    assert engine.states.restore("before").changed == 0
    names = [vm.name for vm in connection.system_service().vms_service().list()]
    assert "scratch" not in names and "myvm" in names


@pytest.mark.scenario("demo")
def test_a_restore_takes_back_waiting_transitions_and_new_rows_work_after_it(engine, connection):
    engine.set_transition_delay(30)
    engine.states.save("quiet")
    vms = connection.system_service().vms_service()
    down = vms.list(search="status=down")[0]
    vms.vm_service(down.id).start()
    with engine.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Transition).where(Transition.entity_id == down.id))
    engine.states.restore("quiet")
    with engine.db.sessions() as session:
        assert not session.scalar(select(func.count()).select_from(Transition))
    assert vms.vm_service(down.id).get().status == types.VmStatus.DOWN
    # rows with generated keys (events) still get fresh ones after a restore
    engine.set_transition_delay(0)
    vms.vm_service(down.id).start()
    events = connection.system_service().events_service().list(max=3)
    assert len({event.id for event in events}) == 3


def test_every_reset_to_a_scenario_gives_back_the_same_documents(engine, connection):
    engine.reset("demo")
    first = documents(engine)
    change_the_demo(connection)
    engine.reset("empty")
    assert documents(engine) != first
    engine.reset("demo")
    assert documents(engine) == first
    engine.reset("demo", fresh=True)
    fresh = documents(engine)
    assert len(fresh) == len(first) and set(fresh) != set(first)  # new ids


def test_the_control_api_saves_lists_restores_and_deletes_snapshots(engine, http):
    vms = http.get(f"{engine.url}/vms", headers={"Accept": "application/json"}).json().get("vm", [])
    assert vms == []
    saved = control(engine, "POST", "/snapshots", json={"name": "empty-1"})
    assert saved.status_code == 201 and saved.json()["name"] == "empty-1"
    added = http.post(f"{engine.url}/datacenters", data="<data_center><name>dc1</name><local>false</local></data_center>",
                      headers={"Content-Type": "application/xml"})
    assert added.status_code == 201
    listed = control(engine, "GET", "/snapshots").json()["snapshots"]
    assert [snapshot["name"] for snapshot in listed] == ["empty-1"]
    restored = control(engine, "POST", "/snapshots/empty-1/restore")
    assert restored.status_code == 200 and restored.json()["changed"] >= 1
    location = added.headers["Location"]
    assert http.get(location if "://" in location else engine.url.split("/ovirt-engine")[0] + location
                    ).status_code == 404
    assert control(engine, "DELETE", "/snapshots/empty-1").status_code == 200
    assert control(engine, "GET", "/snapshots").json()["snapshots"] == []


def test_a_reset_over_http_answers_what_it_did(engine, http):
    answer = control(engine, "POST", "/reset", json={"scenario": "demo"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == "demo" and answer.json()["seconds"] >= 0
    vms = http.get(f"{engine.url}/vms", headers={"Accept": "application/json"}).json()["vm"]
    assert "myvm" in [vm["name"] for vm in vms]


@pytest.mark.parametrize("method, path, body, status", [
    ("POST", "/snapshots/nothing/restore", None, 404),
    ("DELETE", "/snapshots/nothing", None, 404),
    ("POST", "/snapshots", {"name": "has space"}, 400),
    ("POST", "/snapshots", {}, 400),
    ("POST", "/reset", {"scenario": "nowhere"}, 400),
    ("POST", "/reset", {"scenario": "scale:0"}, 400),
    ("POST", "/reset", {"scenario": 7}, 400),
    ("POST", "/reset", "not json", 400),
])
@pytest.mark.scenario("demo")
def test_bad_control_requests_get_a_fault_and_change_nothing(engine, method, path, body, status):
    before = documents(engine)
    kwargs = {"json": body} if isinstance(body, (dict, type(None))) and body is not None else (
        {"data": body, "headers": {"Content-Type": "application/json"}} if body else {})
    answer = control(engine, method, path, **kwargs)
    assert answer.status_code == status, answer.text
    assert "<fault>" in answer.text and "<detail>" in answer.text
    assert documents(engine) == before


@pytest.mark.scenario("demo")
def test_the_controls_are_for_administrators_only(engine, http):
    assert control(engine, "GET", "/snapshots").status_code == 200
    root = control_url(engine, "")
    assert requests.get(root + "/snapshots").status_code == 401
    assert requests.get(root + "/snapshots", auth=("admin@internal", "wrong")).status_code == 401
    engine.add_user("carol", "secret")
    admin = sdk.Connection(url=engine.url, username=engine.username, password=engine.password, insecure=True)
    try:
        system = admin.system_service()
        carol = system.users_service().list(search="usrname=carol@internal-authz")[0]
        vm = system.vms_service().add(types.Vm(name="carols", cluster=types.Cluster(name="Default"),
                                               template=types.Template(name="Blank")))
        system.vms_service().vm_service(vm.id).permissions_service().add(
            types.Permission(role=types.Role(name="UserRole"), user=types.User(id=carol.id)))
    finally:
        admin.close()
    refused = requests.post(root + "/reset", json={"scenario": "empty"}, auth=("carol@internal", "secret"))
    assert refused.status_code == 403 and "administrators" in refused.text
    assert wait_for(lambda: "carols" in documents_names(engine))


def documents_names(engine) -> str:
    return "".join(documents(engine).values())


def test_a_restore_the_database_aborted_for_a_deadlock_runs_again(engine, monkeypatch):
    from sqlalchemy.exc import OperationalError

    class Deadlock(Exception):
        sqlstate = "40P01"

    recorder = engine.db.recorder
    real, calls = recorder.restore, []

    def restore_after_a_deadlock(session, capture):
        calls.append(capture)
        if len(calls) == 1:
            raise OperationalError("TRUNCATE …", {}, Deadlock())
        return real(session, capture)

    engine.states.save("kept")
    monkeypatch.setattr(recorder, "restore", restore_after_a_deadlock)
    assert engine.states.restore("kept").changed == 0
    assert len(calls) == 2

    class Other(Exception):
        sqlstate = "23505"

    monkeypatch.setattr(recorder, "restore", lambda session, capture: (_ for _ in ()).throw(
        OperationalError("INSERT …", {}, Other())))
    with pytest.raises(OperationalError):
        engine.states.restore("kept")
