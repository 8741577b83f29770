"""Hosts: the demo's hosts, maintenance and activation (with the VMs moved away), adding and
removing a host, its NICs and updates."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import by_name, host_service, running, vms, wait_until

H = types.HostStatus


def hosts(connection):
    return connection.system_service().hosts_service()


def vms_on(connection, host_id):
    return [vm for vm in vms(connection).list() if vm.host is not None and vm.host.id == host_id]


def add_host(connection, name, address, cluster="Default"):
    host = hosts(connection).add(types.Host(name=name, address=address, root_password="secret",
                                            cluster=types.Cluster(name=cluster)))
    return hosts(connection).host_service(host.id)


def test_the_demo_has_three_up_hosts_in_each_cluster(ovirt_connection):
    clusters = ovirt_connection.system_service().clusters_service()
    for name in ("Default", "cluster2"):
        cluster = by_name(clusters, name)
        members = [h for h in hosts(ovirt_connection).list() if h.cluster.id == cluster.id]
        assert len(members) == 3
        assert {h.status for h in members} == {H.UP}


def test_a_host_put_in_maintenance_ends_in_maintenance(ovirt_connection):
    host02 = host_service(ovirt_connection, "host02")
    host02.deactivate()
    assert wait_until(lambda: host02.get().status == H.MAINTENANCE)
    assert [h.name for h in hosts(ovirt_connection).list(search="status=maintenance")] == ["host02"]


def test_maintenance_migrates_the_hosts_vms_to_other_hosts_of_the_cluster(ovirt_connection):
    host02 = host_service(ovirt_connection, "host02")
    host_id = host02.get().id
    before = vms_on(ovirt_connection, host_id)
    assert before
    host02.deactivate()
    wait_until(lambda: host02.get().status == H.MAINTENANCE)
    assert vms_on(ovirt_connection, host_id) == []
    for vm in before:
        moved = vms(ovirt_connection).vm_service(vm.id).get()
        assert moved.status == vm.status
        assert ovirt_connection.follow_link(moved.host).cluster.id == host02.get().cluster.id


def test_a_manual_clock_shows_a_host_preparing_for_maintenance(ovirt_engine, ovirt_connection):
    host02 = host_service(ovirt_connection, "host02")
    ovirt_engine.clock.set(mode="manual")
    host02.deactivate()
    assert host02.get().status == H.PREPARING_FOR_MAINTENANCE
    ovirt_engine.clock.advance()
    assert host02.get().status == H.MAINTENANCE


def test_an_activated_host_is_up_again(ovirt_connection):
    host02 = host_service(ovirt_connection, "host02")
    host02.deactivate()
    wait_until(lambda: host02.get().status == H.MAINTENANCE)
    host02.activate()
    assert wait_until(lambda: host02.get().status == H.UP)


def test_a_host_in_maintenance_refuses_maintenance_again(ovirt_connection):
    host02 = host_service(ovirt_connection, "host02")
    host02.deactivate()
    wait_until(lambda: host02.get().status == H.MAINTENANCE)
    with pytest.raises(sdk.Error) as refused:
        host02.deactivate()
    assert refused.value.code == 409
    assert refused.value.fault.detail == (
        "[Cannot switch Host to Maintenance mode. Host is already in Maintenance mode.]")


def test_a_vm_started_while_hosts_are_in_maintenance_runs_on_an_up_host(ovirt_connection):
    for name in ("host02", "host03"):
        service = host_service(ovirt_connection, name)
        service.deactivate()
        wait_until(lambda service=service: service.get().status == H.MAINTENANCE)
    vm = running(ovirt_connection).get()
    assert ovirt_connection.follow_link(vm.host).name == "myhost"


def test_an_added_host_installs_and_comes_up_in_its_cluster(ovirt_connection):
    added = add_host(ovirt_connection, "newhost", "10.0.9.1")
    host = wait_until(lambda: (h := added.get()).status == H.UP and h)
    assert (host.name, host.address) == ("newhost", "10.0.9.1")
    assert host.cluster.id == by_name(ovirt_connection.system_service().clusters_service(), "Default").id


def test_a_manual_clock_shows_an_added_host_installing_then_initializing(ovirt_engine, ovirt_connection):
    ovirt_engine.clock.set(mode="manual")
    added = add_host(ovirt_connection, "newhost", "10.0.9.1")
    seen = [added.get().status]
    host_id = added.get().id
    while ovirt_engine.clock.advance(host_id, steps=1):
        seen.append(added.get().status)
    assert seen == [H.INSTALLING, H.INITIALIZING, H.UP]


def test_a_host_in_maintenance_can_be_removed(ovirt_connection):
    added = add_host(ovirt_connection, "newhost", "10.0.9.1")
    wait_until(lambda: added.get().status == H.UP)
    added.deactivate()
    wait_until(lambda: added.get().status == H.MAINTENANCE)
    added.remove()
    with pytest.raises(sdk.NotFoundError):
        added.get()
    assert len(hosts(ovirt_connection).list()) == 6


def test_a_hosts_description_change_is_visible(ovirt_connection):
    myhost = host_service(ovirt_connection, "myhost")
    myhost.update(types.Host(description="rack 4, slot 2"))
    assert myhost.get().description == "rack 4, slot 2"


def test_a_host_has_a_nic_on_its_address(ovirt_connection):
    myhost = host_service(ovirt_connection, "myhost")
    host = myhost.get()
    nic, = myhost.nics_service().list()
    assert (nic.name, nic.ip.address, nic.status) == ("eth0", host.address, types.NicStatus.UP)
    assert nic.mac.address


def test_a_host_reports_its_memory_and_cpu_topology(ovirt_connection):
    host = host_service(ovirt_connection, "myhost").get()
    assert host.memory > 0
    topology = host.cpu.topology
    assert topology.sockets >= 1 and topology.cores >= 1 and topology.threads >= 1


def test_a_host_in_maintenance_moves_to_another_cluster(ovirt_connection):
    host02 = host_service(ovirt_connection, "host02")
    host02.deactivate()
    wait_until(lambda: host02.get().status == H.MAINTENANCE)
    cluster2 = by_name(ovirt_connection.system_service().clusters_service(), "cluster2")
    host02.update(types.Host(cluster=types.Cluster(id=cluster2.id)))
    assert host02.get().cluster.id == cluster2.id
    assert "host02" in [h.name for h in hosts(ovirt_connection).list(search="cluster=cluster2")]


def test_renaming_a_host_to_a_name_in_use_is_refused(ovirt_connection):
    host02 = host_service(ovirt_connection, "host02")
    with pytest.raises(sdk.Error) as refused:
        host02.update(types.Host(name="myhost"))
    assert refused.value.code == 409
    assert refused.value.fault.detail == (
        "[Cannot edit Host. The Host name is already in use, please choose a unique name and try again.]")
    assert host02.get().name == "host02"


def test_a_host_with_an_existing_hosts_address_is_refused(ovirt_connection):
    address = host_service(ovirt_connection, "myhost").get().address
    with pytest.raises(sdk.Error) as refused:
        add_host(ovirt_connection, "newhost", address)
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot add Host. Host with the same address already exists.]"
    assert "newhost" not in [h.name for h in hosts(ovirt_connection).list()]


def test_activating_an_up_host_is_refused(ovirt_connection):
    myhost = host_service(ovirt_connection, "myhost")
    with pytest.raises(sdk.Error) as refused:
        myhost.activate()
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot activate Host. Host in Up status.]"
    assert myhost.get().status == H.UP


def test_removing_an_up_host_is_refused(ovirt_connection):
    host02 = host_service(ovirt_connection, "host02")
    with pytest.raises(sdk.Error) as refused:
        host02.remove()
    assert refused.value.code == 409
    assert refused.value.fault.detail == (
        "[Cannot remove Host. Host is operational. Please switch Host to Maintenance mode first.]")
    assert host02.get().status == H.UP

