"""Logical networks and vNIC profiles: the demo's, adding, updating and removing them, and
attaching networks to clusters."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import by_name, vm_service

U = types.NetworkUsage


def networks(connection):
    return connection.system_service().networks_service()


def profiles(connection):
    return connection.system_service().vnic_profiles_service()


def add_network(connection, name="net2", **attributes):
    added = networks(connection).add(types.Network(name=name, data_center=types.DataCenter(name="Default"),
                                                   **attributes))
    return networks(connection).network_service(added.id)


def default_cluster_networks(connection):
    clusters = connection.system_service().clusters_service()
    return clusters.cluster_service(by_name(clusters, "Default").id).networks_service()


def test_the_demo_networks_are_the_management_network_and_a_vlan(ovirt_connection):
    found = {n.name: n for n in networks(ovirt_connection).list()}
    assert sorted(found) == ["mynetwork", "ovirtmgmt"]
    assert U.MANAGEMENT in found["ovirtmgmt"].usages and U.VM in found["ovirtmgmt"].usages
    assert found["mynetwork"].vlan.id == 100
    assert found["ovirtmgmt"].vlan is None


def test_each_demo_network_has_a_vnic_profile_of_its_name(ovirt_connection):
    names = {n.id: n.name for n in networks(ovirt_connection).list()}
    assert sorted((p.name, names[p.network.id]) for p in profiles(ovirt_connection).list()) == [
        ("mynetwork", "mynetwork"), ("ovirtmgmt", "ovirtmgmt")]


def test_a_new_network_keeps_its_vlan_mtu_and_description(ovirt_connection):
    net2 = add_network(ovirt_connection, vlan=types.Vlan(id=200), mtu=9000, description="storage traffic")
    network = net2.get()
    assert (network.vlan.id, network.mtu, network.description) == (200, 9000, "storage traffic")
    assert network.data_center.id == ovirt_connection.system_service().data_centers_service().list()[0].id


def test_a_new_network_gets_a_vnic_profile_of_its_name(ovirt_connection):
    net2 = add_network(ovirt_connection)
    assert [p.name for p in net2.vnic_profiles_service().list()] == ["net2"]
    assert "net2" in [p.name for p in profiles(ovirt_connection).list()]


def test_a_networks_update_is_visible_in_a_later_read(ovirt_connection):
    net2 = add_network(ovirt_connection, mtu=9000)
    net2.update(types.Network(mtu=1500, description="back to normal frames"))
    network = net2.get()
    assert (network.mtu, network.description) == (1500, "back to normal frames")


def test_an_unused_network_is_removed_with_its_profile(ovirt_connection):
    net2 = add_network(ovirt_connection)
    net2.remove()
    with pytest.raises(sdk.NotFoundError):
        net2.get()
    assert sorted(p.name for p in profiles(ovirt_connection).list()) == ["mynetwork", "ovirtmgmt"]


def test_a_network_attached_to_a_cluster_is_listed_there(ovirt_connection):
    net2 = add_network(ovirt_connection)
    default_cluster_networks(ovirt_connection).add(types.Network(id=net2.get().id, required=False))
    assert sorted(n.name for n in default_cluster_networks(ovirt_connection).list()) == [
        "mynetwork", "net2", "ovirtmgmt"]


def test_a_network_detached_from_a_cluster_stays_in_the_data_center(ovirt_connection):
    net2 = add_network(ovirt_connection)
    cluster_networks = default_cluster_networks(ovirt_connection)
    cluster_networks.add(types.Network(id=net2.get().id, required=False))
    cluster_networks.network_service(net2.get().id).remove()
    assert sorted(n.name for n in cluster_networks.list()) == ["mynetwork", "ovirtmgmt"]
    assert net2.get().name == "net2"


def test_a_profile_added_to_a_network_is_listed_under_it_and_globally(ovirt_connection):
    net2 = add_network(ovirt_connection)
    added = net2.vnic_profiles_service().add(types.VnicProfile(name="net2-mirrored", description="copy"))
    assert sorted(p.name for p in net2.vnic_profiles_service().list()) == ["net2", "net2-mirrored"]
    profile = profiles(ovirt_connection).profile_service(added.id).get()
    assert (profile.network.id, profile.description) == (net2.get().id, "copy")


def test_a_profile_added_globally_belongs_to_its_network(ovirt_connection):
    mynetwork = by_name(networks(ovirt_connection), "mynetwork")
    added = profiles(ovirt_connection).add(types.VnicProfile(name="tenant-a", network=types.Network(id=mynetwork.id)))
    assert "tenant-a" in [p.name for p in networks(ovirt_connection).network_service(mynetwork.id)
                          .vnic_profiles_service().list()]
    assert added.network.id == mynetwork.id


def test_an_unused_profile_can_be_removed(ovirt_connection):
    net2 = add_network(ovirt_connection)
    extra = net2.vnic_profiles_service().add(types.VnicProfile(name="extra"))
    profiles(ovirt_connection).profile_service(extra.id).remove()
    assert [p.name for p in net2.vnic_profiles_service().list()] == ["net2"]


def test_a_vm_nic_can_use_a_new_networks_profile(ovirt_connection):
    net2 = add_network(ovirt_connection)
    default_cluster_networks(ovirt_connection).add(types.Network(id=net2.get().id, required=False))
    profile, = net2.vnic_profiles_service().list()
    nic = vm_service(ovirt_connection, "myvm").nics_service().add(
        types.Nic(name="nic2", vnic_profile=types.VnicProfile(id=profile.id)))
    assert ovirt_connection.follow_link(ovirt_connection.follow_link(nic.vnic_profile).network).name == "net2"


def test_a_second_network_of_the_same_name_in_the_data_center_is_refused(ovirt_connection):
    with pytest.raises(sdk.Error) as refused:
        add_network(ovirt_connection, "mynetwork")
    assert refused.value.code == 409
    assert refused.value.fault.detail == (
        "[Cannot add Network. The name of the logical network 'mynetwork' is already used by an existing "
        "logical network in the same data-center.\n-Please choose a different name.]")
    assert [n.name for n in networks(ovirt_connection).list()].count("mynetwork") == 1
