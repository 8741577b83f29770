"""The plugin's engine as a client test suite uses it: a fresh scenario per test, named states,
a clock a test can hold still."""
from __future__ import annotations

import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import GiB, new_vm, vm_service, vms

S = types.VmStatus


def test_a_change_made_by_one_test_is_made(ovirt_connection):
    new_vm(ovirt_connection, "left-behind")
    vm_service(ovirt_connection, "myvm").update(types.Vm(memory=3 * GiB))
    assert len(vms(ovirt_connection).list()) == 38
    assert vm_service(ovirt_connection, "myvm").get().memory == 3 * GiB


def test_the_next_test_starts_without_the_previous_tests_change(ovirt_connection):
    assert vms(ovirt_connection).list(search="name=left-behind") == []
    assert len(vms(ovirt_connection).list()) == 37
    assert vm_service(ovirt_connection, "myvm").get().memory == GiB


def test_the_demo_scenario_starts_from_the_same_ids_every_test(ovirt_engine, ovirt_connection):
    before = {vm.name: vm.id for vm in vms(ovirt_connection).list()}
    ovirt_engine.reset("demo")
    assert {vm.name: vm.id for vm in vms(ovirt_connection).list()} == before


@pytest.mark.ovirt_scenario("empty")
def test_the_empty_scenario_holds_what_a_fresh_engine_has(ovirt_connection):
    system = ovirt_connection.system_service()
    assert system.vms_service().list() == []
    assert system.hosts_service().list() == []
    assert system.data_centers_service().list() == []
    assert [t.name for t in system.templates_service().list()] == ["Blank"]
    assert [u.user_name for u in system.users_service().list()] == ["admin@internal"]
    assert [tag.name for tag in system.tags_service().list()] == ["root"]


def test_a_saved_state_is_restored_with_what_changed_after_it_undone(ovirt_engine, ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    ovirt_engine.states.save("before-start")
    myvm.start()
    new_vm(ovirt_connection, "after-save")
    assert myvm.get().status == S.UP
    ovirt_engine.states.restore("before-start")
    assert myvm.get().status == S.DOWN
    assert vms(ovirt_connection).list(search="name=after-save") == []


def test_a_manual_clock_holds_a_starting_vm_until_it_is_advanced(ovirt_engine, ovirt_connection):
    ovirt_engine.clock.set(mode="manual")
    myvm = vm_service(ovirt_connection, "myvm")
    myvm.start()
    seen = [myvm.get().status]
    while ovirt_engine.clock.advance(myvm.get().id, steps=1):
        seen.append(myvm.get().status)
    assert seen == [S.WAIT_FOR_LAUNCH, S.POWERING_UP, S.UP]
