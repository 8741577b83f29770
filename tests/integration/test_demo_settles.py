"""The demo's VMs caught powering up, migrating or being created finish, as on a live engine."""
from __future__ import annotations

from sqlalchemy import select

from engine_api import models as m
from fixtures.scenarios import DEMO_SETTLE_SECONDS


def _vms(engine):
    with engine.db.transaction() as session:
        return {vm.name: (vm.status, vm.host_id) for vm in session.scalars(select(m.Vm))}


def test_seeded_transitional_vms_settle_when_their_steps_come_due(live_engine):
    live_engine.reset("demo", settled=False)
    before = _vms(live_engine)
    caught = {name: state for name, state in before.items()
              if state[0] in ("powering_up", "migrating", "image_locked")}
    assert {status for status, _ in caught.values()} == {"powering_up", "migrating", "image_locked"}
    with live_engine.db.transaction() as session:
        due = list(session.scalars(select(m.Transition)))
    assert len(due) == len(caught)
    assert all((t.due_at - m.utcnow()).total_seconds() <= DEMO_SETTLE_SECONDS for t in due)

    assert live_engine.settle() == len(caught)
    after = _vms(live_engine)
    for name, (status, host) in caught.items():
        assert after[name][0] == ("down" if status == "image_locked" else "up"), name
        if status == "migrating":
            assert after[name][1] not in (None, host), name  # on its destination now
        else:
            assert after[name][1] == host, name
    assert {name: state for name, state in after.items() if name not in caught} == \
        {name: state for name, state in before.items() if name not in caught}


def test_a_test_starts_from_the_settled_demo(engine):
    engine.reset("demo")
    assert not {status for status, _ in _vms(engine).values()} & {"powering_up", "migrating", "image_locked"}
    with engine.db.transaction() as session:
        assert session.scalars(select(m.Transition.id)).first() is None


def test_the_demos_host_event_names_its_host(engine, http):
    engine.reset("demo")
    events = http.get(engine.url + "/events", params={"search": "type=13"}, headers={"Accept": "application/json"})
    (event,) = events.json()["event"]
    host = http.get(engine.url + "/hosts", params={"search": "name=myhost"},
                    headers={"Accept": "application/json"}).json()["host"][0]
    assert event["host"]["id"] == host["id"] and event["cluster"]["id"] == host["cluster"]["id"]
