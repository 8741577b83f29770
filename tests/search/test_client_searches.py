"""The searches real clients send, through the SDK: what Ansible's ovirt.ovirt modules look for."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.scenario("demo")


@pytest.fixture
def system(connection):
    return connection.system_service()


def _names(entities):
    return sorted(e.name for e in entities)


def test_ovirt_vm_finds_the_blank_template_in_the_clusters_data_center(system):
    templates = system.templates_service()
    assert _names(templates.list(search="name=Blank and datacenter=Default")) == ["Blank"]
    assert templates.list(search="name=Blank and datacenter=Nowhere") != []  # in every data center
    made = templates.list(search="datacenter=Default")
    assert "Blank" in _names(made)


def test_a_template_is_found_by_the_vms_made_from_it(system):
    assert _names(system.templates_service().list(search="vm.name=myvm")) == ["Blank"]
    assert system.templates_service().list(search="vm.name=no-such-vm") == []


def test_ovirt_disk_finds_a_vms_disk_by_name_storage_and_vm(system):
    disks = system.disks_service()
    vm = system.vms_service().list(search="name=myvm")[0]
    attached = system.vms_service().vm_service(vm.id).disk_attachments_service().list()
    disk = disks.disk_service(attached[0].disk.id).get()
    domain = system.storage_domains_service().storage_domain_service(disk.storage_domains[0].id).get()
    query = f'name="{disk.name}" and Storage.name="{domain.name}" and vm_names="myvm"'
    assert [d.id for d in disks.list(search=query)] == [disk.id]
    assert disks.list(search=f'name="{disk.name}" and vm_names="demo-01"') == []
    by_vm = disks.list(search="vm_names=myvm")
    assert {d.id for d in by_vm} == {a.disk.id for a in attached}


def test_disks_by_type(system):
    disks = system.disks_service()
    assert disks.list(search="disk_type=lun") == []
    images = disks.list(search="disk_type=image")
    assert images and len(images) == len(disks.list())
