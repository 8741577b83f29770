"""Data centers and clusters: the demo's, adding, updating and removing them, and what a data
center holds (clusters, storage domains, networks)."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import by_name, wait_until

CPU = "Intel Nehalem Family"


def dcs(connection):
    return connection.system_service().data_centers_service()


def clusters(connection):
    return connection.system_service().clusters_service()


def dc_service(connection, name):
    return dcs(connection).data_center_service(by_name(dcs(connection), name).id)


def add_dc(connection, name="dc2", local=False):
    added = dcs(connection).add(types.DataCenter(name=name, local=local))
    return dcs(connection).data_center_service(added.id)


def add_cluster(connection, name, dc="dc2"):
    added = clusters(connection).add(types.Cluster(name=name, data_center=types.DataCenter(name=dc),
                                                   cpu=types.Cpu(type=CPU)))
    return clusters(connection).cluster_service(added.id)


def test_the_demo_data_center_is_up_at_version_4_7(ovirt_connection):
    dc, = dcs(ovirt_connection).list()
    assert (dc.name, dc.status, dc.local) == ("Default", types.DataCenterStatus.UP, False)
    assert (dc.version.major, dc.version.minor) == (4, 7)


def test_the_demo_data_center_holds_its_clusters_domains_and_networks(ovirt_connection):
    default = dc_service(ovirt_connection, "Default")
    assert sorted(c.name for c in default.clusters_service().list()) == ["Default", "cluster2"]
    domains = {sd.name: sd for sd in default.storage_domains_service().list()}
    assert sorted(domains) == ["mydata", "myexport", "mysd"]
    assert [name for name, sd in domains.items() if sd.master] == ["mydata"]
    assert sorted(n.name for n in default.networks_service().list()) == ["mynetwork", "ovirtmgmt"]


def test_a_new_data_center_is_uninitialized_and_keeps_its_attributes(ovirt_connection):
    added = dcs(ovirt_connection).add(types.DataCenter(name="dc2", local=True, description="lab"))
    dc = dcs(ovirt_connection).data_center_service(added.id).get()
    assert (dc.status, dc.local, dc.description) == (types.DataCenterStatus.UNINITIALIZED, True, "lab")
    assert sorted(d.name for d in dcs(ovirt_connection).list()) == ["Default", "dc2"]


def test_a_new_data_center_has_the_management_network(ovirt_connection):
    dc2 = add_dc(ovirt_connection)
    assert [n.name for n in dc2.networks_service().list()] == ["ovirtmgmt"]


def test_a_data_center_without_a_name_is_refused(ovirt_connection):
    with pytest.raises(sdk.Error) as refused:
        dcs(ovirt_connection).add(types.DataCenter(local=False))
    assert refused.value.code == 400
    assert (refused.value.fault.reason, refused.value.fault.detail) == (
        "Incomplete parameters", "DataCenter [name] required for add")
    assert len(dcs(ovirt_connection).list()) == 1


def test_a_data_centers_description_change_is_visible(ovirt_connection):
    default = dc_service(ovirt_connection, "Default")
    default.update(types.DataCenter(description="production site"))
    assert default.get().description == "production site"


def test_an_empty_data_center_can_be_removed(ovirt_connection):
    dc2 = add_dc(ovirt_connection)
    dc2.remove()
    with pytest.raises(sdk.NotFoundError):
        dc2.get()
    assert [d.name for d in dcs(ovirt_connection).list()] == ["Default"]


def test_a_data_center_comes_up_once_a_host_and_a_data_domain_join_it(ovirt_connection):
    dc2 = add_dc(ovirt_connection)
    add_cluster(ovirt_connection, "c3")
    system = ovirt_connection.system_service()
    host = system.hosts_service().add(types.Host(name="h9", address="10.0.9.9", root_password="secret",
                                                 cluster=types.Cluster(name="c3")))
    wait_until(lambda: system.hosts_service().host_service(host.id).get().status == types.HostStatus.UP)
    domain = system.storage_domains_service().add(types.StorageDomain(
        name="sd9", type=types.StorageDomainType.DATA, host=types.Host(name="h9"),
        storage=types.HostStorage(type=types.StorageType.NFS, address="10.0.9.100", path="/exports/sd9")))
    dc2.storage_domains_service().add(types.StorageDomain(id=domain.id))
    assert wait_until(lambda: dc2.get().status == types.DataCenterStatus.UP)
    assert system.storage_domains_service().storage_domain_service(domain.id).get().master is True


def test_a_new_cluster_is_listed_in_its_data_center_with_the_management_network(ovirt_connection):
    dc2 = add_dc(ovirt_connection)
    c3 = add_cluster(ovirt_connection, "c3")
    cluster = c3.get()
    assert cluster.data_center.id == dc2.get().id
    assert (cluster.cpu.type, cluster.version.major, cluster.version.minor) == (CPU, 4, 7)
    assert [c.name for c in dc2.clusters_service().list()] == ["c3"]
    assert [n.name for n in c3.networks_service().list()] == ["ovirtmgmt"]


def test_a_cluster_added_through_its_data_center_belongs_to_it(ovirt_connection):
    default = dc_service(ovirt_connection, "Default")
    added = default.clusters_service().add(types.Cluster(name="c4", cpu=types.Cpu(type=CPU)))
    assert added.data_center.id == default.get().id
    assert sorted(c.name for c in default.clusters_service().list()) == ["Default", "c4", "cluster2"]


def test_a_clusters_description_and_cpu_type_change(ovirt_connection):
    add_dc(ovirt_connection)
    c3 = add_cluster(ovirt_connection, "c3")
    c3.update(types.Cluster(description="skylakes", cpu=types.Cpu(type="Intel Skylake Client Family")))
    cluster = c3.get()
    assert (cluster.description, cluster.cpu.type) == ("skylakes", "Intel Skylake Client Family")


def test_an_empty_cluster_can_be_removed(ovirt_connection):
    add_dc(ovirt_connection)
    c3 = add_cluster(ovirt_connection, "c3")
    c3.remove()
    with pytest.raises(sdk.NotFoundError):
        c3.get()
    assert sorted(c.name for c in clusters(ovirt_connection).list()) == ["Default", "cluster2"]


def test_the_default_cluster_carries_both_demo_networks(ovirt_connection):
    default = clusters(ovirt_connection).cluster_service(by_name(clusters(ovirt_connection), "Default").id)
    assert sorted(n.name for n in default.networks_service().list()) == ["mynetwork", "ovirtmgmt"]


def test_a_second_data_center_of_the_same_name_is_refused(ovirt_connection):
    with pytest.raises(sdk.Error) as refused:
        add_dc(ovirt_connection, "Default")
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot add Data Center. The Data Center name is already in use.]"
    assert len(dcs(ovirt_connection).list()) == 1


def test_renaming_a_data_center_to_a_name_in_use_is_refused(ovirt_connection):
    dc2 = add_dc(ovirt_connection)
    with pytest.raises(sdk.Error) as refused:
        dc2.update(types.DataCenter(name="Default"))
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot edit Data Center. The Data Center name is already in use.]"
    assert dc2.get().name == "dc2"


def test_a_second_cluster_of_the_same_name_is_refused(ovirt_connection):
    with pytest.raises(sdk.Error) as refused:
        add_cluster(ovirt_connection, "cluster2", dc="Default")
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot add Cluster. Cluster name is already in use.]"
    assert sorted(c.name for c in clusters(ovirt_connection).list()) == ["Default", "cluster2"]


def test_renaming_a_cluster_to_a_name_in_use_is_refused(ovirt_connection):
    cluster2 = clusters(ovirt_connection).cluster_service(by_name(clusters(ovirt_connection), "cluster2").id)
    with pytest.raises(sdk.Error) as refused:
        cluster2.update(types.Cluster(name="Default"))
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot edit Cluster. Cluster name is already in use.]"
    assert cluster2.get().name == "cluster2"
