"""A disk as a snapshot holds it, attached to another VM (a backup agent) and detached again,
through the unmodified SDK, with the engine's refusals. On SQLite and PostgreSQL."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest
import requests

from engine_api import models as m
from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")


@pytest.fixture
def vms(connection):
    return connection.system_service().vms_service()


def _vm(vms, name):
    return vms.vm_service(vms.list(search=f"name={name}")[0].id)


def _taken(myvm, description="backup"):
    snapshots = myvm.snapshots_service()
    snapshot = snapshots.add(types.Snapshot(description=description))
    service = snapshots.snapshot_service(snapshot.id)
    wait_for(lambda: service.get().snapshot_status == types.SnapshotStatus.OK)
    return snapshot, service


def _attach(agent, disk_id, snapshot_id):
    return agent.disk_attachments_service().add(types.DiskAttachment(
        disk=types.Disk(id=disk_id, snapshot=types.Snapshot(id=snapshot_id)), active=True, bootable=False,
        interface=types.DiskInterface.VIRTIO))


def test_a_snapshot_disk_attaches_to_a_running_agent_and_detaches(engine, connection, vms):
    myvm, agent = _vm(vms, "myvm"), _vm(vms, "demo-01")
    snapshot, service = _taken(myvm)
    held = service.disks_service().list()[0]
    disk_id = myvm.disk_attachments_service().list()[0].disk.id
    assert held.id == disk_id

    attachment = _attach(agent, disk_id, snapshot.id)
    assert attachment.id == disk_id and attachment.active is True
    assert disk_id in [a.disk.id for a in agent.disk_attachments_service().list()]
    assert [a.disk.id for a in myvm.disk_attachments_service().list()] == [disk_id]  # still myvm's
    agent_vm = agent.get()
    with engine.db.transaction() as session:  # the agent runs the image the snapshot holds, not the disk's
        xml = session.get(m.VmDomain, agent_vm.id).xml
        assert held.image_id in xml
        assert session.get(m.Disk, disk_id).image_id not in xml
    with pytest.raises(sdk.Error) as refused:  # the engine keeps a snapshot whose disk is attached
        service.remove()
    assert refused.value.code == 409 and "attached to other VMs" in str(refused.value)
    with pytest.raises(sdk.Error) as refused:
        _attach(agent, disk_id, snapshot.id)
    assert refused.value.code == 409 and "[Cannot attach Virtual Disk. The disk is already attached to VM.]" in str(refused.value)

    agent.disk_attachments_service().attachment_service(attachment.id).remove()  # hot-unplugged, then detached
    assert disk_id not in [a.disk.id for a in agent.disk_attachments_service().list()]
    with engine.db.transaction() as session:
        assert held.image_id not in session.get(m.VmDomain, agent_vm.id).xml
        assert session.get(m.Disk, disk_id) is not None
    service.remove()
    wait_for(lambda: snapshot.id not in [s.id for s in myvm.snapshots_service().list()])


def test_an_agent_snapshot_leaves_out_an_attached_snapshot_disk(vms):
    myvm, agent = _vm(vms, "myvm"), _vm(vms, "demo-02")
    snapshot, _ = _taken(myvm)
    disk_id = myvm.disk_attachments_service().list()[0].disk.id
    _attach(agent, disk_id, snapshot.id)
    _, own = _taken(agent, "agent's own")
    assert disk_id not in [d.id for d in own.disks_service().list()]
    with pytest.raises(sdk.Error) as refused:  # nor does myvm go while its snapshot's disk is attached
        vms.vm_service(myvm.get().id).remove()
    assert refused.value.code == 409


@pytest.mark.parametrize("disk, snapshot, detail", [
    ("mine", "active", "only allowed for regular snapshots"),
    ("other", "taken", "The specified disk does not exist"),
    ("mine", "missing", "Snapshot does not exist"),
])
def test_attaching_a_snapshot_disk_is_refused_as_the_engine_refuses_it(vms, disk, snapshot, detail):
    myvm, agent = _vm(vms, "myvm"), _vm(vms, "demo-01")
    taken, _ = _taken(myvm)
    snapshot_id = {"taken": taken.id, "missing": "00000000-0000-0000-0000-00000000dead",
                   "active": next(s.id for s in myvm.snapshots_service().list()
                                  if s.snapshot_type == types.SnapshotType.ACTIVE)}[snapshot]
    disk_id = myvm.disk_attachments_service().list()[0].disk.id if disk == "mine" \
        else agent.disk_attachments_service().list()[0].disk.id
    with pytest.raises(sdk.Error) as refused:
        _attach(agent, disk_id, snapshot_id)
    assert refused.value.code == 409 and detail in str(refused.value)


def test_a_snapshot_without_an_id_is_a_bad_request(engine, vms):
    agent = vms.list(search="name=demo-01")[0]
    answer = requests.post(f"{engine.url}/vms/{agent.id}/diskattachments", auth=(engine.username, engine.password),
                           headers={"Content-Type": "application/xml", "Accept": "application/xml"},
                           data="<disk_attachment><interface>virtio</interface><disk id='x'><snapshot><description>no id</description></snapshot></disk>"
                                "</disk_attachment>", timeout=30)
    assert answer.status_code == 400 and "<fault>" in answer.text
