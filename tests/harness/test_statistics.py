"""Statistics of VMs, hosts and NICs as monitoring clients read them."""
from __future__ import annotations

from tests.harness.sdk import host_service, vm_service


def values(service):
    return {s.name: (s.values[0].datum if s.values else None) for s in service.statistics_service().list()}


def test_a_running_vm_reports_its_memory_and_cpu_and_a_down_vm_reports_no_load(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-02")
    up = values(demo)
    assert up["memory.installed"] == demo.get().memory
    assert up["cpu.current.total"] > 0 and up["elapsed.time"] > 0
    down = values(vm_service(ovirt_connection, "myvm"))
    assert down["cpu.current.total"] == 0 and down["memory.used"] == 0
    first = demo.statistics_service().list()[0]
    assert demo.statistics_service().statistic_service(first.id).get().name == first.name


def test_a_host_reports_its_memory_and_a_running_vms_nic_its_traffic(ovirt_connection):
    myhost = host_service(ovirt_connection, "myhost")
    host = values(myhost)
    assert host["memory.total"] == myhost.get().memory
    assert host["memory.used"] + host["memory.free"] == host["memory.total"]
    nics = vm_service(ovirt_connection, "demo-02").nics_service()
    traffic = values(nics.nic_service(nics.list()[0].id))
    assert {"data.current.rx", "data.current.tx", "data.total.rx", "data.total.tx"} <= set(traffic)
    assert traffic["data.total.rx"] > 0
