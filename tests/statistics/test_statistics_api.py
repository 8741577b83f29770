"""Statistics through the API: VMs, hosts, NICs and disks, as sub-collections and ``follow=statistics``."""
from __future__ import annotations

import re
import uuid

import ovirtsdk4.types as types
import pytest

from engine_api.statistics import simulate
from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")


def _by_name(statistics):
    return {s.name: s for s in statistics}


def _datum(statistic):
    return statistic.values[0].datum


def _statements(answer) -> int:
    match = re.search(r'sql;dur=[0-9.]+;desc="(\d+) statements"', answer.headers["Server-Timing"])
    assert match, answer.headers["Server-Timing"]
    return int(match.group(1))


@pytest.fixture
def system(connection):
    return connection.system_service()


def _running_vm(system):
    return next(vm for vm in system.vms_service().list() if vm.status == types.VmStatus.UP)


def test_a_running_vms_statistics_are_the_engines_catalogue_with_its_figures(system):
    vm = _running_vm(system)
    statistics = system.vms_service().vm_service(vm.id).statistics_service().list()
    assert [s.name for s in statistics] == [d.name for d in simulate.VM]
    found = _by_name(statistics)
    installed = found["memory.installed"]
    assert installed.id == "5a89a1d2-32be-33f7-a0d1-f8b5bc974ff6"
    assert installed.vm.id == vm.id and installed.href.endswith(f"/vms/{vm.id}/statistics/{installed.id}")
    assert (installed.kind, installed.type, installed.unit) == (
        types.StatisticKind.GAUGE, types.ValueType.INTEGER, types.StatisticUnit.BYTES)
    assert _datum(installed) == vm.memory
    assert 0 < _datum(found["memory.used"]) <= vm.memory
    assert _datum(found["elapsed.time"]) > 0
    assert found["cpu.current.total"].unit == types.StatisticUnit.PERCENT
    one = system.vms_service().vm_service(vm.id).statistics_service().statistic_service(installed.id).get()
    assert (one.name, _datum(one)) == ("memory.installed", vm.memory)


def test_a_down_vm_reports_its_installed_memory_and_zeros(system):
    vm = system.vms_service().list(search="name=myvm")[0]
    assert vm.status == types.VmStatus.DOWN
    found = _by_name(system.vms_service().vm_service(vm.id).statistics_service().list())
    assert _datum(found["memory.installed"]) == vm.memory
    for name in ("memory.used", "cpu.current.total", "network.current.total", "elapsed.time"):
        assert _datum(found[name]) == 0, name
    assert found["cpu.usage.history"].values == []


def test_starting_a_vm_makes_its_figures_move_from_zero(connection, system):
    vms = system.vms_service()
    vm = vms.list(search="name=myvm")[0]
    service = vms.vm_service(vm.id)
    service.start()
    wait_for(lambda: service.get().status == types.VmStatus.UP)
    found = _by_name(service.statistics_service().list())
    assert _datum(found["memory.used"]) > 0
    assert _datum(found["cpu.current.total"]) > 0
    service.stop()
    wait_for(lambda: service.get().status == types.VmStatus.DOWN)
    assert _datum(_by_name(service.statistics_service().list())["memory.used"]) == 0


def test_a_host_adds_up_the_vms_it_runs(system):
    vms = [vm for vm in system.vms_service().list(search="status=up") if vm.host is not None]
    host_id = vms[0].host.id
    on_host = [vm for vm in vms if vm.host.id == host_id]
    vm_used = sum(_datum(_by_name(system.vms_service().vm_service(vm.id).statistics_service().list())["memory.used"])
                  for vm in on_host)
    host = system.hosts_service().host_service(host_id)
    found = _by_name(host.statistics_service().list())
    assert [s.name for s in host.statistics_service().list()][:13] == [d.name for d in simulate.HOST]
    assert found["memory.total"].host.id == host_id
    assert _datum(found["memory.total"]) == host.get().memory
    assert _datum(found["memory.used"]) >= vm_used
    assert _datum(found["memory.used"]) + _datum(found["memory.free"]) == _datum(found["memory.total"])


def test_nic_and_disk_statistics(system):
    vm = _running_vm(system)
    vm_service = system.vms_service().vm_service(vm.id)
    nic = vm_service.nics_service().list()[0]
    nic_stats = vm_service.nics_service().nic_service(nic.id).statistics_service().list()
    assert [s.name for s in nic_stats] == [d.name for d in simulate.NIC]
    assert {s.nic.id for s in nic_stats} == {nic.id}
    host = system.hosts_service().host_service(vm.host.id)
    host_nic = host.nics_service().list()[0]
    host_nic_stats = host.nics_service().nic_service(host_nic.id).statistics_service().list()
    assert [s.name for s in host_nic_stats] == [d.name for d in simulate.HOST_NIC]
    assert {s.host_nic.id for s in host_nic_stats} == {host_nic.id}
    attachment = vm_service.disk_attachments_service().list()[0]
    disk_stats = system.disks_service().disk_service(attachment.disk.id).statistics_service().list()
    assert [s.name for s in disk_stats] == [d.name for d in simulate.DISK]
    assert {s.disk.id for s in disk_stats} == {attachment.disk.id}


def test_unknown_owners_and_statistics_are_404_faults(http, engine, system):
    vm = _running_vm(system)
    base = engine.url + f"/vms/{vm.id}"
    nic = system.vms_service().vm_service(vm.id).nics_service().list()[0]
    for path in (f"/vms/{uuid.uuid4()}/statistics", f"{base}/nics/{uuid.uuid4()}/statistics",
                 f"{base}/nics/{nic.id}/statistics/{uuid.uuid4()}", f"{base}/statistics/not-one"):
        answer = http.get(path if path.startswith("http") else engine.url + path)
        assert answer.status_code == 404, path
        assert b"<fault>" in answer.content
    assert http.post(f"{base}/statistics", data="<statistic/>",
                     headers={"Content-Type": "application/xml"}).status_code == 405


def test_follow_statistics_inlines_every_vms_statistics(connection, system):
    vms = system.vms_service().list(follow="statistics")
    assert vms and all([s.name for s in vm.statistics] == [d.name for d in simulate.VM] for vm in vms)
    hosts = system.hosts_service().list(follow="statistics,nics")
    assert all(host.statistics and host.nics for host in hosts)


def test_follow_statistics_and_the_sub_collection_agree(http, engine, system):
    vm = _running_vm(system)
    followed = http.get(engine.url + f"/vms/{vm.id}", params={"follow": "statistics"},
                        headers={"Accept": "application/json"}).json()
    listed = http.get(engine.url + f"/vms/{vm.id}/statistics", headers={"Accept": "application/json"}).json()
    names = lambda items: [s["name"] for s in items]  # noqa: E731
    assert names(followed["statistics"]["statistic"]) == names(listed["statistic"])
    installed = [s for s in listed["statistic"] if s["name"] == "memory.installed"][0]
    assert installed["values"] == {"value": [{"datum": str(vm.memory)}]}


@pytest.mark.parametrize("scenario", ["scale:10", "scale:200"])
def test_follow_statistics_costs_the_same_statements_for_any_number_of_vms(live_engine, http, scenario):
    live_engine.reset(scenario)
    counts = {}
    for path in ("/vms", "/hosts"):
        answer = http.get(live_engine.url + path, params={"follow": "statistics"})
        assert answer.status_code == 200
        counts[path] = _statements(answer)
    assert counts["/vms"] <= 4 and counts["/hosts"] <= 5, counts
    live_engine.reset("scale:10")
    small = _statements(http.get(live_engine.url + "/vms", params={"follow": "statistics"}))
    assert small == counts["/vms"]
