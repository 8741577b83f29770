"""The clock: transitions on their own, only when told, or at a chosen speed."""
from __future__ import annotations

import time

import ovirtsdk4.types as types
import pytest

from tests.control.controlapi import control
from tests.helpers import wait_for


def a_down_vm(connection):
    vms = connection.system_service().vms_service()
    return vms.vm_service(vms.list(search="status=down")[0].id)


@pytest.mark.scenario("demo")
def test_manual_time_leaves_a_vm_powering_up_until_advance(engine, connection):
    engine.set_transition_delay(0)  # instant in auto mode
    assert control(engine, "PUT", "/time", json={"mode": "manual"}).json()["mode"] == "manual"
    vm = a_down_vm(connection)
    vm.start()
    assert vm.get().status == types.VmStatus.WAIT_FOR_LAUNCH
    stepped = control(engine, "POST", "/time/advance", json={"entity": vm.get().id, "steps": 1}).json()
    assert stepped["applied"] == 1 and stepped["pending"] == 1
    assert vm.get().status == types.VmStatus.POWERING_UP
    time.sleep(0.3)  # the ticker runs every 20 ms, and leaves it alone
    assert vm.get().status == types.VmStatus.POWERING_UP
    assert control(engine, "GET", "/time").json() == {"mode": "manual", "speed": 1.0, "pending": 1}
    finished = control(engine, "POST", "/time/advance", json={"entity": vm.get().id}).json()
    assert finished == {"applied": 1, "pending": 0}
    assert vm.get().status == types.VmStatus.UP


@pytest.mark.scenario("demo")
def test_advance_without_an_entity_moves_every_waiting_entity(engine, connection):
    engine.clock.set(mode="manual")
    vms = connection.system_service().vms_service()
    down = vms.list(search="status=down")
    for vm in down:
        vms.vm_service(vm.id).start()
    assert {vms.vm_service(vm.id).get().status for vm in down} == {types.VmStatus.WAIT_FOR_LAUNCH}
    assert engine.clock.advance() >= 2 * len(down)
    assert {vms.vm_service(vm.id).get().status for vm in down} == {types.VmStatus.UP}


@pytest.mark.scenario("demo")
def test_back_to_auto_the_ticker_applies_what_waited(engine, connection):
    engine.set_transition_delay(0)
    engine.clock.set(mode="manual")
    vm = a_down_vm(connection)
    vm.start()
    engine.clock.set(mode="auto")
    assert wait_for(lambda: vm.get().status == types.VmStatus.UP)


@pytest.mark.scenario("demo")
def test_speed_divides_every_delay(engine, connection):
    engine.set_transition_delay(600)  # ten minutes a step
    assert control(engine, "PUT", "/time", json={"speed": 60000}).json()["speed"] == 60000
    vm = a_down_vm(connection)
    vm.start()
    assert wait_for(lambda: vm.get().status == types.VmStatus.UP, timeout=10)
    engine.clock.set(speed=1)
    other = a_down_vm(connection)
    other.start()
    time.sleep(0.3)
    assert other.get().status == types.VmStatus.WAIT_FOR_LAUNCH


@pytest.mark.parametrize("body", [{"mode": "slow"}, {"speed": 0}, {"speed": -2}, {"speed": "fast"}])
def test_a_bad_time_setting_is_refused_and_changes_nothing(engine, body):
    answer = control(engine, "PUT", "/time", json=body)
    assert answer.status_code == 400 and "<detail>" in answer.text
    assert control(engine, "GET", "/time").json() == {"mode": "auto", "speed": 1.0, "pending": 0}


@pytest.mark.parametrize("body", [{"steps": 0}, {"steps": "two"}])
def test_a_bad_advance_is_refused(engine, body):
    assert control(engine, "POST", "/time/advance", json=body).status_code == 400
