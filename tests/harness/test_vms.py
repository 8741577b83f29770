"""VMs: add, update and remove, and the power actions with the states they pass and refuse."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import (
    GiB,
    by_name,
    host_name,
    new_vm,
    running,
    vm_service,
    vms,
    wait_status,
    wait_until,
)

S = types.VmStatus
BLANK = "00000000-0000-0000-0000-000000000000"


def test_a_new_vm_is_down_in_its_cluster_with_the_blank_templates_memory(ovirt_connection):
    vm = new_vm(ovirt_connection, "fresh").get()
    cluster = by_name(ovirt_connection.system_service().clusters_service(), "Default")
    assert vm.status == S.DOWN
    assert vm.cluster.id == cluster.id
    assert vm.template.id == BLANK
    assert vm.memory == GiB
    assert vm.host is None


def test_a_new_vm_keeps_the_attributes_it_was_given(ovirt_connection):
    vm = new_vm(ovirt_connection, "sized", memory=4 * GiB, description="a web server",
                type=types.VmType.DESKTOP, os=types.OperatingSystem(type="rhel_9x64"),
                cpu=types.Cpu(topology=types.CpuTopology(sockets=2, cores=4, threads=1))).get()
    assert (vm.memory, vm.description, vm.type, vm.os.type) == (4 * GiB, "a web server", types.VmType.DESKTOP,
                                                                 "rhel_9x64")
    assert (vm.cpu.topology.sockets, vm.cpu.topology.cores, vm.cpu.topology.threads) == (2, 4, 1)


def test_a_vm_added_to_a_cluster_by_id_lands_there(ovirt_connection):
    cluster = by_name(ovirt_connection.system_service().clusters_service(), "cluster2")
    vm = vms(ovirt_connection).add(types.Vm(name="by-id", cluster=types.Cluster(id=cluster.id),
                                            template=types.Template(id=BLANK)))
    assert vm.cluster.id == cluster.id
    assert [v.name for v in vms(ovirt_connection).list(search="cluster=cluster2 and name=by-id")] == ["by-id"]


def test_updating_a_down_vm_is_visible_in_a_later_read(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    myvm.update(types.Vm(memory=2 * GiB, description="resized"))
    vm = myvm.get()
    assert (vm.memory, vm.description) == (2 * GiB, "resized")


def test_a_renamed_vm_is_found_by_its_new_name_only(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    myvm.update(types.Vm(name="renamed"))
    assert [v.id for v in vms(ovirt_connection).list(search="name=renamed")] == [myvm.get().id]
    assert vms(ovirt_connection).list(search="name=myvm") == []


def test_a_running_vms_description_changes_at_once(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-02")
    demo.update(types.Vm(description="changed while up"))
    vm = demo.get()
    assert vm.description == "changed while up" and vm.status == S.UP


def test_a_removed_vm_is_gone_from_the_list_and_its_url(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    vm_id = myvm.get().id
    myvm.remove()
    with pytest.raises(sdk.NotFoundError):
        myvm.get()
    assert vm_id not in [v.id for v in vms(ovirt_connection).list()]
    assert len(vms(ovirt_connection).list()) == 36


def test_removing_a_vm_removes_its_disks(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    disk_id = myvm.disk_attachments_service().list()[0].disk.id
    myvm.remove()
    with pytest.raises(sdk.NotFoundError):
        ovirt_connection.system_service().disks_service().disk_service(disk_id).get()


def test_removing_a_vm_with_detach_only_keeps_its_disks(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    disk_id = myvm.disk_attachments_service().list()[0].disk.id
    myvm.remove(detach_only=True)
    disk = ovirt_connection.system_service().disks_service().disk_service(disk_id).get()
    assert disk.name == "myvm_Disk1"


def test_removing_a_running_vm_is_refused(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-02")
    with pytest.raises(sdk.Error) as refused:
        demo.remove()
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot remove VM. VM is running.]"
    assert demo.get().status == S.UP


def test_start_runs_the_vm_on_an_up_host_of_its_cluster(ovirt_connection):
    vm = running(ovirt_connection).get()
    host = ovirt_connection.follow_link(vm.host)
    assert host.status == types.HostStatus.UP
    assert host.cluster.id == vm.cluster.id
    assert vm.start_time is not None


def test_start_places_the_vm_on_the_host_asked_for(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    myvm.start(vm=types.Vm(placement_policy=types.VmPlacementPolicy(hosts=[types.Host(name="host02")])))
    assert host_name(ovirt_connection, wait_status(myvm, S.UP)) == "host02"


def test_starting_a_running_vm_is_refused(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-02")
    with pytest.raises(sdk.Error) as refused:
        demo.start()
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot run VM. VM is running.]"


def test_stop_powers_the_vm_off_and_frees_its_host(ovirt_connection):
    myvm = running(ovirt_connection)
    myvm.stop()
    vm = wait_status(myvm, S.DOWN)
    assert vm.host is None and vm.stop_time is not None


def test_stopping_a_down_vm_is_refused(ovirt_connection):
    with pytest.raises(sdk.Error) as refused:
        vm_service(ovirt_connection, "myvm").stop()
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot stop VM. VM is not running.]"


def test_shutdown_brings_an_up_vm_down(ovirt_connection):
    myvm = running(ovirt_connection)
    myvm.shutdown()
    assert wait_status(myvm, S.DOWN).host is None


def test_a_manual_clock_shows_shutdown_passing_powering_down(ovirt_engine, ovirt_connection):
    myvm = running(ovirt_connection)
    ovirt_engine.clock.set(mode="manual")
    myvm.shutdown()
    assert myvm.get().status == S.POWERING_DOWN
    ovirt_engine.clock.advance(myvm.get().id)
    assert myvm.get().status == S.DOWN


def test_suspend_saves_the_vm_off_its_host_and_start_restores_it(ovirt_connection):
    myvm = running(ovirt_connection)
    myvm.suspend()
    assert wait_status(myvm, S.SUSPENDED).host is None
    myvm.start()
    assert wait_status(myvm, S.UP).host is not None


def test_stopping_a_suspended_vm_discards_its_saved_state(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-07")
    assert demo.get().status == S.SUSPENDED
    demo.stop()
    assert wait_status(demo, S.DOWN).host is None


def test_reboot_brings_the_vm_back_up_on_the_same_host(ovirt_connection):
    myvm = running(ovirt_connection)
    host = myvm.get().host.id
    myvm.reboot()
    assert wait_status(myvm, S.UP).host.id == host


def test_a_manual_clock_shows_reboot_in_progress(ovirt_engine, ovirt_connection):
    myvm = running(ovirt_connection)
    ovirt_engine.clock.set(mode="manual")
    myvm.reboot()
    assert myvm.get().status == S.REBOOT_IN_PROGRESS


def test_reset_keeps_the_vm_up_on_its_host(ovirt_connection):
    myvm = running(ovirt_connection)
    host = myvm.get().host.id
    myvm.reset()
    vm = wait_status(myvm, S.UP)
    assert vm.host.id == host


def test_starting_paused_then_starting_again_resumes(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    myvm.start(pause=True)
    assert wait_status(myvm, S.PAUSED).host is not None
    myvm.start()
    assert wait_status(myvm, S.UP).host is not None


def test_a_paused_vm_can_be_stopped(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-06")
    assert demo.get().status == S.PAUSED
    demo.stop()
    assert wait_status(demo, S.DOWN).host is None


def test_migrate_moves_the_vm_to_another_host_of_its_cluster(ovirt_connection):
    myvm = running(ovirt_connection)
    source = myvm.get().host.id
    myvm.migrate()
    vm = wait_status(myvm, S.UP)
    destination = ovirt_connection.follow_link(vm.host)
    assert destination.id != source
    assert destination.cluster.id == vm.cluster.id


def test_migrate_to_a_named_host_lands_there(ovirt_connection):
    myvm = running(ovirt_connection)
    target = "host03" if host_name(ovirt_connection, myvm.get()) != "host03" else "host02"
    myvm.migrate(host=types.Host(name=target))
    assert host_name(ovirt_connection, wait_status(myvm, S.UP)) == target


def test_a_manual_clock_shows_the_vm_migrating_until_it_lands(ovirt_engine, ovirt_connection):
    myvm = running(ovirt_connection)
    source = myvm.get().host.id
    ovirt_engine.clock.set(mode="manual")
    myvm.migrate()
    assert myvm.get().status == S.MIGRATING
    ovirt_engine.clock.advance(myvm.get().id)
    vm = myvm.get()
    assert vm.status == S.UP and vm.host.id != source


def test_cancelling_a_migration_keeps_the_vm_on_its_source_host(ovirt_engine, ovirt_connection):
    myvm = running(ovirt_connection)
    source = myvm.get().host.id
    ovirt_engine.clock.set(mode="manual")
    myvm.migrate()
    myvm.cancel_migration()
    vm = myvm.get()
    assert vm.status == S.UP and vm.host.id == source


def test_migrating_a_down_vm_is_refused(ovirt_connection):
    with pytest.raises(sdk.Error) as refused:
        vm_service(ovirt_connection, "myvm").migrate()
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot migrate VM. VM is not running.]"


def test_a_stopped_vm_can_be_started_again(ovirt_connection):
    myvm = running(ovirt_connection)
    myvm.stop()
    wait_status(myvm, S.DOWN)
    myvm.start()
    assert wait_status(myvm, S.UP).host is not None


def test_a_second_vm_of_the_same_name_is_refused(ovirt_connection):
    with pytest.raises(sdk.Error) as refused:
        new_vm(ovirt_connection, "myvm")
    assert refused.value.code == 409
    assert refused.value.fault.detail == (
        "[Cannot add VM. The VM name is already in use, please choose a unique name and try again.]")
    assert [vm.name for vm in vms(ovirt_connection).list(search="name=myvm")] == ["myvm"]


def test_renaming_a_vm_to_a_name_in_use_is_refused(ovirt_connection):
    myvm = vm_service(ovirt_connection, "myvm")
    with pytest.raises(sdk.Error) as refused:
        myvm.update(types.Vm(name="demo-02"))
    assert refused.value.code == 409
    assert refused.value.fault.detail == (
        "[Cannot edit VM. The VM name is already in use, please choose a unique name and try again.]")
    assert myvm.get().name == "myvm"


@pytest.mark.parametrize("action, detail", [
    ("suspend", "[Cannot hibernate VM. VM is not up.]"),
    ("reboot", "[Cannot restart VM because the VM is in Down status.]"),
    ("reset", "[Cannot reset VM because the VM is in Down status.]"),
    ("shutdown", "[Cannot shutdown VM. VM is not running.]"),
], ids=["suspend", "reboot", "reset", "shutdown"])
def test_a_power_action_on_a_down_vm_is_refused_with_the_engines_message(ovirt_connection, action, detail):
    myvm = vm_service(ovirt_connection, "myvm")
    with pytest.raises(sdk.Error) as refused:
        getattr(myvm, action)()
    assert refused.value.code == 409
    assert refused.value.fault.detail == detail
    assert myvm.get().status == S.DOWN


def test_migrating_a_vm_to_its_own_host_is_refused(ovirt_connection):
    myvm = running(ovirt_connection)
    host = myvm.get().host
    with pytest.raises(sdk.Error) as refused:
        myvm.migrate(host=types.Host(id=host.id))
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot migrate VM. source and destination is the same.]"
    vm = myvm.get()
    assert (vm.status, vm.host.id) == (S.UP, host.id)


def test_migrating_a_vm_to_a_host_that_is_not_up_is_refused(ovirt_connection):
    myvm = running(ovirt_connection)
    source = myvm.get().host.id
    target = next(h for h in ovirt_connection.system_service().hosts_service().list(search="cluster=Default")
                  if h.id != source)
    target_service = ovirt_connection.system_service().hosts_service().host_service(target.id)
    target_service.deactivate()
    wait_until(lambda: target_service.get().status == types.HostStatus.MAINTENANCE)
    with pytest.raises(sdk.Error) as refused:
        myvm.migrate(host=types.Host(id=target.id))
    assert refused.value.code == 409
    assert refused.value.fault.detail == (
        "[Cannot migrate VM. Operation can be performed only when Host status is Up.]")
    assert myvm.get().host.id == source

