"""The VMs storage domains hold, through the unmodified SDK: the demo's export domain myexport
and its exported VM imported (locked, then down, under a job), the demo's data domain mysd and
its unregistered VM registered; with the engine's refusals. On SQLite and PostgreSQL."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")


@pytest.fixture
def system(connection):
    return connection.system_service()


def _domain(system, name):
    domain = system.storage_domains_service().list(search=f"name={name}")[0]
    return domain, system.storage_domains_service().storage_domain_service(domain.id)


def _codes_since(system, event_id, vm_id):
    return [e.code for e in reversed(system.events_service().list(from_=event_id))
            if e.vm is not None and e.vm.id == vm_id]


def test_an_exported_vm_is_imported_locked_then_down(system):
    export, export_service = _domain(system, "myexport")
    assert export.type == types.StorageDomainType.EXPORT
    held = export_service.vms_service().list()
    assert [vm.name for vm in held] == ["exported-vm"]
    held_service = export_service.vms_service().vm_service(held[0].id)
    disks = held_service.disks_service().list()
    assert [d.name for d in disks] == ["exported-vm_Disk1"]
    assert [a.id for a in held_service.disk_attachments_service().list()] == [disks[0].id]
    since = int(system.events_service().list(max=1)[0].id)
    mydata, _ = _domain(system, "mydata")

    held_service.import_(storage_domain=types.StorageDomain(id=mydata.id), cluster=types.Cluster(name="Default"))
    vms = system.vms_service()
    vm = vms.list(search="name=exported-vm")[0]
    assert vm.id == held[0].id and vm.memory == 2 * 1024**3
    vm_service = vms.vm_service(vm.id)
    wait_for(lambda: vm_service.get().status == types.VmStatus.DOWN)
    attachment, = vm_service.disk_attachments_service().list()
    disk = system.disks_service().disk_service(attachment.disk.id).get()
    assert disk.id == disks[0].id and disk.storage_domains[0].id == mydata.id
    assert disk.status == types.DiskStatus.OK and attachment.bootable is True
    assert [s.snapshot_type for s in vm_service.snapshots_service().list()] == [types.SnapshotType.ACTIVE]
    nic, = vm_service.nics_service().list()
    assert nic.vnic_profile is not None
    assert _codes_since(system, since, vm.id)[:1] == [1165] and 1152 in _codes_since(system, since, vm.id)
    assert any(j.description.startswith("Importing VM exported-vm") for j in system.jobs_service().list())
    assert [v.name for v in export_service.vms_service().list()] == ["exported-vm"]  # the export domain keeps it

    with pytest.raises(sdk.Error) as refused:  # once more: the VM exists
        held_service.import_(storage_domain=types.StorageDomain(id=mydata.id), cluster=types.Cluster(name="Default"))
    assert refused.value.code == 409 and "VM ID already exists" in str(refused.value)
    held_service.import_(storage_domain=types.StorageDomain(id=mydata.id), cluster=types.Cluster(name="Default"),
                         clone=True, vm=types.Vm(name="exported-vm-2"))
    clone = vms.list(search="name=exported-vm-2")[0]
    assert clone.id != vm.id
    clone_disk = vms.vm_service(clone.id).disk_attachments_service().list()[0].disk.id
    assert clone_disk != disk.id


@pytest.mark.parametrize("body, status", [
    ({}, 400),                                                         # no cluster, no storage domain
    ({"cluster": types.Cluster(name="Default")}, 400),                 # no storage domain
    ({"cluster": types.Cluster(name="nosuch"), "storage_domain": types.StorageDomain(name="mydata")}, 400),
    ({"cluster": types.Cluster(name="Default"), "storage_domain": types.StorageDomain(name="myexport")}, 409),
])
def test_an_import_without_what_it_needs_is_refused(system, body, status):
    _, export_service = _domain(system, "myexport")
    held = export_service.vms_service().list()[0]
    with pytest.raises(sdk.Error) as refused:
        export_service.vms_service().vm_service(held.id).import_(**body)
    assert refused.value.code == status
    assert not system.vms_service().list(search="name=exported-vm")


def test_an_unregistered_vm_is_registered_down_with_its_disks(system):
    mysd, service = _domain(system, "mysd")
    assert [vm.name for vm in service.vms_service().list()] == []  # no registered VM has disks there
    unregistered = service.vms_service().list(unregistered=True)
    assert [vm.name for vm in unregistered] == ["myvm"]
    held_service = service.vms_service().vm_service(unregistered[0].id)
    with pytest.raises(sdk.Error) as refused:  # the demo has a VM myvm already
        held_service.register(cluster=types.Cluster(name="Default"))
    assert refused.value.code == 409 and "VM Name already exists" in str(refused.value)

    held_service.register(cluster=types.Cluster(name="Default"), vm=types.Vm(name="registered"),
                          vnic_profile_mappings=[types.VnicProfileMapping(
                              source_network_name="mynetwork", source_network_profile_name="mynetwork",
                              target_vnic_profile=types.VnicProfile(name="ovirtmgmt"))],
                          reassign_bad_macs=True)
    vm = system.vms_service().list(search="name=registered")[0]
    assert vm.id == unregistered[0].id and vm.status == types.VmStatus.DOWN
    vm_service = system.vms_service().vm_service(vm.id)
    disk_id = vm_service.disk_attachments_service().list()[0].disk.id
    assert system.disks_service().disk_service(disk_id).get().storage_domains[0].id == mysd.id
    profile = system.vnic_profiles_service().profile_service(vm_service.nics_service().list()[0].vnic_profile.id)
    assert profile.get().name == "ovirtmgmt"
    assert service.vms_service().list(unregistered=True) == []
    assert [v.name for v in service.vms_service().list()] == ["registered"]  # now a VM with disks there
    with pytest.raises(sdk.Error) as refused:  # a registered VM is not registered again
        service.vms_service().vm_service(vm.id).register(cluster=types.Cluster(name="Default"))
    assert refused.value.code == 409


def test_unknown_held_vms_are_404(system):
    _, service = _domain(system, "myexport")
    with pytest.raises(sdk.NotFoundError):
        service.vms_service().vm_service("00000000-0000-0000-0000-00000000dead").get()
    with pytest.raises(sdk.NotFoundError):
        service.vms_service().vm_service("x" * 80).disks_service().list()


def test_a_registered_vm_on_a_data_domain_lists_its_disks_there(system):
    _, mydata = _domain(system, "mydata")
    myvm = system.vms_service().list(search="name=myvm")[0]
    held = mydata.vms_service().vm_service(myvm.id)
    expected = [a.disk.id for a in system.vms_service().vm_service(myvm.id).disk_attachments_service().list()]
    assert [d.id for d in held.disks_service().list()] == expected
    assert [a.id for a in held.disk_attachments_service().list()] == expected
    with pytest.raises(sdk.NotFoundError):
        mydata.vms_service().vm_service("no-such-vm").disks_service().list()
