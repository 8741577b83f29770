"""Transitions are rows: a VM caught mid-start by a restart finishes starting afterwards."""
from __future__ import annotations

import time

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
from sqlalchemy import select

from engine_api import models as m
from engine_api.testing import LiveEngine
from tests.helpers import wait_for


def _connect(live: LiveEngine) -> sdk.Connection:
    return sdk.Connection(url=live.url, username=live.username, password=live.password)


def _stored(live: LiveEngine, vm_id: str) -> tuple[str, list[str]]:
    """The VM's status and its pending steps, read from the database."""
    with live.db.transaction() as session:
        status = session.scalar(select(m.Vm.status).where(m.Vm.id == vm_id))
        steps = list(session.scalars(select(m.Transition.step).where(m.Transition.entity_id == vm_id)))
    return status, steps


def test_vm_mid_transition_reaches_up_after_restarts(tmp_path):
    url = f"sqlite:///{tmp_path / 'engine.sqlite'}"

    first = LiveEngine(url, transition_delay=1.5).start()
    try:
        first.reset("demo")
        connection = _connect(first)
        vms = connection.system_service().vms_service()
        vm_id = vms.list(search="name=myvm")[0].id
        started = time.monotonic()
        vms.vm_service(vm_id).start()
        assert vms.vm_service(vm_id).get().status == types.VmStatus.WAIT_FOR_LAUNCH
        connection.close()
    finally:
        first.stop()
    assert time.monotonic() - started < 1.5, "the first engine must stop before the step is due"
    assert _stored(first, vm_id) == ("wait_for_launch", ["launched"])

    # The second engine applies the overdue step; stop it while the VM is powering up.
    second = LiveEngine(url, transition_delay=1.5).start()
    try:
        connection = _connect(second)
        service = connection.system_service().vms_service().vm_service(vm_id)
        wait_for(lambda: service.get().status == types.VmStatus.POWERING_UP, timeout=10)
        connection.close()
    finally:
        second.stop()
    assert _stored(second, vm_id) == ("powering_up", ["booted"])

    third = LiveEngine(url, transition_delay=0.1).start()
    try:
        connection = _connect(third)
        service = connection.system_service().vms_service().vm_service(vm_id)
        wait_for(lambda: service.get().status == types.VmStatus.UP, timeout=10)
        assert service.get().host is not None
        codes = [e.code for e in connection.system_service().events_service().list(search="event_vm=myvm")]
        assert codes == [32, 153]
        jobs = connection.system_service().jobs_service().list(search="description=\"Launching VM myvm\"")
        assert [j.status for j in jobs] == [types.JobStatus.FINISHED]
        connection.close()
    finally:
        third.stop()
    assert _stored(third, vm_id) == ("up", [])
