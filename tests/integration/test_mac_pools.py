"""MAC pools: a MAC is unique within its pool, explicit MACs are checked, duplicates where allowed."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine_api import models as m
from engine_api.network import macs
from tests.helpers import row_counts

pytestmark = pytest.mark.scenario("demo")

JSON = {"Accept": "application/json", "Content-Type": "application/json"}


def _vm(http, name: str) -> dict:
    return http.get(f"{http.base}/vms", params={"search": f"name={name}"}, headers=JSON).json()["vm"][0]


def _nics(http, vm_id: str) -> list[dict]:
    return http.get(f"{http.base}/vms/{vm_id}/nics", headers=JSON).json().get("nic", [])


def _add_nic(http, vm_id: str, name: str, mac: str | None = None):
    body = {"name": name, **({"mac": {"address": mac}} if mac else {})}
    return http.post(f"{http.base}/vms/{vm_id}/nics", json=body, headers=JSON)


def _stored(engine, nic_id: str) -> m.Nic:
    with engine.db.transaction() as session:
        nic = session.get(m.Nic, nic_id)
        session.expunge(nic)
        return nic


def _second_pool(engine, cluster_name: str, *, allow_duplicates: bool = False) -> str:
    """A pool of its own for the cluster; its id."""
    with engine.db.transaction() as session:
        pool = m.MacPool(name=f"pool-{cluster_name}", range_from=0x001A_4A16_0000, range_to=0x001A_4A16_00FF,
                         next_mac=0x001A_4A16_0000, allow_duplicates=allow_duplicates)
        session.add(pool)
        session.flush()
        cluster = session.scalars(select(m.Cluster).where(m.Cluster.name == cluster_name)).one()
        cluster.mac_pool_id = pool.id
        return pool.id


def test_seeded_and_added_nics_are_registered_under_the_default_pool(engine, http):
    vm = _vm(http, "myvm")
    seeded = _nics(http, vm["id"])[0]
    added = _add_nic(http, vm["id"], "nic9")
    assert added.status_code == 201, added.text
    with engine.db.transaction() as session:
        default = session.scalars(select(m.MacPool.id).where(m.MacPool.default_pool.is_(True))).one()
    assert _stored(engine, seeded["id"]).mac_pool_id == default
    assert _stored(engine, added.json()["id"]).mac_pool_id == default
    assert added.json()["mac"]["address"] != seeded["mac"]["address"]


def test_an_explicit_mac_in_use_is_the_engines_409_and_changes_nothing(engine, http):
    vm = _vm(http, "myvm")
    taken = _nics(http, vm["id"])[0]["mac"]["address"]
    other = _vm(http, "demo-04")
    before = row_counts(engine.db)
    answer = _add_nic(http, other["id"], "copycat", taken.upper())
    assert answer.status_code == 409
    assert answer.json()["detail"] == "[Cannot add NIC. MAC Address is already in use.]"
    assert row_counts(engine.db) == before


def test_updating_a_nic_to_a_mac_in_use_is_refused(engine, http):
    vm = _vm(http, "myvm")
    taken = _nics(http, vm["id"])[0]["mac"]["address"]
    nic = _nics(http, _vm(http, "demo-04")["id"])[0]
    answer = http.put(f"{http.base}/vms/{nic['vm']['id']}/nics/{nic['id']}", json={"mac": {"address": taken}},
                      headers=JSON)
    assert answer.status_code == 409
    assert answer.json()["detail"] == "[Cannot update NIC. MAC Address is already in use.]"
    assert _stored(engine, nic["id"]).mac == nic["mac"]["address"]


def test_a_pool_that_allows_duplicates_takes_a_mac_in_use(engine, http):
    with engine.db.transaction() as session:
        session.scalars(select(m.MacPool).where(m.MacPool.default_pool.is_(True))).one().allow_duplicates = True
    vm = _vm(http, "myvm")
    taken = _nics(http, vm["id"])[0]["mac"]["address"]
    first, second = (_add_nic(http, vm["id"], name, taken) for name in ("twin1", "twin2"))
    assert (first.status_code, second.status_code) == (201, 201), first.text + second.text
    assert _stored(engine, second.json()["id"]).mac == taken
    assert _stored(engine, second.json()["id"]).mac_pool_id is None


def test_the_same_mac_in_two_pools_and_a_vm_moving_between_them(engine, http):
    _second_pool(engine, "cluster2")
    myvm = _vm(http, "myvm")
    taken = _nics(http, myvm["id"])[0]["mac"]["address"]
    elsewhere = next(vm for vm in http.get(f"{http.base}/vms", headers=JSON).json()["vm"]
                     if vm["status"] == "down" and vm["cluster"]["id"] != myvm["cluster"]["id"])
    added = _add_nic(http, elsewhere["id"], "same-mac", taken)
    assert added.status_code == 201, added.text
    clusters = http.get(f"{http.base}/clusters", params={"search": "name=cluster2"}, headers=JSON).json()["cluster"]

    moved = http.put(f"{http.base}/vms/{myvm['id']}", json={"cluster": {"id": clusters[0]["id"]}}, headers=JSON)
    assert moved.status_code == 409
    assert "MAC Address is already in use" in moved.json()["detail"]
    http.delete(f"{http.base}/vms/{elsewhere['id']}/nics/{added.json()['id']}").raise_for_status()
    moved = http.put(f"{http.base}/vms/{myvm['id']}", json={"cluster": {"id": clusters[0]["id"]}}, headers=JSON)
    assert moved.status_code == 200, moved.text
    nic = _nics(http, myvm["id"])[0]
    with engine.db.transaction() as session:
        assert session.get(m.Nic, nic["id"]).mac_pool_id == session.get(m.Cluster, clusters[0]["id"]).mac_pool_id


def test_the_database_keeps_a_mac_to_one_nic_per_pool_and_that_is_a_409(engine):
    with engine.db.transaction() as session:
        nic = session.scalars(select(m.Nic).where(m.Nic.mac_pool_id.is_not(None)).limit(1)).one()
        twin = {"vm_id": nic.vm_id, "name": "twin", "mac": nic.mac, "mac_pool_id": nic.mac_pool_id}
    with pytest.raises(IntegrityError) as raised:
        with engine.db.transaction() as session:
            session.add(m.Nic(**twin))
    conflict = macs.in_use_conflict(raised.value)
    assert conflict is not None and conflict.status == 409
    assert conflict.detail == "[Cannot add NIC. MAC Address is already in use.]"
