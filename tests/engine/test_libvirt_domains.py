"""The engine's Domain XML without HTTP: specs from the database, libvirt's verdict on them, and
device monitoring cycles that read only the VMs whose devices hash changed."""
from __future__ import annotations

from collections.abc import Iterator

import libvirt
import pytest
from sqlalchemy import select

import domainxml as dx
from engine_api import models as m
from engine_api.db import Database
from engine_api.services.context import RequestContext, Settings
from engine_api.vms import libvirt_domains, monitoring, nics
from fixtures import seed
from tests.domainxml.test_domainxml_libvirt import (
    assert_disks_and_nics_pair_by_alias,
    round_trip,
)


@pytest.fixture
def database(tmp_path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'engine.sqlite'}")
    db.create_schema()
    yield db
    db.dispose()


def _specs(db: Database) -> dict[str, dx.VmSpec]:
    with db.transaction() as session:
        return libvirt_domains.vm_specs(session, list(session.scalars(select(m.Vm).order_by(m.Vm.name))))


@pytest.mark.parametrize("scenario", ["demo", "scale:120"])
def test_every_vm_of_a_scenario_builds_xml_that_libvirts_schema_accepts(database, scenario):
    seed(database, scenario)
    specs = _specs(database)
    assert len(specs) == (37 if scenario == "demo" else 120)
    failures = {}
    for spec in specs.values():
        errors = dx.validation_errors(dx.build(spec))
        if errors:
            failures[spec.name] = errors
    assert failures == {}
    with database.transaction() as session:
        attached = {vm_id: 0 for vm_id in specs}
        for vm_id in session.scalars(select(m.DiskAttachment.vm_id).where(m.DiskAttachment.vm_id.is_not(None))):
            attached[vm_id] += 1
        nics = {vm_id: 0 for vm_id in specs}
        for vm_id in session.scalars(select(m.Nic.vm_id).where(m.Nic.vm_id.is_not(None))):
            nics[vm_id] += 1
    assert {vm_id: len(spec.disks) for vm_id, spec in specs.items()} == attached
    assert {vm_id: len(spec.nics) for vm_id, spec in specs.items()} == nics
    assert all(spec.disks[0].boot_order == 1 for spec in specs.values() if spec.disks)


def test_specs_load_with_the_same_statements_for_10_and_200_vms(database, tmp_path):
    def statements(scenario: str, db: Database) -> int:
        seed(db, scenario)
        with db.transaction() as session:
            all_vms = list(session.scalars(select(m.Vm)))
            db.counter.reset()
            libvirt_domains.vm_specs(session, all_vms)
            return db.counter.count

    other = Database(f"sqlite:///{tmp_path / 'other.sqlite'}")
    other.create_schema()
    try:
        assert statements("scale:10", database) == statements("scale:200", other)
    finally:
        other.dispose()


@pytest.fixture(scope="module")
def libvirt_connection() -> Iterator[libvirt.virConnect]:
    libvirt.registerErrorHandler(lambda context, error: None, None)
    conn = libvirt.open("test:///default")
    yield conn
    conn.close()


def test_every_demo_vm_round_trips_through_libvirt(database, libvirt_connection):
    seed(database, "demo")
    for spec in _specs(database).values():
        assert_disks_and_nics_pair_by_alias(spec, round_trip(libvirt_connection, spec))


def _running(session) -> list[m.Vm]:
    return list(session.scalars(select(m.Vm).where(m.Vm.status.in_(libvirt_domains.DOMAIN_STATES),
                                                   m.Vm.host_id.is_not(None)).order_by(m.Vm.name)))


def test_a_monitoring_cycle_reads_only_the_vms_whose_devices_hash_changed(database):
    seed(database, "demo")
    settings = Settings()
    with database.transaction() as session:
        running = _running(session)
        for vm in running:
            assert libvirt_domains.host_domain(session, vm) is not None
    assert len(running) > 5
    assert sorted(monitoring.run_cycle(database, settings)) == sorted(vm.id for vm in running)
    database.counter.reset()
    assert monitoring.run_cycle(database, settings) == []
    assert database.counter.count == 1
    target = next(vm for vm in running if vm.status == "up")
    with database.transaction() as session:
        nic = nics.add_vm_nic(RequestContext(session=session), {"name": "hot"}, target.id)
    with database.transaction() as session:
        assert monitoring.changed_vms(session) == [target.id]
    assert monitoring.run_cycle(database, settings) == [target.id]
    with database.transaction() as session:
        row = session.scalars(select(m.VmDevice).where(m.VmDevice.id == nic.id)).one()
        assert row.plugged and row.address["type"] == "pci" and row.alias == f"ua-{nic.id}"
        unmanaged = session.scalars(select(m.VmDevice).where(m.VmDevice.vm_id == target.id,
                                                             m.VmDevice.managed.is_(False))).all()
        assert {row.type for row in unmanaged} >= {"controller", "channel"}
    assert monitoring.run_cycle(database, settings) == []


def test_a_report_that_cannot_be_read_is_skipped_until_it_changes(database, caplog):
    seed(database, "demo")
    settings = Settings()
    with database.transaction() as session:
        vm = next(vm for vm in _running(session) if vm.status == "up")
        domain = libvirt_domains.host_domain(session, vm)
        domain.xml = "<domain><devices>"  # what a broken host might report
        domain.devices_hash = "broken"
        other = next(other for other in _running(session) if other.id != vm.id)
        libvirt_domains.host_domain(session, other)
    assert sorted(monitoring.run_cycle(database, settings)) == sorted([vm.id, other.id])
    assert "cannot be read" in caplog.text
    with database.transaction() as session:
        assert session.get(m.Vm, vm.id).devices_hash == "broken"
        assert session.get(m.Vm, other.id).devices_hash == session.get(m.VmDomain, other.id).devices_hash
    assert monitoring.run_cycle(database, settings) == []
