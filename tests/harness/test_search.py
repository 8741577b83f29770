"""search= as clients write it: fields, wildcards, enums, and/or, cross-object conditions, sortby,
paging with max, case sensitivity, and what an invalid query answers."""
from __future__ import annotations

import pytest

from tests.harness.sdk import by_name, vms


def everything(connection):
    return vms(connection).list()


def cluster_id(connection, name):
    return by_name(connection.system_service().clusters_service(), name).id


def host_id(connection, name):
    return by_name(connection.system_service().hosts_service(), name).id


@pytest.mark.parametrize("query, expected", [
    ("name=demo-1*", lambda c, vm: vm.name.startswith("demo-1")),
    ("status=up and cluster=Default",
     lambda c, vm: vm.status.value == "up" and vm.cluster.id == cluster_id(c, "Default")),
    ("status=paused or status=suspended", lambda c, vm: vm.status.value in ("paused", "suspended")),
    ("status!=up and cluster=cluster2",
     lambda c, vm: vm.status.value != "up" and vm.cluster.id == cluster_id(c, "cluster2")),
    ("host=myhost", lambda c, vm: vm.host is not None and vm.host.id == host_id(c, "myhost")),
], ids=["wildcard", "enum-and-cluster", "or", "not-equal", "host"])
def test_a_vm_search_finds_exactly_the_matching_vms_in_name_order(ovirt_connection, query, expected):
    wanted = [vm.name for vm in everything(ovirt_connection) if expected(ovirt_connection, vm)]
    found = [vm.name for vm in vms(ovirt_connection).list(search=query)]
    assert found == sorted(wanted)
    assert found


def test_sortby_desc_with_max_gives_the_largest_first(ovirt_connection):
    found = vms(ovirt_connection).list(search="name=demo-* sortby memory desc", max=5)
    memories = sorted((vm.memory for vm in everything(ovirt_connection) if vm.name.startswith("demo-")), reverse=True)
    assert [vm.memory for vm in found] == memories[:5]


def test_memory_is_searched_in_megabytes(ovirt_connection):
    mib = {vm.name: vm.memory // 1024**2 for vm in everything(ovirt_connection)}
    smallest = min(mib.values())
    assert [vm.name for vm in vms(ovirt_connection).list(search=f"memory={smallest}")] == sorted(
        name for name, size in mib.items() if size == smallest)
    assert [vm.name for vm in vms(ovirt_connection).list(search=f"memory>{smallest}")] == sorted(
        name for name, size in mib.items() if size > smallest)
    assert vms(ovirt_connection).list(search=f"memory>{max(mib.values())}") == []


def test_hosts_memory_is_searched_in_megabytes(ovirt_connection):
    hosts = ovirt_connection.system_service().hosts_service()
    sizes = {host.name: host.memory // 1024**2 for host in hosts.list()}
    size = max(sizes.values())
    assert sorted(h.name for h in hosts.list(search=f"memory={size}")) == sorted(
        name for name, mib in sizes.items() if mib == size)


def test_page_n_with_max_m_returns_the_nth_slice_of_m(ovirt_connection):
    names = sorted(vm.name for vm in everything(ovirt_connection))
    assert [vm.name for vm in vms(ovirt_connection).list(search="page 3", max=5)] == names[10:15]
    assert [vm.name for vm in vms(ovirt_connection).list(max=5)] == names[:5]


def test_case_sensitive_search_tells_names_apart_by_case(ovirt_connection):
    assert [vm.name for vm in vms(ovirt_connection).list(search="name=MYVM", case_sensitive=False)] == ["myvm"]
    assert vms(ovirt_connection).list(search="name=MYVM", case_sensitive=True) == []


@pytest.mark.parametrize("query", ["colour=blue", "name="], ids=["unknown-field", "missing-value"])
def test_an_invalid_search_answers_an_empty_list(ovirt_connection, query):
    assert vms(ovirt_connection).list(search=query) == []


def test_hosts_are_searched_by_cluster_and_status(ovirt_connection):
    found = ovirt_connection.system_service().hosts_service().list(search="cluster=cluster2 and status=up")
    assert [h.name for h in found] == ["host04", "host05", "host06"]


def test_data_centers_are_searched_through_their_clusters(ovirt_connection):
    dcs = ovirt_connection.system_service().data_centers_service()
    assert [dc.name for dc in dcs.list(search="Clusters.name=cluster2")] == ["Default"]
    assert dcs.list(search="Clusters.name=nowhere") == []
