"""Storage domains: the demo's, adding one, attaching it to the data center, maintenance and
activation, detaching and removing it, and the VMs a domain holds (import and register)."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import by_name, vm_service, vms, wait_until

SD = types.StorageDomainStatus


def domains(connection):
    return connection.system_service().storage_domains_service()


def domain_service(connection, name):
    return domains(connection).storage_domain_service(by_name(domains(connection), name).id)


def attached(connection):
    dc = connection.system_service().data_centers_service().list()[0]
    return connection.system_service().data_centers_service().data_center_service(dc.id).storage_domains_service()


def add_nfs(connection, name="sd2", kind=types.StorageDomainType.DATA):
    added = domains(connection).add(types.StorageDomain(
        name=name, type=kind, host=types.Host(name="host02"),
        storage=types.HostStorage(type=types.StorageType.NFS, address="10.1.1.1", path=f"/exports/{name}")))
    return domains(connection).storage_domain_service(added.id)


def attach_and_wait(connection, domain_id):
    attached(connection).add(types.StorageDomain(id=domain_id))
    service = attached(connection).storage_domain_service(domain_id)
    wait_until(lambda: service.get().status == SD.ACTIVE)
    return service


def test_the_demo_has_an_active_master_data_domain_an_export_and_a_second_data_domain(ovirt_connection):
    found = {sd.name: sd for sd in domains(ovirt_connection).list()}
    assert {name: (sd.type, sd.master, sd.status) for name, sd in found.items()} == {
        "mydata": (types.StorageDomainType.DATA, True, SD.ACTIVE),
        "myexport": (types.StorageDomainType.EXPORT, False, SD.ACTIVE),
        "mysd": (types.StorageDomainType.DATA, False, SD.ACTIVE),
    }
    assert all(sd.storage.type == types.StorageType.NFS for sd in found.values())


def test_a_new_nfs_domain_is_unattached_with_its_address_and_path(ovirt_connection):
    domain = add_nfs(ovirt_connection).get()
    assert (domain.status, domain.type, domain.master) == (SD.UNATTACHED, types.StorageDomainType.DATA, False)
    assert (domain.storage.address, domain.storage.path) == ("10.1.1.1", "/exports/sd2")
    assert domain.data_center is None
    assert domain.available > 0


def test_a_new_export_domain_is_an_export_domain(ovirt_connection):
    domain = add_nfs(ovirt_connection, "ex2", types.StorageDomainType.EXPORT).get()
    assert (domain.type, domain.status) == (types.StorageDomainType.EXPORT, SD.UNATTACHED)


def test_an_attached_domain_is_active_in_the_data_center(ovirt_connection):
    sd2 = add_nfs(ovirt_connection)
    attach_and_wait(ovirt_connection, sd2.get().id)
    domain = sd2.get()
    assert domain.status == SD.ACTIVE
    dc = ovirt_connection.system_service().data_centers_service().list()[0]
    assert [d.id for d in domain.data_centers] == [dc.id]
    assert "sd2" in [d.name for d in attached(ovirt_connection).list()]


def test_a_deactivated_domain_passes_preparing_for_maintenance_to_maintenance(ovirt_engine, ovirt_connection):
    sd2 = add_nfs(ovirt_connection)
    service = attach_and_wait(ovirt_connection, sd2.get().id)
    ovirt_engine.clock.set(mode="manual")
    service.deactivate()
    assert service.get().status == SD.PREPARING_FOR_MAINTENANCE
    ovirt_engine.clock.advance()
    assert service.get().status == SD.MAINTENANCE


def test_a_domain_in_maintenance_is_activated_again(ovirt_connection):
    sd2 = add_nfs(ovirt_connection)
    service = attach_and_wait(ovirt_connection, sd2.get().id)
    service.deactivate()
    wait_until(lambda: service.get().status == SD.MAINTENANCE)
    service.activate()
    assert wait_until(lambda: service.get().status == SD.ACTIVE)


def test_a_detached_domain_is_unattached_again(ovirt_connection):
    sd2 = add_nfs(ovirt_connection)
    service = attach_and_wait(ovirt_connection, sd2.get().id)
    service.deactivate()
    wait_until(lambda: service.get().status == SD.MAINTENANCE)
    service.remove()
    domain = sd2.get()
    assert domain.status == SD.UNATTACHED and not domain.data_centers
    assert "sd2" not in [d.name for d in attached(ovirt_connection).list()]


def test_an_unattached_domain_can_be_removed(ovirt_connection):
    sd2 = add_nfs(ovirt_connection)
    sd2.remove(host="host02")
    with pytest.raises(sdk.NotFoundError):
        sd2.get()
    assert sorted(d.name for d in domains(ovirt_connection).list()) == ["mydata", "myexport", "mysd"]


def test_a_domains_description_change_is_visible(ovirt_connection):
    mydata = domain_service(ovirt_connection, "mydata")
    mydata.update(types.StorageDomain(description="the NFS filer"))
    assert mydata.get().description == "the NFS filer"


def test_the_master_domain_lists_the_disks_of_the_vms(ovirt_connection):
    on_domain = {d.name for d in domain_service(ovirt_connection, "mydata").disks_service().list()}
    assert "myvm_Disk1" in on_domain
    assert len(on_domain) == 55


def test_a_data_domain_lists_the_vm_another_engine_left_on_it_as_unregistered(ovirt_connection):
    mysd = domain_service(ovirt_connection, "mysd")
    unregistered = mysd.vms_service().list(unregistered=True)
    assert [vm.name for vm in unregistered] == ["myvm"]
    assert mysd.vms_service().list() == []


def test_registering_an_unregistered_vm_adds_it_to_the_engine(ovirt_connection):
    mysd = domain_service(ovirt_connection, "mysd")
    held, = mysd.vms_service().list(unregistered=True)
    mysd.vms_service().vm_service(held.id).register(cluster=types.Cluster(name="Default"), clone=True,
                                                    vm=types.Vm(name="myvm-imported"))
    registered = vm_service(ovirt_connection, "myvm-imported").get()
    assert (registered.status, registered.memory) == (types.VmStatus.DOWN, held.memory)
    assert mysd.vms_service().list(unregistered=True) == []
    assert [vm.name for vm in mysd.vms_service().list()] == ["myvm-imported"]


def test_a_registered_vm_keeps_its_disk_on_the_domain_that_held_it(ovirt_connection):
    mysd = domain_service(ovirt_connection, "mysd")
    held, = mysd.vms_service().list(unregistered=True)
    mysd.vms_service().vm_service(held.id).register(cluster=types.Cluster(name="Default"), clone=True,
                                                    vm=types.Vm(name="myvm-imported"))
    attachment, = vm_service(ovirt_connection, "myvm-imported").disk_attachments_service().list()
    assert ovirt_connection.follow_link(attachment.disk).storage_domains[0].id == mysd.get().id


def test_importing_a_vm_from_the_export_domain_copies_it_to_a_data_domain(ovirt_connection):
    myexport = domain_service(ovirt_connection, "myexport")
    exported, = myexport.vms_service().list()
    assert exported.name == "exported-vm"
    myexport.vms_service().vm_service(exported.id).import_(cluster=types.Cluster(name="Default"),
                                                          storage_domain=types.StorageDomain(name="mydata"))
    imported = wait_until(lambda: (found := vms(ovirt_connection).list(search="name=exported-vm")) and found[0])
    assert wait_until(lambda: vms(ovirt_connection).vm_service(imported.id).get().status == types.VmStatus.DOWN)
    attachment, = vms(ovirt_connection).vm_service(imported.id).disk_attachments_service().list()
    mydata = by_name(domains(ovirt_connection), "mydata")
    assert ovirt_connection.follow_link(attachment.disk).storage_domains[0].id == mydata.id
    assert [vm.name for vm in myexport.vms_service().list()] == ["exported-vm"]


def test_renaming_a_domain_to_a_name_in_use_is_refused(ovirt_connection):
    mysd = domain_service(ovirt_connection, "mysd")
    with pytest.raises(sdk.Error) as refused:
        mysd.update(types.StorageDomain(name="mydata"))
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot edit Storage. The Storage Domain name is already in use.]"
    assert mysd.get().name == "mysd"


def test_detaching_an_active_domain_is_refused(ovirt_connection):
    sd2 = add_nfs(ovirt_connection)
    service = attach_and_wait(ovirt_connection, sd2.get().id)
    with pytest.raises(sdk.Error) as refused:
        service.remove()
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot detach Storage. The relevant Storage Domain's status is Active.]"
    assert service.get().status == SD.ACTIVE
    assert "sd2" in [d.name for d in attached(ovirt_connection).list()]
