"""Disks: floating disks, attachments to VMs (attach, detach, hot-plug, shared), resize, update
and removal."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import GiB, by_name, new_disk, vm_service

D = types.DiskStatus


def attach(vm, disk_id, bootable=False, interface=types.DiskInterface.VIRTIO):
    return vm.disk_attachments_service().add(types.DiskAttachment(
        disk=types.Disk(id=disk_id), interface=interface, bootable=bootable, active=True))


def disks(connection):
    return connection.system_service().disks_service()


def test_a_new_floating_disk_is_ok_thin_and_on_its_storage_domain(ovirt_connection):
    domain = by_name(ovirt_connection.system_service().storage_domains_service(), "mydata")
    disk = new_disk(ovirt_connection, "floating", size=3 * GiB, sparse=True)
    assert (disk.status, disk.format, disk.sparse, disk.provisioned_size) == (D.OK, types.DiskFormat.COW, True,
                                                                              3 * GiB)
    assert [sd.id for sd in disk.storage_domains] == [domain.id]
    assert disk.vms is None or disk.vms == []


def test_a_preallocated_raw_disk_keeps_its_format(ovirt_connection):
    disk = new_disk(ovirt_connection, "thick", format=types.DiskFormat.RAW, sparse=False)
    assert (disk.format, disk.sparse) == (types.DiskFormat.RAW, False)


def test_a_new_disk_is_listed_in_disks_and_under_its_storage_domain(ovirt_connection):
    disk = new_disk(ovirt_connection, "listed")
    assert disk.id in [d.id for d in disks(ovirt_connection).list()]
    domains = ovirt_connection.system_service().storage_domains_service()
    domain = by_name(domains, "mydata")
    assert disk.id in [d.id for d in domains.storage_domain_service(domain.id).disks_service().list()]


def test_a_disk_can_be_created_on_another_data_domain(ovirt_connection):
    disk = new_disk(ovirt_connection, "elsewhere", domain="mysd")
    domain = by_name(ovirt_connection.system_service().storage_domains_service(), "mysd")
    assert disk.storage_domains[0].id == domain.id


def test_the_demo_vms_disk_is_its_bootable_disk(ovirt_connection):
    attachment, = vm_service(ovirt_connection, "myvm").disk_attachments_service().list()
    disk = ovirt_connection.follow_link(attachment.disk)
    assert attachment.bootable is True and attachment.active is True
    assert (disk.name, disk.provisioned_size, disk.status) == ("myvm_Disk1", 20 * GiB, D.OK)


def test_attaching_a_floating_disk_adds_it_to_the_vms_attachments(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    disk = new_disk(ovirt_connection, "data1")
    added = attach(myvm, disk.id, interface=types.DiskInterface.VIRTIO_SCSI)
    assert (added.interface, added.bootable, added.active) == (types.DiskInterface.VIRTIO_SCSI, False, True)
    assert disk.id in [a.disk.id for a in myvm.disk_attachments_service().list()]
    assert len(myvm.disk_attachments_service().list()) == 2


def test_an_attachment_with_a_new_disk_creates_the_disk(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    attachment = myvm.disk_attachments_service().add(types.DiskAttachment(
        disk=types.Disk(name="inline", format=types.DiskFormat.COW, provisioned_size=2 * GiB,
                        storage_domains=[types.StorageDomain(name="mydata")]),
        interface=types.DiskInterface.VIRTIO, bootable=False, active=True))
    disk = disks(ovirt_connection).disk_service(attachment.disk.id).get()
    assert (disk.name, disk.provisioned_size) == ("inline", 2 * GiB)


def test_detaching_a_disk_leaves_it_floating(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    disk = new_disk(ovirt_connection, "detachable")
    attach(myvm, disk.id)
    myvm.disk_attachments_service().attachment_service(disk.id).remove()
    assert disk.id not in [a.disk.id for a in myvm.disk_attachments_service().list()]
    assert disks(ovirt_connection).disk_service(disk.id).get().status == D.OK


def test_removing_an_attachment_without_detach_only_deletes_the_disk(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    disk_id = myvm.disk_attachments_service().list()[0].disk.id
    myvm.disk_attachments_service().attachment_service(disk_id).remove(detach_only=False)
    assert myvm.disk_attachments_service().list() == []
    with pytest.raises(sdk.NotFoundError):
        disks(ovirt_connection).disk_service(disk_id).get()


def test_a_disk_grows_through_its_disk_service(ovirt_connection):
    disk = new_disk(ovirt_connection, "growing", size=GiB)
    disks(ovirt_connection).disk_service(disk.id).update(types.Disk(provisioned_size=5 * GiB))
    assert disks(ovirt_connection).disk_service(disk.id).get().provisioned_size == 5 * GiB


def test_an_attached_disk_grows_through_its_attachment(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    attachment = myvm.disk_attachments_service().list()[0]
    myvm.disk_attachments_service().attachment_service(attachment.id).update(
        types.DiskAttachment(disk=types.Disk(provisioned_size=30 * GiB)))
    assert disks(ovirt_connection).disk_service(attachment.disk.id).get().provisioned_size == 30 * GiB


def test_a_deactivated_attachment_reads_back_inactive(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    disk = new_disk(ovirt_connection, "unplugged")
    attach(myvm, disk.id)
    service = myvm.disk_attachments_service().attachment_service(disk.id)
    service.update(types.DiskAttachment(active=False))
    assert service.get().active is False


def test_an_attachments_interface_can_be_changed_on_a_down_vm(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    attachment = myvm.disk_attachments_service().list()[0]
    service = myvm.disk_attachments_service().attachment_service(attachment.id)
    service.update(types.DiskAttachment(interface=types.DiskInterface.SATA))
    assert service.get().interface == types.DiskInterface.SATA


def test_a_disk_is_hot_plugged_into_a_running_vm(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-02")
    disk = new_disk(ovirt_connection, "hotplugged")
    attach(demo, disk.id)
    assert demo.disk_attachments_service().attachment_service(disk.id).get().active is True
    assert demo.get().status == types.VmStatus.UP


def test_a_shareable_disk_attaches_to_two_vms(ovirt_connection):
    disk = new_disk(ovirt_connection, "shared", format=types.DiskFormat.RAW, sparse=False, shareable=True)
    for name in ("myvm", "demo-04"):
        attach(vm_service(ovirt_connection, name), disk.id)
    for name in ("myvm", "demo-04"):
        assert disk.id in [a.disk.id for a in vm_service(ovirt_connection, name).disk_attachments_service().list()]


def test_a_disk_that_is_not_shareable_is_refused_a_second_vm(ovirt_connection):
    disk = new_disk(ovirt_connection, "private")
    attach(vm_service(ovirt_connection, "myvm"), disk.id)
    other = vm_service(ovirt_connection, "demo-04")
    with pytest.raises(sdk.Error) as refused:
        attach(other, disk.id)
    assert refused.value.code == 409
    assert refused.value.fault.detail == (
        "[Cannot attach Virtual Disk. The disk is not shareable and is already attached to a VM.]")
    assert disk.id not in [a.disk.id for a in other.disk_attachments_service().list()]


def test_a_disks_alias_and_description_change(ovirt_connection):
    disk = new_disk(ovirt_connection, "before")
    service = disks(ovirt_connection).disk_service(disk.id)
    service.update(types.Disk(alias="after", description="renamed disk"))
    updated = service.get()
    assert (updated.alias, updated.description) == ("after", "renamed disk")
    assert [d.id for d in disks(ovirt_connection).list(search="alias=after")] == [disk.id]


def test_a_removed_disk_is_gone(ovirt_connection):
    disk = new_disk(ovirt_connection, "doomed")
    disks(ovirt_connection).disk_service(disk.id).remove()
    with pytest.raises(sdk.NotFoundError):
        disks(ovirt_connection).disk_service(disk.id).get()
    assert disk.id not in [d.id for d in disks(ovirt_connection).list()]


def test_removing_an_attached_disk_of_a_down_vm_detaches_it(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    disk_id = myvm.disk_attachments_service().list()[0].disk.id
    disks(ovirt_connection).disk_service(disk_id).remove()
    assert myvm.disk_attachments_service().list() == []


def test_the_demo_holds_one_or_two_disks_per_demo_vm(ovirt_connection):
    everything = disks(ovirt_connection).list()
    assert len(everything) == 55
    assert len([d for d in everything if d.name.startswith("demo-02_")]) == 2
    assert len([d for d in everything if d.name.startswith("demo-01_")]) == 1


def test_a_disk_does_not_shrink(ovirt_connection):
    disk = new_disk(ovirt_connection, "shrinking", size=3 * GiB)
    service = disks(ovirt_connection).disk_service(disk.id)
    with pytest.raises(sdk.Error) as refused:
        service.update(types.Disk(provisioned_size=GiB))
    assert refused.value.code == 409
    assert refused.value.fault.detail == (
        "[Cannot edit Virtual Disk. New disk size must be larger than the current disk size.]")
    assert service.get().provisioned_size == 3 * GiB


def test_an_attached_disk_does_not_shrink_through_its_attachment(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    attachment = myvm.disk_attachments_service().list()[0]
    size = disks(ovirt_connection).disk_service(attachment.disk.id).get().provisioned_size
    with pytest.raises(sdk.Error) as refused:
        myvm.disk_attachments_service().attachment_service(attachment.id).update(
            types.DiskAttachment(disk=types.Disk(provisioned_size=size // 2)))
    assert refused.value.code == 409
    assert refused.value.fault.detail == (
        "[Cannot edit Virtual Disk. New disk size must be larger than the current disk size.]")
    assert disks(ovirt_connection).disk_service(attachment.disk.id).get().provisioned_size == size


def test_a_second_boot_disk_is_refused_on_attach(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    disk = new_disk(ovirt_connection, "boot2")
    with pytest.raises(sdk.Error) as refused:
        attach(myvm, disk.id, bootable=True)
    assert refused.value.code == 409
    assert refused.value.fault.detail == (
        "[Cannot attach Virtual Disk. Disk myvm_Disk1 in VM myvm is already marked as boot.]")
    assert disk.id not in [a.disk.id for a in myvm.disk_attachments_service().list()]


def test_a_second_boot_disk_is_refused_on_an_attachment_update(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    disk = new_disk(ovirt_connection, "boot2")
    attach(myvm, disk.id)
    service = myvm.disk_attachments_service().attachment_service(disk.id)
    with pytest.raises(sdk.Error) as refused:
        service.update(types.DiskAttachment(bootable=True))
    assert refused.value.code == 409
    assert refused.value.fault.detail == (
        "[Cannot edit Virtual Disk. Disk myvm_Disk1 in VM myvm is already marked as boot.]")
    assert service.get().bootable is False


def test_a_disk_attached_twice_to_a_vm_is_refused(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    disk = new_disk(ovirt_connection, "twice", shareable=True, format=types.DiskFormat.RAW, sparse=False)
    attach(myvm, disk.id)
    with pytest.raises(sdk.Error) as refused:
        attach(myvm, disk.id)
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot attach Virtual Disk. The disk is already attached to VM.]"
    assert [a.disk.id for a in myvm.disk_attachments_service().list()].count(disk.id) == 1

