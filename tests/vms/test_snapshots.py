"""Snapshots through the unmodified SDK: take, preview, commit, undo, restore, remove, and what
each snapshot holds, with the engine's refusals and events. On SQLite and PostgreSQL."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")

OK, LOCKED, IN_PREVIEW = types.SnapshotStatus.OK, types.SnapshotStatus.LOCKED, types.SnapshotStatus.IN_PREVIEW
GIB = 1024**3


@pytest.fixture
def vms(connection):
    return connection.system_service().vms_service()


@pytest.fixture
def myvm(vms):
    vm = vms.list(search="name=myvm")[0]
    return vms.vm_service(vm.id)


@pytest.fixture
def memory(myvm):
    """The memory of the demo's myvm before the test changes it."""
    return myvm.get().memory


def _snapshot(myvm, description, **kwargs):
    snapshots = myvm.snapshots_service()
    snapshot = snapshots.add(types.Snapshot(description=description, **kwargs))
    service = snapshots.snapshot_service(snapshot.id)
    wait_for(lambda: service.get().snapshot_status == OK)
    return snapshot, service


def _vm_down(myvm):
    wait_for(lambda: myvm.get().status == types.VmStatus.DOWN)


def _codes_since(connection, event_id, vm_id):
    events = connection.system_service().events_service().list(from_=event_id)
    return [e.code for e in reversed(events) if e.vm is not None and e.vm.id == vm_id]


def _last_event(connection):
    return int(connection.system_service().events_service().list(max=1)[0].id)


def test_every_vm_has_its_active_snapshot(vms, myvm):
    listed = myvm.snapshots_service().list()
    assert [(s.description, s.snapshot_type, s.snapshot_status) for s in listed] == [
        ("Active VM", types.SnapshotType.ACTIVE, OK)]
    new = vms.add(types.Vm(name="fresh", cluster=types.Cluster(name="Default"), template=types.Template(name="Blank")))
    assert [s.snapshot_type for s in vms.vm_service(new.id).snapshots_service().list()] == [types.SnapshotType.ACTIVE]
    active = listed[0]
    disks = myvm.snapshots_service().snapshot_service(active.id).disks_service().list()
    assert [d.id for d in disks] == [a.disk.id for a in myvm.disk_attachments_service().list()]


def test_a_snapshot_is_locked_then_ok_and_holds_the_disks_and_nics(connection, myvm):
    since = _last_event(connection)
    vm = myvm.get()
    attachment = myvm.disk_attachments_service().list()[0]
    disk_service = connection.system_service().disks_service().disk_service(attachment.disk.id)
    image_before = disk_service.get().image_id
    snapshots = myvm.snapshots_service()
    added = snapshots.add(types.Snapshot(description="before upgrade", persist_memorystate=True))
    assert added.snapshot_status == LOCKED
    assert added.persist_memorystate is False  # a down VM has no memory to keep
    wait_for(lambda: snapshots.snapshot_service(added.id).get().snapshot_status == OK)
    held = snapshots.snapshot_service(added.id)
    assert [d.id for d in held.disks_service().list()] == [attachment.disk.id]
    assert held.disks_service().list()[0].image_id == image_before
    assert disk_service.get().image_id != image_before  # the disk goes on in a new image
    assert [n.mac.address for n in held.nics_service().list()] == [
        n.mac.address for n in myvm.nics_service().list()]
    assert held.get().vm.id == vm.id
    assert _codes_since(connection, since, vm.id)[:2] == [45, 68]
    domain = disk_service.get().storage_domains[0]
    on_domain = connection.system_service().storage_domains_service().storage_domain_service(domain.id)
    images = on_domain.disk_snapshots_service().list()
    assert image_before in [i.id for i in images]
    assert {i.disk.id for i in images if i.id == image_before} == {attachment.disk.id}


def test_preview_commit_keeps_the_snapshot_and_drops_what_came_after(connection, myvm, memory):
    first, _ = _snapshot(myvm, "one")
    myvm.update(types.Vm(memory=8 * GIB))
    second, _ = _snapshot(myvm, "two")
    myvm.update(types.Vm(memory=16 * GIB))
    myvm.preview_snapshot(snapshot=types.Snapshot(id=first.id), restore_memory=False)
    _vm_down(myvm)
    by_type = {s.snapshot_type: s for s in myvm.snapshots_service().list()}
    assert types.SnapshotType.PREVIEW in by_type
    statuses = {s.description: s.snapshot_status for s in myvm.snapshots_service().list()}
    assert statuses["one"] == IN_PREVIEW
    assert myvm.get().memory == memory
    with pytest.raises(sdk.Error) as refused:
        myvm.snapshots_service().add(types.Snapshot(description="three"))
    assert refused.value.code == 409 and "VM is previewing a Snapshot" in str(refused.value)
    myvm.commit_snapshot()
    _vm_down(myvm)
    listed = myvm.snapshots_service().list()
    assert sorted(s.description for s in listed) == ["Active VM", "one"]
    assert {s.snapshot_status for s in listed} == {OK}
    assert second.id not in [s.id for s in listed]


def test_undo_brings_back_the_vm_as_it_was_before_the_preview(connection, myvm, memory):
    first, _ = _snapshot(myvm, "one")
    myvm.update(types.Vm(memory=8 * GIB))
    since = _last_event(connection)
    myvm.preview_snapshot(snapshot=types.Snapshot(id=first.id))
    _vm_down(myvm)
    assert myvm.get().memory == memory
    myvm.undo_snapshot()
    _vm_down(myvm)
    assert myvm.get().memory == 8 * GIB
    assert sorted((s.description, s.snapshot_status) for s in myvm.snapshots_service().list()) == [
        ("Active VM", OK), ("one", OK)]
    assert _codes_since(connection, since, myvm.get().id) == [46, 71, 650, 651]


def test_restore_is_a_preview_committed_at_once(myvm, memory):
    first, service = _snapshot(myvm, "one")
    myvm.update(types.Vm(memory=8 * GIB))
    _snapshot(myvm, "two")
    service.restore()
    _vm_down(myvm)
    assert myvm.get().memory == memory
    assert sorted(s.description for s in myvm.snapshots_service().list()) == ["Active VM", "one"]


def test_preview_and_restore_need_a_vm_that_is_down(vms):
    up = vms.list(search="status=up")[0]
    service = vms.vm_service(up.id)
    snapshot, held = _snapshot(service, "live")
    with pytest.raises(sdk.Error) as refused:
        service.preview_snapshot(snapshot=types.Snapshot(id=snapshot.id))
    assert refused.value.code == 409 and "At least one of the VMs is not down" in str(refused.value)
    with pytest.raises(sdk.Error):
        held.restore()
    with pytest.raises(sdk.Error) as refused:
        service.commit_snapshot()
    assert "VM is not previewing a Snapshot" in str(refused.value)
    assert held.get().snapshot_status == OK


def test_remove_a_snapshot_but_never_the_active_one(connection, myvm):
    snapshot, service = _snapshot(myvm, "scratch")
    since = _last_event(connection)
    service.remove()
    wait_for(lambda: snapshot.id not in [s.id for s in myvm.snapshots_service().list()])
    assert _codes_since(connection, since, myvm.get().id) == [342, 356]
    active = myvm.snapshots_service().list()[0]
    with pytest.raises(sdk.Error) as refused:
        myvm.snapshots_service().snapshot_service(active.id).remove()
    assert refused.value.code == 409


def test_a_snapshot_of_a_subset_of_disks(connection, vms):
    vm = next(v for v in vms.list(search="status=down") if len(vms.vm_service(v.id).disk_attachments_service().list()) > 1)
    service = vms.vm_service(vm.id)
    attachments = service.disk_attachments_service().list()
    snapshot = service.snapshots_service().add(types.Snapshot(
        description="one disk", disk_attachments=[types.DiskAttachment(disk=types.Disk(id=attachments[0].disk.id))]))
    held = service.snapshots_service().snapshot_service(snapshot.id)
    wait_for(lambda: held.get().snapshot_status == OK)
    assert [d.id for d in held.disks_service().list()] == [attachments[0].disk.id]
    with pytest.raises(sdk.Error) as refused:
        service.snapshots_service().add(types.Snapshot(
            description="bad", disk_attachments=[types.DiskAttachment(disk=types.Disk(id="no-such-disk"))]))
    assert refused.value.code == 409
    assert len(service.snapshots_service().list()) == 2


def test_follow_snapshots_on_vms(connection, myvm):
    _snapshot(myvm, "followed")
    vm = connection.system_service().vms_service().vm_service(myvm.get().id).get(follow="snapshots")
    assert sorted(s.description for s in vm.snapshots) == ["Active VM", "followed"]


def test_a_vm_cloned_from_a_snapshot_has_its_configuration_disks_and_nics(connection, vms, myvm, memory):
    snapshot, _ = _snapshot(myvm, "golden")
    myvm.update(types.Vm(memory=8 * GIB))
    source = myvm.get()
    clone = vms.add(types.Vm(name="from-golden", cluster=types.Cluster(id=source.cluster.id),
                             snapshots=[types.Snapshot(id=snapshot.id)]))
    service = vms.vm_service(clone.id)
    wait_for(lambda: service.get().status == types.VmStatus.DOWN)
    assert service.get().memory == memory
    held = myvm.snapshots_service().snapshot_service(snapshot.id)
    disks = service.disk_attachments_service().list()
    assert [connection.follow_link(a.disk).provisioned_size for a in disks] == [
        d.provisioned_size for d in held.disks_service().list()]
    assert {a.disk.id for a in disks}.isdisjoint({a.disk.id for a in myvm.disk_attachments_service().list()})
    nics = service.nics_service().list()
    assert [n.name for n in nics] == [n.name for n in held.nics_service().list()]
    assert nics[0].mac.address != myvm.nics_service().list()[0].mac.address
    with pytest.raises(sdk.Error) as refused:
        vms.add(types.Vm(name="from-nothing", cluster=types.Cluster(id=source.cluster.id),
                         snapshots=[types.Snapshot(id="no-such-snapshot")]))
    assert refused.value.code == 400
