"""What a client sets of a bespoke entity's model attributes that no column holds, it reads back."""
from __future__ import annotations

import ovirtsdk4.types as types
import pytest

JSON = {"Accept": "application/json"}


@pytest.mark.scenario("demo")
def test_a_vm_keeps_its_serial_number_console_and_lease(connection, engine, http):
    vms = connection.system_service().vms_service()
    vm = vms.add(types.Vm(
        name="extras1", cluster=types.Cluster(name="Default"), template=types.Template(name="Blank"),
        serial_number=types.SerialNumber(policy=types.SerialNumberPolicy.CUSTOM, value="SN-0042"),
        console=types.Console(enabled=True),
        lease=types.StorageDomainLease(storage_domain=types.StorageDomain(id="0b4c36b6-0f1e-4a35-9a64-0d5e2c0f3b1a")),
        custom_emulated_machine="q35"))
    got = vms.vm_service(vm.id).get()
    assert got.serial_number.policy == types.SerialNumberPolicy.CUSTOM and got.serial_number.value == "SN-0042"
    assert got.custom_emulated_machine == "q35"
    assert got.console is None and vms.vm_service(vm.id).get(all_content=True).console.enabled is True
    assert got.lease.storage_domain.id == "0b4c36b6-0f1e-4a35-9a64-0d5e2c0f3b1a"
    # An update merges: the serial number's value changes, its policy stays, the rest stays.
    vms.vm_service(vm.id).update(types.Vm(serial_number=types.SerialNumber(value="SN-0043"),
                                          console=types.Console(enabled=False)))
    got = vms.vm_service(vm.id).get()
    assert got.serial_number.policy == types.SerialNumberPolicy.CUSTOM and got.serial_number.value == "SN-0043"
    assert got.custom_emulated_machine == "q35"
    assert vms.vm_service(vm.id).get(all_content=True).console.enabled is False
    # Sub-collections sent inline are the engine's to ignore: they are listed at their own path.
    vms.vm_service(vm.id).update(types.Vm(nics=[types.Nic(name="inline0")], description="with nics"))
    assert "inline0" not in http.get(f"{engine.url}/vms/{vm.id}").text
    # The same in XML, and in the stored document that answers reads.
    xml = http.get(f"{engine.url}/vms/{vm.id}").text
    assert "<serial_number><policy>custom</policy><value>SN-0043</value></serial_number>" in xml


@pytest.mark.scenario("demo")
def test_a_value_the_model_refuses_is_a_fault_naming_it_and_changes_nothing(connection, engine, http):
    vm = http.get(f"{engine.url}/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]
    answer = http.put(f"{engine.url}/vms/{vm['id']}", json={"serial_number": {"policy": "sometimes"}}, headers=JSON)
    assert answer.status_code == 400 and "serial_number.policy" in answer.json()["detail"]
    assert "serial_number" not in http.get(f"{engine.url}/vms/{vm['id']}", headers=JSON).json()


@pytest.mark.scenario("demo")
def test_a_host_keeps_its_power_management(connection, engine):
    hosts = connection.system_service().hosts_service()
    host = hosts.list(search="name=myhost")[0]
    hosts.host_service(host.id).update(types.Host(power_management=types.PowerManagement(
        enabled=True, kdump_detection=False, automatic_pm_enabled=True)))
    got = hosts.host_service(host.id).get().power_management
    assert got.enabled is True and got.kdump_detection is False and got.automatic_pm_enabled is True


@pytest.mark.scenario("demo")
def test_a_host_has_the_engines_power_management_until_a_client_sets_its_own(connection):
    hosts = connection.system_service().hosts_service()
    host = hosts.list(search="name=myhost")[0]
    pm = host.power_management
    assert (pm.enabled, pm.kdump_detection, pm.automatic_pm_enabled) == (False, True, True)
    hosts.host_service(host.id).update(types.Host(power_management=types.PowerManagement(enabled=True)))
    pm = hosts.host_service(host.id).get().power_management
    assert (pm.enabled, pm.kdump_detection, pm.automatic_pm_enabled) == (True, True, True)
    hosts.host_service(host.id).update(types.Host(power_management=types.PowerManagement(kdump_detection=False)))
    pm = hosts.host_service(host.id).get().power_management
    assert (pm.enabled, pm.kdump_detection) == (True, False)
