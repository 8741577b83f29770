"""VM NICs: MACs from the pool, profiles and networks, updates, hot-plug and unplug, removal."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import by_name, new_vm, vm_service, vms


def all_macs(connection):
    return [nic.mac.address for vm in vms(connection).list()
            for nic in vms(connection).vm_service(vm.id).nics_service().list()]


def mac_value(mac):
    return int(mac.replace(":", ""), 16)


def profile(connection, name):
    return by_name(connection.system_service().vnic_profiles_service(), name)


def test_the_demo_vms_nic_is_on_the_management_network(ovirt_connection):
    nic, = vm_service(ovirt_connection, "myvm").nics_service().list()
    vnic_profile = ovirt_connection.follow_link(nic.vnic_profile)
    network = ovirt_connection.follow_link(vnic_profile.network)
    assert (nic.name, vnic_profile.name, network.name) == ("nic1", "ovirtmgmt", "ovirtmgmt")


def test_a_new_nic_takes_a_mac_no_other_nic_has(ovirt_connection):
    before = all_macs(ovirt_connection)
    nics = new_vm(ovirt_connection, "macs").nics_service()
    added = [nics.add(types.Nic(name=f"nic{i}")).mac.address for i in range(1, 4)]
    assert len(set(added)) == 3
    assert not set(added) & set(before)
    assert len(set(all_macs(ovirt_connection))) == len(before) + 3


def test_the_default_mac_pool_is_listed_and_the_macs_come_from_its_range(ovirt_connection):
    pools = ovirt_connection.system_service().mac_pools_service().list()
    assert [(pool.name, pool.default_pool, pool.allow_duplicates) for pool in pools] == [("Default", True, False)]
    (low, high), = [(r.from_, r.to) for r in pools[0].ranges]
    macs = all_macs(ovirt_connection)
    assert macs
    assert all(mac_value(low) <= mac_value(mac) <= mac_value(high) for mac in macs)


def test_a_new_nic_is_a_plugged_and_linked_virtio_nic(ovirt_connection):
    nic = vm_service(ovirt_connection, "myvm").nics_service().add(types.Nic(name="nic2"))
    assert (nic.interface, nic.plugged, nic.linked) == (types.NicInterface.VIRTIO, True, True)


def test_a_nic_keeps_the_interface_and_mac_it_was_given(ovirt_connection):
    nics = vm_service(ovirt_connection, "myvm").nics_service()
    nic = nics.add(types.Nic(name="legacy", interface=types.NicInterface.E1000,
                             mac=types.Mac(address="56:6f:1a:2b:77:01")))
    read = nics.nic_service(nic.id).get()
    assert (read.interface, read.mac.address) == (types.NicInterface.E1000, "56:6f:1a:2b:77:01")


def test_a_nic_on_a_profile_reaches_the_profiles_network(ovirt_connection):
    mynetwork = profile(ovirt_connection, "mynetwork")
    nic = vm_service(ovirt_connection, "myvm").nics_service().add(
        types.Nic(name="nic2", vnic_profile=types.VnicProfile(id=mynetwork.id)))
    assert nic.vnic_profile.id == mynetwork.id
    assert ovirt_connection.follow_link(ovirt_connection.follow_link(nic.vnic_profile).network).name == "mynetwork"


def test_a_removed_nics_mac_can_be_given_to_a_new_nic(ovirt_connection):
    nics = vm_service(ovirt_connection, "myvm").nics_service()
    old, = nics.list()
    nics.nic_service(old.id).remove()
    again = nics.add(types.Nic(name="nic1", mac=types.Mac(address=old.mac.address)))
    assert again.mac.address == old.mac.address


def test_unlinking_a_nic_is_visible_in_a_later_read(ovirt_connection):
    nics = vm_service(ovirt_connection, "myvm").nics_service()
    nic, = nics.list()
    nics.nic_service(nic.id).update(types.Nic(linked=False))
    assert nics.nic_service(nic.id).get().linked is False


def test_a_renamed_nic_keeps_its_mac(ovirt_connection):
    nics = vm_service(ovirt_connection, "myvm").nics_service()
    nic, = nics.list()
    nics.nic_service(nic.id).update(types.Nic(name="eth0"))
    read = nics.nic_service(nic.id).get()
    assert (read.name, read.mac.address) == ("eth0", nic.mac.address)


def test_a_nic_moves_to_another_profile(ovirt_connection):
    nics = vm_service(ovirt_connection, "myvm").nics_service()
    nic, = nics.list()
    mynetwork = profile(ovirt_connection, "mynetwork")
    nics.nic_service(nic.id).update(types.Nic(vnic_profile=types.VnicProfile(id=mynetwork.id)))
    assert nics.nic_service(nic.id).get().vnic_profile.id == mynetwork.id


def test_a_nics_mac_can_be_changed_on_a_down_vm(ovirt_connection):
    nics = vm_service(ovirt_connection, "myvm").nics_service()
    nic, = nics.list()
    nics.nic_service(nic.id).update(types.Nic(mac=types.Mac(address="56:6f:1a:2b:88:01")))
    assert nics.nic_service(nic.id).get().mac.address == "56:6f:1a:2b:88:01"


def test_a_removed_nic_is_gone_from_the_vm(ovirt_connection):
    nics = vm_service(ovirt_connection, "myvm").nics_service()
    nic, = nics.list()
    nics.nic_service(nic.id).remove()
    assert nics.list() == []
    with pytest.raises(sdk.NotFoundError):
        nics.nic_service(nic.id).get()


def test_a_nic_is_hot_plugged_into_a_running_vm(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-02")
    nic = demo.nics_service().add(types.Nic(name="hot"))
    assert demo.nics_service().nic_service(nic.id).get().plugged is True
    assert demo.get().status == types.VmStatus.UP
    assert len(demo.nics_service().list()) == 3


def test_an_unplugged_nic_of_a_running_vm_can_be_removed(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-02")
    nics = demo.nics_service()
    nic = by_name(nics, "nic2")
    nics.nic_service(nic.id).update(types.Nic(plugged=False))
    assert nics.nic_service(nic.id).get().plugged is False
    nics.nic_service(nic.id).remove()
    assert [n.name for n in nics.list()] == ["nic1"]


def test_a_nic_without_a_name_is_refused(ovirt_connection):
    nics = vm_service(ovirt_connection, "myvm").nics_service()
    with pytest.raises(sdk.Error) as refused:
        nics.add(types.Nic(interface=types.NicInterface.VIRTIO))
    assert refused.value.code == 400
    assert refused.value.fault.reason == "Incomplete parameters"
    assert refused.value.fault.detail == "Nic [name] required for add"
    assert len(nics.list()) == 1


def test_a_second_nic_of_the_same_name_on_a_vm_is_refused(ovirt_connection):
    nics = vm_service(ovirt_connection, "myvm").nics_service()
    with pytest.raises(sdk.Error) as refused:
        nics.add(types.Nic(name="nic1"))
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Network interface name is already in use]"
    assert [nic.name for nic in nics.list()] == ["nic1"]
