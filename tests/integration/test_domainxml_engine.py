"""Domain XML in the engine: the run-VM XML of a VM, the simulated host that runs it, device
monitoring, and hot-plug and hot-unplug of NICs and disks on running VMs."""
from __future__ import annotations

import ovirtsdk4.types as types
import pytest
from lxml import etree

import domainxml as dx
from tests.helpers import row_counts, wait_for

XML = {"Content-Type": "application/xml"}


def _vm(connection, name: str = "myvm"):
    return connection.system_service().vms_service().list(search=f"name={name}")[0]


def _start(connection, name: str = "myvm"):
    vm = _vm(connection, name)
    service = connection.system_service().vms_service().vm_service(vm.id)
    service.start()
    wait_for(lambda: service.get().status == types.VmStatus.UP)
    return vm, service


def _devices(xml: bytes | str) -> etree._Element:
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    return root.find("devices")


def _by_alias(xml: bytes | str, device_id: str) -> etree._Element | None:
    for device in _devices(xml):
        alias = device.find("alias")
        if alias is not None and alias.get("name") == f"ua-{device_id}":
            return device
    return None


def _monitored(http, engine, vm_id: str) -> bytes:
    """The reported XML once monitoring has applied it (the run-VM XML then carries its addresses)."""
    def settled():
        reported = http.get(engine.url + f"/vms/{vm_id}/reporteddomainxml")
        assert reported.status_code == 200, reported.text
        expected = dx.devices_hash(reported.content)
        with engine.db.transaction() as session:
            from engine_api import models as m
            return reported.content if session.get(m.Vm, vm_id).devices_hash == expected else None
    return wait_for(settled)


@pytest.mark.scenario("demo")
def test_the_run_vm_xml_of_a_vm_is_what_libvirt_accepts(http, engine, connection):
    vm = _vm(connection)
    answer = http.get(engine.url + f"/vms/{vm.id}/domainxml")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/xml")
    dx.validate(answer.content)
    root = etree.fromstring(answer.content)
    assert root.findtext("name") == "myvm" and root.findtext("uuid") == vm.id
    assert int(root.findtext("memory")) == vm.memory // 1024
    disks_service = connection.system_service().vms_service().vm_service(vm.id).disk_attachments_service()
    boot = next(attachment for attachment in disks_service.list() if attachment.bootable)
    disk = _by_alias(answer.content, boot.id)
    assert disk is not None and disk.find("target").get("dev") == "vda"
    assert disk.find("boot").get("order") == "1"
    nic = connection.system_service().vms_service().vm_service(vm.id).nics_service().list()[0]
    interface = _by_alias(answer.content, nic.id)
    assert interface.find("mac").get("address") == nic.mac.address
    assert interface.find("source").get("bridge") == "ovirtmgmt"
    assert root.find("metadata/{http://ovirt.org/vm/1.0}vm") is not None


def test_the_domain_xml_of_an_unknown_vm_is_a_404(http, engine):
    answer = http.get(engine.url + "/vms/00000000-0000-0000-0000-00000000abcd/domainxml")
    assert answer.status_code == 404
    assert b"<fault>" in answer.content


@pytest.mark.scenario("demo")
def test_starting_a_vm_runs_its_xml_on_the_host_and_monitoring_learns_the_addresses(http, engine, connection):
    vm = _vm(connection)
    assert http.get(engine.url + f"/vms/{vm.id}/reporteddomainxml").status_code == 409  # not running
    vm, service = _start(connection)
    reported = _monitored(http, engine, vm.id)
    root = etree.fromstring(reported)
    assert root.get("id") is not None  # a running domain has a libvirt domain id
    # controllers libvirt adds itself, under its own aliases (q35: the PCIe root and the SATA controller)
    assert {alias.get("name") for alias in root.iterfind("devices/controller/alias")} >= {"pcie.0", "ide"}
    boot = next(a for a in service.disk_attachments_service().list() if a.bootable)
    disk = _by_alias(reported, boot.id)
    address = disk.find("address")
    assert address.get("type") == "pci"
    run_xml = http.get(engine.url + f"/vms/{vm.id}/domainxml").content
    known = _by_alias(run_xml, boot.id).find("address")
    assert dict(known.attrib) == dict(address.attrib)  # the learnt address is written back
    dx.validate(run_xml)
    assert service.disk_attachments_service().attachment_service(boot.id).get().logical_name == "vda"


@pytest.mark.scenario("demo")
def test_a_hot_plugged_nic_gets_its_address_from_the_next_monitoring_cycle(http, engine, connection):
    vm, service = _start(connection)
    _monitored(http, engine, vm.id)
    profile = connection.system_service().vnic_profiles_service().list()[0]
    nic = service.nics_service().add(types.Nic(name="hot1", vnic_profile=types.VnicProfile(id=profile.id)))
    reported = _monitored(http, engine, vm.id)
    interface = _by_alias(reported, nic.id)
    assert interface is not None and interface.find("mac").get("address") == nic.mac.address
    assert interface.find("address").get("type") == "pci"
    run_interface = _by_alias(http.get(engine.url + f"/vms/{vm.id}/domainxml").content, nic.id)
    assert dict(run_interface.find("address").attrib) == dict(interface.find("address").attrib)
    slots = [(a.get("bus"), a.get("slot")) for a in _devices(reported).iter("address") if a.get("type") == "pci"]
    assert len(slots) == len(set(slots))


@pytest.mark.scenario("demo")
def test_unplugging_a_nic_unplugs_it_on_the_host_and_marks_it_unplugged(http, engine, connection):
    vm, service = _start(connection)
    nic = service.nics_service().list()[0]
    _monitored(http, engine, vm.id)
    nic_service = service.nics_service().nic_service(nic.id)
    nic_service.update(types.Nic(plugged=False))
    assert nic_service.get().plugged is False
    reported = _monitored(http, engine, vm.id)
    assert _by_alias(reported, nic.id) is None
    assert _by_alias(http.get(engine.url + f"/vms/{vm.id}/domainxml").content, nic.id) is None
    events = connection.system_service().events_service().list(search="type=1013")
    assert any(nic.name in event.description for event in events)
    nic_service.update(types.Nic(plugged=True))
    assert _by_alias(_monitored(http, engine, vm.id), nic.id) is not None


@pytest.mark.scenario("demo")
def test_a_nic_the_host_stops_reporting_is_marked_unplugged(http, engine, connection):
    vm, service = _start(connection)
    nic = service.nics_service().list()[0]
    reported = _monitored(http, engine, vm.id)
    root = etree.fromstring(reported)
    gone = next(device for device in root.find("devices") if device.find(f"alias[@name='ua-{nic.id}']") is not None)
    root.find("devices").remove(gone)
    answer = http.put(engine.url + f"/vms/{vm.id}/reporteddomainxml", data=etree.tostring(root), headers=XML)
    assert answer.status_code == 200, answer.text
    match = etree.fromstring(answer.content)
    assert match.tag == "domain_match"
    assert [device.get("id") for device in match.iterfind("unplugged/device")] == [nic.id]
    assert service.nics_service().nic_service(nic.id).get().plugged is False
    assert http.get(engine.url + f"/vms/{vm.id}/reporteddomainxml").content == etree.tostring(root)
    warnings = connection.system_service().events_service().list(search="severity=warning and type=1013")
    assert any(f"Network Interface {nic.name} " in event.description and "reported by Host" in event.description
               for event in warnings)


@pytest.mark.scenario("demo")
def test_hot_plugging_a_disk_gives_it_the_next_name_on_its_bus(http, engine, connection):
    vm, service = _start(connection)
    _monitored(http, engine, vm.id)
    domain = connection.system_service().storage_domains_service().list(search="name=mydata")[0]
    attachment = service.disk_attachments_service().add(types.DiskAttachment(
        interface=types.DiskInterface.VIRTIO, bootable=False, active=True,
        disk=types.Disk(name="hot-disk", provisioned_size=2**30, format=types.DiskFormat.COW,
                        storage_domains=[types.StorageDomain(id=domain.id)])))
    attachment_service = service.disk_attachments_service().attachment_service(attachment.id)
    wait_for(lambda: attachment_service.get().logical_name == "vdb")
    disk = _by_alias(_monitored(http, engine, vm.id), attachment.id)
    assert disk.find("target").get("dev") == "vdb" and disk.find("serial").text == attachment.id
    attachment_service.update(types.DiskAttachment(active=False))
    assert _by_alias(_monitored(http, engine, vm.id), attachment.id) is None
    assert attachment_service.get().active is False
    events = connection.system_service().events_service().list(search="type=2002")
    assert any("hot-disk" in event.description for event in events)


@pytest.mark.scenario("demo")
def test_the_match_result_comes_as_json_too(http, engine, connection):
    vm, _ = _start(connection)
    reported = _monitored(http, engine, vm.id)
    answer = http.put(engine.url + f"/vms/{vm.id}/reporteddomainxml", data=reported,
                      headers={**XML, "Accept": "application/json"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["devices_hash"] == dx.devices_hash(reported)
    matched = data["matched"]["device"]
    assert {device["by"] for device in matched} <= {"alias", "stored-alias", "type", "index"}
    assert all("changes" not in device for device in matched)  # nothing new since the last cycle


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("body, detail", [
    (b'<!DOCTYPE domain [<!ENTITY x "y">]><domain>&x;</domain>', b"DTD"),
    (b"<domain><devices>", b"well-formed"),
    (b"<network/>", b"root element"),
    (b"<domain><uuid>00000000-0000-0000-0000-000000000001</uuid><devices/></domain>", b"not VM"),
    (b"<domain>" + b"<devices>" * 300 + b"</devices>" * 300 + b"</domain>", b"Domain XML"),
])
def test_hostile_or_broken_reports_are_refused_and_change_nothing(http, engine, connection, body, detail):
    vm, _ = _start(connection)
    before_xml = _monitored(http, engine, vm.id)
    before = row_counts(engine.db)
    answer = http.put(engine.url + f"/vms/{vm.id}/reporteddomainxml", data=body, headers=XML)
    assert answer.status_code == 400, answer.text
    assert detail in answer.content and answer.content.lstrip().startswith(b"<?xml")
    assert row_counts(engine.db) == before
    assert http.get(engine.url + f"/vms/{vm.id}/reporteddomainxml").content == before_xml


@pytest.mark.scenario("demo")
def test_a_report_over_the_size_limit_is_refused(http, engine, connection):
    vm, _ = _start(connection)
    limit = engine.config.max_body_bytes
    answer = http.put(engine.url + f"/vms/{vm.id}/reporteddomainxml", data=b"<domain>" + b" " * limit, headers=XML)
    assert answer.status_code == 413
    assert b"exceeds the limit" in answer.content


@pytest.mark.scenario("demo")
def test_a_vm_that_does_not_run_takes_no_report(http, engine, connection):
    vm = _vm(connection)
    xml = http.get(engine.url + f"/vms/{vm.id}/domainxml").content
    answer = http.put(engine.url + f"/vms/{vm.id}/reporteddomainxml", data=dx.start_domain(xml), headers=XML)
    assert answer.status_code == 409
    assert b"VM is not running" in answer.content


@pytest.mark.scenario("demo")
def test_stopping_a_vm_removes_its_domain_and_migrating_keeps_it(http, engine, connection):
    vm, service = _start(connection)
    reported = _monitored(http, engine, vm.id)
    hosts = connection.system_service().hosts_service().list(search=f"cluster={_cluster_name(connection, vm)}")
    target = next(host for host in hosts if host.id != service.get().host.id)
    service.migrate(host=types.Host(id=target.id))
    wait_for(lambda: service.get().status == types.VmStatus.UP and service.get().host.id == target.id)
    assert http.get(engine.url + f"/vms/{vm.id}/reporteddomainxml").content == reported
    service.stop()
    wait_for(lambda: service.get().status == types.VmStatus.DOWN)
    assert http.get(engine.url + f"/vms/{vm.id}/reporteddomainxml").status_code == 409


def _cluster_name(connection, vm) -> str:
    return connection.system_service().clusters_service().cluster_service(vm.cluster.id).get().name


@pytest.mark.scenario("demo")
def test_a_vm_seeded_as_running_reports_its_domain_and_gets_its_row_from_the_first_write(http, engine, connection):
    vm = connection.system_service().vms_service().list(search="status=up")[0]
    before = row_counts(engine.db)
    answer = http.get(engine.url + f"/vms/{vm.id}/reporteddomainxml")
    assert answer.status_code == 200
    assert dx.parse(answer.content).uuid == vm.id
    assert http.get(engine.url + f"/vms/{vm.id}/reporteddomainxml").content == answer.content
    assert row_counts(engine.db) == before  # reading stores nothing
    nics = connection.system_service().vms_service().vm_service(vm.id).nics_service()
    nic = nics.add(types.Nic(name="first-write"))
    reported = _monitored(http, engine, vm.id)
    assert row_counts(engine.db)["vm_domains"] == before["vm_domains"] + 1
    assert _by_alias(reported, nic.id) is not None


@pytest.mark.scenario("demo")
def test_an_ide_disk_cannot_be_hot_plugged_and_nothing_changes(http, engine, connection):
    vm, service = _start(connection)
    domain = connection.system_service().storage_domains_service().list(search="name=mydata")[0]
    disks_service = connection.system_service().disks_service()
    disk = disks_service.add(types.Disk(name="ide-disk", provisioned_size=2**30, format=types.DiskFormat.RAW,
                                        storage_domains=[types.StorageDomain(id=domain.id)]))
    wait_for(lambda: disks_service.disk_service(disk.id).get().status == types.DiskStatus.OK)
    reported = _monitored(http, engine, vm.id)
    before = row_counts(engine.db)
    answer = http.post(engine.url + f"/vms/{vm.id}/diskattachments", headers=XML, data=(
        f'<disk_attachment><interface>ide</interface><active>true</active><disk id="{disk.id}"/></disk_attachment>'))
    assert answer.status_code == 409
    assert b"IDE interface is not supported" in answer.content
    assert row_counts(engine.db) == before
    assert http.get(engine.url + f"/vms/{vm.id}/reporteddomainxml").content == reported


@pytest.mark.scenario("demo")
def test_a_report_in_another_declared_encoding_is_read_as_declared(http, engine, connection):
    vm, _ = _start(connection)
    reported = _monitored(http, engine, vm.id).decode()
    renamed = reported.replace("<name>myvm</name>", "<name>myvm-\u00e9t\u00e9</name>", 1)
    body = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + renamed).encode("latin-1")
    answer = http.put(engine.url + f"/vms/{vm.id}/reporteddomainxml", data=body, headers=XML)
    assert answer.status_code == 200, answer.text
    stored = http.get(engine.url + f"/vms/{vm.id}/reporteddomainxml")
    assert dx.parse(stored.content).name == "myvm-\u00e9t\u00e9"
