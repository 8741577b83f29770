"""Templates: made from a VM, VMs made from them (thin and cloned), versions, NICs, updates and
removal."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import GiB, vm_service, vms

BLANK = "00000000-0000-0000-0000-000000000000"


def templates(connection):
    return connection.system_service().templates_service()


def from_myvm(connection, name="golden", **attributes):
    myvm = vm_service(connection, "myvm")
    template = templates(connection).add(types.Template(name=name, vm=types.Vm(id=myvm.get().id), **attributes))
    return templates(connection).template_service(template.id)


def vm_from(connection, template_name, name, **query):
    vm = vms(connection).add(types.Vm(name=name, cluster=types.Cluster(name="Default"),
                                      template=types.Template(name=template_name)), **query)
    return vms(connection).vm_service(vm.id)


def test_the_blank_template_is_the_only_one_in_the_demo(ovirt_connection):
    only, = templates(ovirt_connection).list()
    assert (only.id, only.name) == (BLANK, "Blank")
    assert ovirt_connection.system_service().get().special_objects.blank_template.id == BLANK


def test_a_template_made_from_a_vm_takes_its_configuration(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    myvm.update(types.Vm(memory=2 * GiB))
    template = from_myvm(ovirt_connection, description="made from myvm").get()
    vm = myvm.get()
    assert (template.status, template.memory, template.os.type) == (types.TemplateStatus.OK, 2 * GiB, vm.os.type)
    assert template.cluster.id == vm.cluster.id and template.description == "made from myvm"
    assert template.version.version_number == 1


def test_a_template_gets_copies_of_the_vms_disks_and_its_nics(ovirt_connection):
    template = from_myvm(ovirt_connection)
    myvm = vm_service(ovirt_connection, "myvm")
    template_disks = [a.disk.id for a in template.disk_attachments_service().list()]
    assert len(template_disks) == 1
    assert template_disks[0] not in [a.disk.id for a in myvm.disk_attachments_service().list()]
    assert [n.name for n in template.nics_service().list()] == ["nic1"]


def test_a_template_is_locked_while_it_is_made_and_so_is_its_vm(ovirt_engine, ovirt_connection):
    ovirt_engine.clock.set(mode="manual")
    template = from_myvm(ovirt_connection)
    myvm = vm_service(ovirt_connection, "myvm")
    assert template.get().status == types.TemplateStatus.LOCKED
    assert myvm.get().status == types.VmStatus.IMAGE_LOCKED
    ovirt_engine.clock.advance()
    assert template.get().status == types.TemplateStatus.OK
    assert myvm.get().status == types.VmStatus.DOWN


def test_a_vm_made_from_a_template_takes_its_memory_and_points_at_it(ovirt_connection):
    template = from_myvm(ovirt_connection, memory=3 * GiB).get()
    vm = vm_from(ovirt_connection, "golden", "child").get()
    assert vm.template.id == template.id
    assert vm.memory == template.memory
    assert vm.status == types.VmStatus.DOWN


@pytest.mark.parametrize("clone", [False, True], ids=["thin", "cloned"])
def test_a_vm_made_from_a_template_gets_a_disk_of_its_own(ovirt_connection, clone):
    template = from_myvm(ovirt_connection)
    child = vm_from(ovirt_connection, "golden", "child", clone=clone)
    template_disk = template.disk_attachments_service().list()[0].disk.id
    attachment, = child.disk_attachments_service().list()
    assert attachment.disk.id != template_disk
    assert attachment.bootable is True
    disk = ovirt_connection.follow_link(attachment.disk)
    assert disk.status == types.DiskStatus.OK


def test_a_vm_made_from_a_template_gets_its_nics_with_new_macs(ovirt_connection):
    from_myvm(ovirt_connection)
    child = vm_from(ovirt_connection, "golden", "child")
    nic, = child.nics_service().list()
    assert nic.name == "nic1"
    assert nic.mac.address not in [n.mac.address for n in vm_service(ovirt_connection, "myvm").nics_service().list()]


def test_a_templates_update_is_visible_in_a_later_read(ovirt_connection):
    template = from_myvm(ovirt_connection)
    template.update(types.Template(memory=4 * GiB, description="bigger"))
    read = template.get()
    assert (read.memory, read.description) == (4 * GiB, "bigger")


def test_a_template_version_counts_up_from_its_base(ovirt_connection):
    base = from_myvm(ovirt_connection).get()
    version = templates(ovirt_connection).add(types.Template(
        name="golden", vm=types.Vm(id=vm_service(ovirt_connection, "myvm").get().id),
        version=types.TemplateVersion(base_template=types.Template(id=base.id), version_name="patched")))
    assert (version.version.version_number, version.version.version_name) == (2, "patched")
    assert version.version.base_template.id == base.id


def test_a_nic_added_to_a_template_is_listed_and_removable(ovirt_connection):
    template = from_myvm(ovirt_connection)
    nics = template.nics_service()
    added = nics.add(types.Nic(name="nic2", interface=types.NicInterface.E1000))
    assert sorted(n.name for n in nics.list()) == ["nic1", "nic2"]
    nics.nic_service(added.id).remove()
    assert [n.name for n in nics.list()] == ["nic1"]


def test_a_template_nobody_uses_can_be_removed(ovirt_connection):
    template = from_myvm(ovirt_connection)
    template_id = template.get().id
    template.remove()
    with pytest.raises(sdk.NotFoundError):
        template.get()
    assert [t.id for t in templates(ovirt_connection).list()] == [BLANK]
    assert template_id not in [t.id for t in templates(ovirt_connection).list(search="name=golden")]


def test_removing_a_template_keeps_the_vm_it_was_made_from(ovirt_connection):
    template = from_myvm(ovirt_connection)
    template.remove()
    myvm = vm_service(ovirt_connection, "myvm").get()
    assert myvm.status == types.VmStatus.DOWN
    assert myvm.template.id == BLANK
