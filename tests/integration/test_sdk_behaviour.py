"""Engine behaviour through the unmodified SDK: VM power states, search, events and jobs.

Every test runs on SQLite and on PostgreSQL, with transitions 0.05 s apart, polling the way
client code polls.
"""
from __future__ import annotations

import itertools
import logging
import time
import uuid

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from engine_api.config import Config
from tests.helpers import row_counts, wait_for

pytestmark = pytest.mark.scenario("demo")

S = types.VmStatus


@pytest.fixture
def vms(connection):
    return connection.system_service().vms_service()


@pytest.fixture
def myvm(vms):
    """The service of the demo's ``myvm`` (down, one disk, one NIC)."""
    vm = vms.list(search="name=myvm")[0]
    assert vm.status == S.DOWN
    return vms.vm_service(vm.id)


def poll_statuses(service, until, timeout=10.0):
    """Poll ``get()`` until the VM is in ``until``; the statuses seen, in order, without repeats."""
    seen = []

    def reached():
        status = service.get().status
        if not seen or seen[-1] != status:
            seen.append(status)
        return status == until

    wait_for(reached, timeout=timeout, interval=0.01)
    return seen


def host_name(connection, vm):
    return connection.follow_link(vm.host).name if vm.host is not None else None


def codes_since(connection, event_id, vm_id=None):
    events = connection.system_service().events_service().list(from_=event_id)
    return [e.code for e in reversed(events) if vm_id is None or (e.vm is not None and e.vm.id == vm_id)]


def last_event_id(connection):
    return int(connection.system_service().events_service().list(max=1)[0].id)


def test_start_polls_to_up_then_stop_gives_down(connection, myvm):
    before = last_event_id(connection)
    myvm.start()
    seen = poll_statuses(myvm, S.UP)
    assert seen[0] in (S.WAIT_FOR_LAUNCH, S.POWERING_UP)
    assert S.UP == seen[-1] and set(seen) <= {S.WAIT_FOR_LAUNCH, S.POWERING_UP, S.UP}
    vm = myvm.get()
    assert vm.host is not None and vm.start_time is not None
    cluster_id = vm.cluster.id
    assert connection.follow_link(vm.host).cluster.id == cluster_id

    myvm.stop()
    poll_statuses(myvm, S.DOWN)
    vm = myvm.get()
    assert vm.host is None and vm.stop_time is not None
    assert codes_since(connection, before, vm.id) == [153, 32, 33, 61]


def test_start_places_on_the_least_loaded_up_host_of_the_cluster(connection, vms, myvm):
    hosts = connection.system_service().hosts_service().list(search="cluster=Default")
    load = {h.name: 0 for h in hosts}
    for vm in vms.list(search="cluster=Default"):
        if vm.host is not None:
            load[host_name(connection, vm)] += 1
    myvm.start()
    poll_statuses(myvm, S.UP)
    chosen = host_name(connection, myvm.get())
    assert load[chosen] == min(load.values())


def test_start_on_the_host_asked_for(connection, myvm):
    target = "host03"
    myvm.start(vm=types.Vm(placement_policy=types.VmPlacementPolicy(hosts=[types.Host(name=target)])))
    poll_statuses(myvm, S.UP)
    assert host_name(connection, myvm.get()) == target


def test_start_on_a_host_of_another_cluster_is_refused(engine, connection, myvm):
    before = row_counts(engine.db)
    with pytest.raises(sdk.Error) as refused:
        myvm.start(vm=types.Vm(placement_policy=types.VmPlacementPolicy(hosts=[types.Host(name="host04")])))
    assert refused.value.code == 409
    assert "does not belong to the VM's Cluster" in str(refused.value)
    assert row_counts(engine.db) == before
    assert myvm.get().status == S.DOWN


def test_starting_a_running_vm_raises_409_and_changes_nothing(engine, myvm):
    myvm.start()
    poll_statuses(myvm, S.UP)
    before = row_counts(engine.db)
    with pytest.raises(sdk.Error) as refused:
        myvm.start()
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot run VM. VM is running.]"
    assert row_counts(engine.db) == before
    assert myvm.get().status == S.UP


@pytest.mark.parametrize("action, detail", [
    ("stop", "[Cannot stop VM. VM is not running.]"),
    ("shutdown", "[Cannot shutdown VM. VM is not running.]"),
    ("suspend", "[Cannot hibernate VM. VM is not up.]"),
    ("reboot", "[Cannot restart VM because the VM is in Down status.]"),
    ("reset", "[Cannot reset VM because the VM is in Down status.]"),
    ("migrate", "[Cannot migrate VM. VM is not running.]"),
    ("cancel_migration", "[Cannot cancel migration of VM. VM is not being migrated.]"),
])
def test_actions_on_a_down_vm_are_refused(engine, myvm, action, detail):
    before = row_counts(engine.db)
    with pytest.raises(sdk.Error) as refused:
        getattr(myvm, action)()
    assert refused.value.code == 409
    assert refused.value.fault.detail == detail
    assert row_counts(engine.db) == before
    assert myvm.get().status == S.DOWN


def test_shutdown_powers_down(connection, myvm):
    myvm.start()
    poll_statuses(myvm, S.UP)
    before = last_event_id(connection)
    myvm.shutdown()
    assert poll_statuses(myvm, S.DOWN) in ([S.POWERING_DOWN, S.DOWN], [S.DOWN])
    assert myvm.get().host is None
    assert codes_since(connection, before) == [73, 61]


def test_suspend_then_start_again_restores(connection, myvm):
    myvm.start()
    poll_statuses(myvm, S.UP)
    myvm.suspend()
    seen = poll_statuses(myvm, S.SUSPENDED)
    assert set(seen) <= {S.SAVING_STATE, S.SUSPENDED}
    assert myvm.get().host is None
    with pytest.raises(sdk.Error) as refused:
        myvm.suspend()
    assert refused.value.code == 409
    myvm.start()
    seen = poll_statuses(myvm, S.UP)
    assert set(seen) <= {S.RESTORING_STATE, S.UP}
    assert myvm.get().host is not None


def test_reboot_comes_back_up(connection, myvm):
    myvm.start()
    poll_statuses(myvm, S.UP)
    host = host_name(connection, myvm.get())
    before = last_event_id(connection)
    myvm.reboot()
    assert set(poll_statuses(myvm, S.UP)) <= {S.REBOOT_IN_PROGRESS, S.UP}
    assert host_name(connection, myvm.get()) == host
    assert 157 in codes_since(connection, before)


def test_migrate_moves_to_another_host_and_cancel_is_refused_afterwards(connection, myvm):
    myvm.start()
    poll_statuses(myvm, S.UP)
    source = host_name(connection, myvm.get())
    before = last_event_id(connection)
    myvm.migrate()
    assert set(poll_statuses(myvm, S.UP)) <= {S.MIGRATING, S.UP}
    destination = host_name(connection, myvm.get())
    assert destination != source
    cluster_hosts = {h.name for h in connection.system_service().hosts_service().list(search="cluster=Default")}
    assert destination in cluster_hosts
    assert codes_since(connection, before) == [62, 63]

    myvm.migrate(host=types.Host(name=source))
    poll_statuses(myvm, S.UP)
    assert host_name(connection, myvm.get()) == source
    with pytest.raises(sdk.Error) as refused:
        myvm.migrate(host=types.Host(name=source))
    assert refused.value.code == 409
    with pytest.raises(sdk.Error) as refused:
        myvm.cancel_migration()
    assert refused.value.code == 409


def test_cancel_migration_keeps_the_vm_on_its_host(engine, connection, myvm):
    myvm.start()
    poll_statuses(myvm, S.UP)
    source = host_name(connection, myvm.get())
    engine.set_transition_delay(30)
    myvm.migrate()
    assert myvm.get().status == S.MIGRATING
    myvm.cancel_migration()
    vm = myvm.get()
    assert vm.status == S.UP and host_name(connection, vm) == source


def test_default_timing_suits_a_client_polling_every_second(engine, myvm, monkeypatch):
    monkeypatch.delenv("ENGINE_EMU_TRANSITION_DELAY", raising=False)
    engine.set_transition_delay(Config().transition_delay)
    myvm.start()
    polls = 0
    while myvm.get().status != S.UP:
        polls += 1
        assert polls <= 3, "a client polling every second must see up within a few seconds"
        time.sleep(1)
    assert polls >= 1, "the default delay is long enough to see the transitional states"


def test_pause_then_start_resumes(connection, myvm):
    myvm.start(pause=True)
    assert set(poll_statuses(myvm, S.PAUSED)) <= {S.WAIT_FOR_LAUNCH, S.PAUSED}
    before = last_event_id(connection)
    myvm.start()
    assert myvm.get().status == S.UP
    assert codes_since(connection, before) == [40]


def test_stop_during_launch_aborts_the_start(engine, connection, myvm):
    engine.set_transition_delay(30)
    correlation = f"start-{uuid.uuid4()}"
    myvm.start(query={"correlation_id": correlation})
    assert myvm.get().status == S.WAIT_FOR_LAUNCH
    myvm.stop()
    assert myvm.get().status == S.DOWN
    jobs = connection.system_service().jobs_service().list(search=f"correlation_id={correlation}")
    assert [j.status for j in jobs] == [types.JobStatus.ABORTED]


# -- search ---------------------------------------------------------------------------------

def test_search_with_wildcard(vms):
    assert [v.name for v in vms.list(search="name=my*")] == ["myvm"]
    assert [v.name for v in vms.list(search="name=demo-0*")] == [f"demo-0{i}" for i in range(1, 10)]


def test_search_status_and_cluster(connection, vms):
    everything = vms.list()
    default = next(c for c in connection.system_service().clusters_service().list() if c.name == "Default")
    expected = sorted(v.name for v in everything if v.status == S.UP and v.cluster.id == default.id)
    found = [v.name for v in vms.list(search="status=up and cluster=Default")]
    assert found == expected and expected
    assert all(v.status == S.UP for v in vms.list(search="status=up and cluster=Default"))
    assert {v.name for v in vms.list(search="status=poweringup")} == {
        v.name for v in everything if v.status == S.POWERING_UP}


def test_search_case_sensitivity(vms):
    assert [v.name for v in vms.list(search="name=MYVM", case_sensitive=False)] == ["myvm"]
    assert vms.list(search="name=MYVM", case_sensitive=True) == []
    assert [v.name for v in vms.list(search="name=myvm", case_sensitive=True)] == ["myvm"]


def test_paging_yields_every_vm_once_in_name_order(vms):
    names = []
    for page in itertools.count(1):
        batch = vms.list(search=f"page {page}", max=1)
        if not batch:
            break
        assert len(batch) == 1
        names.append(batch[0].name)
    everything = [v.name for v in vms.list()]
    assert len(names) == len(everything) == 37
    assert names == sorted(everything)
    assert len(set(names)) == len(names)


def test_invalid_search_answers_an_empty_list_and_is_logged(vms, caplog):
    with caplog.at_level(logging.INFO, logger="engine_api.services.searching"):
        assert vms.list(search="name=") == []
        assert vms.list(search="colour=blue") == []
    logged = [r.getMessage() for r in caplog.records if r.name == "engine_api.services.searching"]
    assert any("'colour=blue'" in message for message in logged)
    assert any("'name='" in message for message in logged)


# -- events ---------------------------------------------------------------------------------

def test_events_from_returns_exactly_what_happened_in_between(connection, myvm):
    events = connection.system_service().events_service()
    latest = events.list(max=1)
    assert len(latest) == 1
    mark = int(latest[0].id)
    assert all(int(e.id) <= mark for e in events.list())
    myvm.start()
    poll_statuses(myvm, S.UP)
    myvm.stop()
    new = events.list(from_=mark)
    assert [int(e.id) for e in new] == sorted((int(e.id) for e in new), reverse=True)
    assert all(int(e.id) > mark for e in new)
    assert [e.code for e in reversed(new)] == [153, 32, 33, 61]
    assert {e.vm.id for e in new} == {myvm.get().id}
    everything = events.list()
    assert [e.id for e in everything if int(e.id) > mark] == [e.id for e in new]
    assert events.list(from_=int(new[0].id)) == []


def test_event_search(connection, myvm):
    events = connection.system_service().events_service()
    correlation = str(uuid.uuid4())
    myvm.start(query={"correlation_id": correlation})
    poll_statuses(myvm, S.UP)
    host = host_name(connection, myvm.get())
    by_correlation = events.list(search=f"correlation_id={correlation}")
    assert [e.code for e in by_correlation] == [32, 153]
    assert all(e.correlation_id == correlation for e in by_correlation)
    assert [e.code for e in events.list(search="type=153")] == [153]
    assert {e.code for e in events.list(search="event_vm=myvm")} == {153, 32}
    assert {e.code for e in events.list(search=f"event_host={host} and event_vm=myvm")} == {153, 32}
    assert events.list(search="severity=error") == []
    assert len(events.list(search="severity=normal")) == len(events.list())


def test_external_event(connection):
    events = connection.system_service().events_service()
    added = events.add(types.Event(description="Disk almost full", severity=types.LogSeverity.WARNING,
                                   origin="mymonitor", custom_id=4711))
    assert added.id and added.severity == types.LogSeverity.WARNING
    assert events.list(max=1)[0].id == added.id
    found = events.list(search="severity=warning")
    assert [e.description for e in found] == ["Disk almost full"]
    assert found[0].origin == "mymonitor"


# -- jobs -----------------------------------------------------------------------------------

def wait_for_jobs(connection, correlation_id, timeout=10.0):
    """What client code (the Ansible modules) does: poll jobs by correlation id until all ended."""
    jobs = connection.system_service().jobs_service()

    def ended():
        found = jobs.list(search=f"correlation_id={correlation_id}")
        return found if found and all(j.status != types.JobStatus.STARTED for j in found) else None

    return wait_for(ended, timeout=timeout)


def test_waiting_on_jobs_by_correlation_id_ends(connection, myvm):
    correlation = f"ansible-{uuid.uuid4()}"
    myvm.start(query={"correlation_id": correlation})
    jobs = wait_for_jobs(connection, correlation)
    assert [(j.description, j.status) for j in jobs] == [("Launching VM myvm", types.JobStatus.FINISHED)]
    assert jobs[0].end_time is not None
    assert myvm.get().status == S.UP

    system = connection.system_service()
    disk_correlation = f"disk-{uuid.uuid4()}"
    disk = system.disks_service().add(
        types.Disk(name="jobdisk", format=types.DiskFormat.COW, provisioned_size=2**30,
                   storage_domains=[types.StorageDomain(name="mydata")]),
        query={"correlation_id": disk_correlation})
    jobs = wait_for_jobs(connection, disk_correlation)
    assert [j.status for j in jobs] == [types.JobStatus.FINISHED]
    assert system.disks_service().disk_service(disk.id).get().status == types.DiskStatus.OK
    codes = [e.code for e in system.events_service().list(search=f"correlation_id={disk_correlation}")]
    assert codes == [2021, 2020]


# -- hosts ----------------------------------------------------------------------------------

def test_host_maintenance_migrates_the_vms_away_first(engine, connection, vms, myvm):
    hosts = connection.system_service().hosts_service()
    myvm.start(vm=types.Vm(placement_policy=types.VmPlacementPolicy(hosts=[types.Host(name="host03")])))
    poll_statuses(myvm, S.UP)
    host = hosts.list(search="name=host03")[0]
    service = hosts.host_service(host.id)
    on_host = [v for v in vms.list() if v.host is not None and v.host.id == host.id]
    assert "myvm" in {v.name for v in on_host}

    service.deactivate()
    assert service.get().status in (types.HostStatus.PREPARING_FOR_MAINTENANCE, types.HostStatus.MAINTENANCE)
    wait_for(lambda: service.get().status == types.HostStatus.MAINTENANCE)
    for vm in on_host:
        moved = vms.vm_service(vm.id).get()
        assert moved.status == vm.status and moved.host.id != host.id, vm.name
    assert [v for v in vms.list() if v.host is not None and v.host.id == host.id] == []
    with pytest.raises(sdk.Error) as refused:
        myvm.migrate(host=types.Host(name="host03"))
    assert refused.value.code == 409
    with pytest.raises(sdk.Error) as refused:
        service.deactivate()
    assert refused.value.code == 409

    service.activate()
    wait_for(lambda: service.get().status == types.HostStatus.UP)
    codes = [e.code for e in connection.system_service().events_service().list(search="event_host=host03")]
    assert codes[:4] == [13, 16, 15, 600]
    with pytest.raises(sdk.Error) as refused:
        service.activate()
    assert refused.value.code == 409


def test_adds_and_removes_write_the_engines_events(engine, connection):
    engine.set_transition_delay(0)
    system = connection.system_service()
    events = system.events_service()

    def codes_of(action):
        mark = last_event_id(connection)
        action()
        return [e.code for e in reversed(events.list(from_=mark))]

    dcs, clusters, networks = system.data_centers_service(), system.clusters_service(), system.networks_service()
    assert codes_of(lambda: dcs.add(types.DataCenter(name="dc2", local=False))) == [950]
    assert codes_of(lambda: clusters.add(types.Cluster(name="c3", data_center=types.DataCenter(name="dc2"),
                                                       cpu=types.Cpu(type="Intel Nehalem Family")))) == [809]
    network = None

    def add_network():
        nonlocal network
        network = networks.add(types.Network(name="net2", data_center=types.DataCenter(name="dc2")))

    assert codes_of(add_network) == [942]
    profiles = networks.network_service(network.id).vnic_profiles_service()
    profile = None

    def add_profile():
        nonlocal profile
        profile = profiles.add(types.VnicProfile(name="extra"))

    assert codes_of(add_profile) == [1122]
    assert codes_of(lambda: system.vnic_profiles_service().profile_service(profile.id).remove()) == [1126]
    cluster = clusters.list(search="name=c3")[0]
    cluster_networks = clusters.cluster_service(cluster.id).networks_service()
    assert codes_of(lambda: cluster_networks.add(types.Network(id=network.id))) == [946]
    assert codes_of(lambda: cluster_networks.network_service(network.id).remove()) == [948]
    assert codes_of(lambda: networks.network_service(network.id).remove()) == [944]
    assert codes_of(lambda: clusters.cluster_service(cluster.id).remove()) == [813]
    assert codes_of(lambda: dcs.data_center_service(dcs.list(search="name=dc2")[0].id).remove()) == [954]

    vms = system.vms_service()
    vm = vms.add(types.Vm(name="evvm", cluster=types.Cluster(name="Default"), template=types.Template(name="Blank")))
    nics = vms.vm_service(vm.id).nics_service()
    nic = nics.add(types.Nic(name="nic1"))
    assert codes_of(lambda: nics.nic_service(nic.id).remove()) == [930]
    disk = system.disks_service().add(types.Disk(name="loose", format=types.DiskFormat.RAW, provisioned_size=2**30,
                                                 storage_domains=[types.StorageDomain(name="mydata")]))
    attachments = vms.vm_service(vm.id).disk_attachments_service()
    assert codes_of(lambda: attachments.add(types.DiskAttachment(
        disk=types.Disk(id=disk.id), interface=types.DiskInterface.VIRTIO, active=True))) == [2016]
    assert codes_of(lambda: attachments.attachment_service(disk.id).remove()) == [2018]
    assert codes_of(lambda: system.disks_service().disk_service(disk.id).remove()) == [2014]
    templates = system.templates_service()
    template = None

    def add_template():
        nonlocal template
        template = templates.add(types.Template(name="evtemplate", vm=types.Vm(id=vm.id)))

    assert codes_of(add_template) == [48, 51]
    assert codes_of(lambda: templates.template_service(template.id).remove()) == [50, 251]
    assert codes_of(lambda: vms.vm_service(vm.id).remove()) == [113]


def test_forced_removal_of_a_data_center_detaches_its_clusters_and_storage(connection):
    system = connection.system_service()
    dc = system.data_centers_service().list(search="name=Default")[0]
    service = system.data_centers_service().data_center_service(dc.id)
    with pytest.raises(sdk.Error) as refused:
        service.remove()
    assert refused.value.code == 409
    service.remove(force=True)
    assert system.data_centers_service().list() == []
    assert all(c.data_center is None for c in system.clusters_service().list())
    storage = system.storage_domains_service().list(search="name=mydata")[0]
    assert storage.status == types.StorageDomainStatus.UNATTACHED and storage.data_center is None
    assert system.events_service().list(max=1)[0].code == 954
