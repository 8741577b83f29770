"""Snapshots: create (with and without memory), preview, commit, undo, restore, remove, and a VM
cloned from a snapshot."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import GiB, vm_service, vms

ST = types.SnapshotStatus


def snapshot(vm, description):
    return vm.snapshots_service().add(types.Snapshot(description=description, persist_memorystate=False))


def described(vm):
    return {s.description: s for s in vm.snapshots_service().list()}


def test_a_vm_has_only_its_active_snapshot_at_first(ovirt_connection):
    only, = vm_service(ovirt_connection, "myvm").snapshots_service().list()
    assert (only.description, only.snapshot_type, only.snapshot_status) == ("Active VM", types.SnapshotType.ACTIVE,
                                                                            ST.OK)


def test_a_new_snapshot_is_a_regular_ok_snapshot_with_a_date(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    snapshot(myvm, "before upgrade")
    taken = described(myvm)["before upgrade"]
    assert (taken.snapshot_type, taken.snapshot_status) == (types.SnapshotType.REGULAR, ST.OK)
    assert taken.date is not None
    assert len(myvm.snapshots_service().list()) == 2


def test_a_snapshot_holds_the_vms_disks_and_nics(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    taken = snapshot(myvm, "contents")
    service = myvm.snapshots_service().snapshot_service(taken.id)
    assert [d.id for d in service.disks_service().list()] == [a.disk.id for a in myvm.disk_attachments_service().list()]
    assert [(n.name, n.mac.address) for n in service.nics_service().list()] == [
        (n.name, n.mac.address) for n in myvm.nics_service().list()]


def test_a_snapshot_is_locked_until_the_clock_finishes_it(ovirt_engine, ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    ovirt_engine.clock.set(mode="manual")
    taken = snapshot(myvm, "slow")
    assert taken.snapshot_status == ST.LOCKED
    ovirt_engine.clock.advance(myvm.get().id)
    assert myvm.snapshots_service().snapshot_service(taken.id).get().snapshot_status == ST.OK


def test_a_live_snapshot_with_memory_keeps_the_vm_up(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-02")
    taken = demo.snapshots_service().add(types.Snapshot(description="live", persist_memorystate=True))
    assert demo.snapshots_service().snapshot_service(taken.id).get().persist_memorystate is True
    assert demo.get().status == types.VmStatus.UP


def test_previewing_a_snapshot_gives_the_vm_its_configuration_then(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    taken = snapshot(myvm, "one GiB")
    myvm.update(types.Vm(memory=2 * GiB))
    myvm.preview_snapshot(snapshot=types.Snapshot(id=taken.id), restore_memory=False)
    assert myvm.get().memory == GiB
    snapshots = described(myvm)
    assert snapshots["one GiB"].snapshot_status == ST.IN_PREVIEW
    assert snapshots["Active VM before the preview"].snapshot_type == types.SnapshotType.PREVIEW


def test_committing_a_preview_keeps_the_previewed_configuration(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    taken = snapshot(myvm, "one GiB")
    myvm.update(types.Vm(memory=2 * GiB))
    myvm.preview_snapshot(snapshot=types.Snapshot(id=taken.id))
    myvm.commit_snapshot()
    assert myvm.get().memory == GiB
    assert sorted(described(myvm)) == ["Active VM", "one GiB"]
    assert all(s.snapshot_status == ST.OK for s in myvm.snapshots_service().list())


def test_undoing_a_preview_gives_back_the_configuration_before_it(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    taken = snapshot(myvm, "one GiB")
    myvm.update(types.Vm(memory=2 * GiB))
    myvm.preview_snapshot(snapshot=types.Snapshot(id=taken.id))
    myvm.undo_snapshot()
    assert myvm.get().memory == 2 * GiB
    assert sorted(described(myvm)) == ["Active VM", "one GiB"]


def test_restoring_a_snapshot_reverts_the_vm_and_drops_later_snapshots(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    first = snapshot(myvm, "first")
    myvm.update(types.Vm(memory=2 * GiB))
    snapshot(myvm, "second")
    myvm.update(types.Vm(memory=3 * GiB))
    myvm.snapshots_service().snapshot_service(first.id).restore()
    assert myvm.get().memory == GiB
    assert sorted(described(myvm)) == ["Active VM", "first"]


def test_a_removed_snapshot_is_gone(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    taken = snapshot(myvm, "temporary")
    myvm.snapshots_service().snapshot_service(taken.id).remove()
    assert [s.description for s in myvm.snapshots_service().list()] == ["Active VM"]
    with pytest.raises(sdk.NotFoundError):
        myvm.snapshots_service().snapshot_service(taken.id).get()


def test_a_vm_previewing_a_snapshot_refuses_a_new_snapshot(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    taken = snapshot(myvm, "previewed")
    myvm.preview_snapshot(snapshot=types.Snapshot(id=taken.id))
    with pytest.raises(sdk.Error) as refused:
        snapshot(myvm, "another")
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot create Snapshot. VM is previewing a Snapshot.]"


def test_a_vm_previewing_a_snapshot_refuses_a_second_preview(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    taken = snapshot(myvm, "previewed")
    myvm.preview_snapshot(snapshot=types.Snapshot(id=taken.id))
    with pytest.raises(sdk.Error) as refused:
        myvm.preview_snapshot(snapshot=types.Snapshot(id=taken.id))
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot preview Snapshot. VM is previewing a Snapshot.]"


def test_a_running_vm_refuses_a_preview(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-02")
    taken = demo.snapshots_service().add(types.Snapshot(description="live", persist_memorystate=False))
    with pytest.raises(sdk.Error) as refused:
        demo.preview_snapshot(snapshot=types.Snapshot(id=taken.id))
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot preview Snapshot. At least one of the VMs is not down.]"
    assert described(demo)["live"].snapshot_status == ST.OK


def test_a_vm_cloned_from_a_snapshot_has_its_own_disks_and_macs(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    taken = snapshot(myvm, "golden")
    myvm.update(types.Vm(memory=2 * GiB))
    clone = vms(ovirt_connection).add(types.Vm(name="from-golden", cluster=types.Cluster(name="Default"),
                                               snapshots=[types.Snapshot(id=taken.id)]))
    service = vms(ovirt_connection).vm_service(clone.id)
    assert service.get().memory == GiB
    own_disks = {a.disk.id for a in service.disk_attachments_service().list()}
    assert len(own_disks) == 1
    assert not own_disks & {a.disk.id for a in myvm.disk_attachments_service().list()}
    assert {n.mac.address for n in service.nics_service().list()}.isdisjoint(
        {n.mac.address for n in myvm.nics_service().list()})
