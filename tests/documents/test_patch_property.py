"""The logged patches replay: from any revision R, applying the patches after R to the document
at R gives the document of every later revision, and the last one is what a fresh GET answers."""
from __future__ import annotations

import json
import uuid
from typing import Any, Optional

import jsonpatch
import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine_api import models as m

OPERATIONS = st.lists(st.sampled_from(["add_vm", "update_vm", "add_nic", "rename_nic", "remove_nic", "start",
                                       "stop", "remove_vm"]), min_size=3, max_size=10)


def _apply(document: Optional[dict[str, Any]], patch: list[dict[str, Any]]) -> Optional[dict[str, Any]]:
    if patch == [{"op": "remove", "path": ""}]:
        return None
    return jsonpatch.apply_patch(document if document is not None else {}, patch)


def _run(connection: sdk.Connection, operation: str, data: Any, state: dict[str, Any]) -> None:
    vms = connection.system_service().vms_service()
    vm_id = state.get("vm")
    if operation == "add_vm" or vm_id is None:
        state["vm"] = vms.add(types.Vm(name=f"prop-{uuid.uuid4().hex[:12]}",
                                       cluster=types.Cluster(name="Default"),
                                       template=types.Template(name="Blank"))).id
        state.pop("nic", None)
        return
    vm = vms.vm_service(vm_id)
    nics = vm.nics_service()
    try:
        if operation == "update_vm":
            vm.update(types.Vm(description=data.draw(st.text("abcxyz ", max_size=12)),
                               memory=data.draw(st.sampled_from([1, 2, 4])) * 2**30))
        elif operation == "add_nic":
            state["nic"] = nics.add(types.Nic(name=f"nic{data.draw(st.integers(10, 99))}")).id
        elif operation == "rename_nic" and state.get("nic"):
            nics.nic_service(state["nic"]).update(types.Nic(name=f"eth{data.draw(st.integers(10, 99))}"))
        elif operation == "remove_nic" and state.get("nic"):
            nics.nic_service(state.pop("nic")).remove()
        elif operation == "start":
            vm.start()
        elif operation == "stop":
            vm.stop()
        elif operation == "remove_vm":
            vm.remove()
            state.pop("vm")
    except sdk.Error as error:
        assert error.code in (400, 409), error  # the engine refusing a step is fine; a 5xx is not


@pytest.mark.scenario("demo")
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS, data=st.data())
def test_patches_replay_to_every_later_document(engine, connection, http, operations, data):
    engine.set_transition_delay(0)
    with engine.db.transaction() as session:
        start = session.scalar(select(m.RevisionCounter.value))
        at_start = {doc.href: json.loads(doc.body) for doc in session.scalars(select(m.Document))}
    state: dict[str, Any] = {}
    for operation in operations:
        _run(connection, operation, data, state)
    with engine.db.transaction() as session:
        changes = list(session.scalars(select(m.Change).where(m.Change.revision > start).order_by(m.Change.revision)))
        now = {doc.href: json.loads(doc.body) for doc in session.scalars(select(m.Document))}
    assert [c.revision for c in changes] == list(range(start + 1, start + 1 + len(changes)))
    replayed = dict(at_start)
    for change in changes:
        replayed[change.href] = _apply(replayed.get(change.href), json.loads(change.patch))
        expected = json.loads(change.document) if change.document is not None else None
        assert replayed[change.href] == expected, change.revision
    replayed = {href: doc for href, doc in replayed.items() if doc is not None}
    assert replayed == now
    for href in {change.href for change in changes}:
        answer = http.get(engine.url + href.split("/ovirt-engine/api", 1)[1], headers={"Accept": "application/json"})
        if href in now:
            assert answer.status_code == 200 and answer.json() == now[href]
        else:
            assert answer.status_code == 404
