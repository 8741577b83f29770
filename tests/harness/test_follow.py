"""follow=: linked entities and collections inlined in one answer, equal to following each link."""
from __future__ import annotations

from tests.harness.sdk import by_name, vm_service, vms


def test_a_vm_read_with_follow_inlines_its_disks_and_nic_profiles(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    vm = myvm.get(follow="disk_attachments.disk,nics.vnic_profile")
    attachment, = vm.disk_attachments
    assert attachment.disk.name == ovirt_connection.follow_link(
        myvm.disk_attachments_service().list()[0].disk).name == "myvm_Disk1"
    nic, = vm.nics
    assert nic.vnic_profile.name == ovirt_connection.follow_link(myvm.nics_service().list()[0].vnic_profile).name


def test_a_vm_list_with_follow_host_inlines_the_host_of_running_vms_only(ovirt_connection):
    followed = {vm.name: vm for vm in vms(ovirt_connection).list(search="name=demo-0*", follow="host")}
    for vm in vms(ovirt_connection).list(search="name=demo-0*"):
        inlined = followed[vm.name].host
        if vm.host is None:
            assert inlined is None
        else:
            assert inlined.name == ovirt_connection.follow_link(vm.host).name
    assert any(vm.host is not None for vm in followed.values())
    assert any(vm.host is None for vm in followed.values())


def test_a_data_center_read_with_follow_inlines_its_collections(ovirt_connection):
    dcs = ovirt_connection.system_service().data_centers_service()
    dc = dcs.data_center_service(by_name(dcs, "Default").id).get(follow="clusters,storage_domains,networks")
    assert sorted(c.name for c in dc.clusters) == ["Default", "cluster2"]
    assert sorted(s.name for s in dc.storage_domains) == ["mydata", "myexport", "mysd"]
    assert sorted(n.name for n in dc.networks) == ["mynetwork", "ovirtmgmt"]
