"""Direct LUN disks: a LUN of the storage server attached to a VM as it is."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.helpers import row_counts

pytestmark = pytest.mark.scenario("demo")

LUN = "36001405d6c6cbba754c4b568d843ff6a"


def _lun_disk(lun_id=LUN, **unit):
    unit = {"address": "192.168.1.1", "port": 3260, "target": "iqn.2017-05.org.ovirt:storage", **unit}
    return types.Disk(name="mylun", lun_storage=types.HostStorage(
        type=types.StorageType.ISCSI,
        logical_units=[types.LogicalUnit(id=lun_id, username="user", password="secret", **unit)]))


@pytest.fixture
def attachments(connection):
    vms = connection.system_service().vms_service()
    vm = vms.list(search="name=myvm")[0]
    return vms.vm_service(vm.id).disk_attachments_service()


def test_a_lun_disk_needs_no_size_format_or_storage_domain(connection, attachments):
    attachment = attachments.add(types.DiskAttachment(disk=_lun_disk(), interface=types.DiskInterface.VIRTIO,
                                                      bootable=False, active=True))
    disk = connection.system_service().disks_service().disk_service(attachment.disk.id).get()
    assert disk.storage_type == types.DiskStorageType.LUN and disk.status == types.DiskStatus.OK
    assert disk.storage_domains == [] or disk.storage_domains is None
    (unit,) = disk.lun_storage.logical_units
    assert disk.lun_storage.type == types.StorageType.ISCSI
    assert (unit.id, unit.address, unit.port, unit.username) == (LUN, "192.168.1.1", 3260, "user")
    assert unit.password is None  # never answered


def test_a_lun_is_used_by_one_disk(engine, connection, attachments):
    attachments.add(types.DiskAttachment(disk=_lun_disk(), interface=types.DiskInterface.VIRTIO))
    before = row_counts(engine.db)
    with pytest.raises(sdk.Error) as refused:
        connection.system_service().disks_service().add(_lun_disk())
    assert refused.value.code == 409 and "used by another disk" in refused.value.fault.detail
    assert row_counts(engine.db) == before


@pytest.mark.parametrize("disk", [
    _lun_disk(lun_id=None),
    _lun_disk(address=None),
    types.Disk(name="x", lun_storage=types.HostStorage(logical_units=[types.LogicalUnit(id=LUN)])),
])
def test_an_incomplete_lun_disk_is_a_400(connection, disk):
    with pytest.raises(sdk.Error) as refused:
        connection.system_service().disks_service().add(disk)
    assert refused.value.code == 400


def test_a_bad_lun_storage_is_a_fault_not_a_500(http):
    answer = http.post(f"{http.base}/disks", headers={"Accept": "application/json"}, json={"name": "x", "lun_storage": {"logical_units": {"logical_unit": [
        {"id": LUN, "port": "not a number"}]}}})
    assert answer.status_code == 400
