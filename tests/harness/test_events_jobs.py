"""Events and jobs: what actions write to the audit log, reading it with from= and max=, external
events, and the jobs of an operation found by correlation id."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import (
    codes_since,
    events_since,
    last_event_id,
    new_disk,
    new_vm,
    running,
    vm_service,
    wait_status,
    wait_until,
)


def events(connection):
    return connection.system_service().events_service()


def test_events_come_newest_first_and_from_returns_only_later_ones(ovirt_connection):
    everything = events(ovirt_connection).list()
    ids = [int(e.id) for e in everything]
    assert ids == sorted(ids, reverse=True)
    assert events(ovirt_connection).list(max=1)[0].id == everything[0].id
    mark = ids[0]
    new_vm(ovirt_connection, "noted")
    later = events(ovirt_connection).list(from_=mark)
    assert later and all(int(e.id) > mark for e in later)
    assert events(ovirt_connection).list(from_=int(later[0].id)) == []


def test_adding_a_vm_writes_the_created_event_for_it(ovirt_connection):
    mark = last_event_id(ovirt_connection)
    vm = new_vm(ovirt_connection, "noted").get()
    event, = events_since(ovirt_connection, mark)
    assert (event.code, event.description) == (34, "VM noted was created by admin@internal-authz.")
    assert event.vm.id == vm.id and event.severity == types.LogSeverity.NORMAL


def test_starting_a_vm_writes_started_by_user_then_running_on_host(ovirt_connection):
    mark = last_event_id(ovirt_connection)
    myvm = running(ovirt_connection)
    host = ovirt_connection.follow_link(myvm.get().host)
    written = events_since(ovirt_connection, mark)
    assert [e.code for e in written] == [153, 32]
    assert written[1].description == f"VM myvm started on Host {host.name}"
    assert all(e.vm.id == myvm.get().id and e.host.id == host.id for e in written)


def test_stopping_a_vm_writes_powered_off_then_down(ovirt_connection):
    myvm = running(ovirt_connection)
    mark = last_event_id(ovirt_connection)
    myvm.stop()
    wait_status(myvm, types.VmStatus.DOWN)
    assert codes_since(ovirt_connection, mark) == [33, 61]


def test_suspending_a_vm_writes_initiated_then_completed(ovirt_connection):
    myvm = running(ovirt_connection)
    mark = last_event_id(ovirt_connection)
    myvm.suspend()
    wait_status(myvm, types.VmStatus.SUSPENDED)
    written = events_since(ovirt_connection, mark)
    assert [e.code for e in written] == [501, 512]
    assert written[1].description == "Suspending VM myvm has been completed."


def test_migrating_a_vm_writes_started_then_completed(ovirt_connection):
    myvm = running(ovirt_connection)
    mark = last_event_id(ovirt_connection)
    myvm.migrate()
    wait_until(lambda: len(events_since(ovirt_connection, mark)) >= 2)
    written = events_since(ovirt_connection, mark)
    assert [e.code for e in written] == [62, 63]
    assert written[0].description.startswith("Migration started (VM: myvm, Source: ")


def test_adding_a_disk_writes_initiated_then_added(ovirt_connection):
    mark = last_event_id(ovirt_connection)
    new_disk(ovirt_connection, "logged")
    assert [(e.code, e.description) for e in events_since(ovirt_connection, mark)] == [
        (2020, "Add-Disk operation of 'logged' was initiated by admin@internal-authz."),
        (2021, "The disk 'logged' was successfully added.")]


def test_an_external_event_is_stored_and_found_by_severity(ovirt_connection):
    added = events(ovirt_connection).add(types.Event(description="Disk almost full", origin="mymonitor",
                                                     severity=types.LogSeverity.WARNING, custom_id=4711))
    assert events(ovirt_connection).list(max=1)[0].id == added.id
    found, = events(ovirt_connection).list(search="severity=warning")
    assert (found.description, found.origin, found.custom_id) == ("Disk almost full", "mymonitor", 4711)


def test_a_removed_event_is_gone(ovirt_connection):
    newest = events(ovirt_connection).list(max=1)[0]
    events(ovirt_connection).event_service(newest.id).remove()
    with pytest.raises(sdk.NotFoundError):
        events(ovirt_connection).event_service(newest.id).get()
    assert newest.id not in [e.id for e in events(ovirt_connection).list()]


def test_an_operation_started_with_a_correlation_id_has_a_finished_job_and_events(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    myvm.start(query={"correlation_id": "deploy-42"})
    wait_status(myvm, types.VmStatus.UP)
    jobs = ovirt_connection.system_service().jobs_service()
    job = wait_until(lambda: (found := jobs.list(search="correlation_id=deploy-42")) and
                     found[0].status != types.JobStatus.STARTED and found[0])
    assert (job.description, job.status) == ("Launching VM myvm", types.JobStatus.FINISHED)
    assert job.end_time is not None
    correlated = events(ovirt_connection).list(search="correlation_id=deploy-42")
    assert sorted(e.code for e in correlated) == [32, 153]


def test_an_external_job_starts_and_ends_when_told(ovirt_connection):
    jobs = ovirt_connection.system_service().jobs_service()
    job = jobs.add(types.Job(description="nightly backup", auto_cleared=True))
    assert (job.status, job.external) == (types.JobStatus.STARTED, True)
    jobs.job_service(job.id).end(succeeded=True)
    assert jobs.job_service(job.id).get().status == types.JobStatus.FINISHED
