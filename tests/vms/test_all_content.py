"""A VM read with all_content=true: its console and its OVF (initialization.configuration)."""
from __future__ import annotations

import ovirtsdk4.types as types
import pytest
from lxml import etree

from engine_api.vms.ovf import OVF, RASD

pytestmark = pytest.mark.scenario("demo")


@pytest.fixture
def vms(connection):
    return connection.system_service().vms_service()


def test_console_is_rendered_with_all_content_only_and_setting_it_sticks(vms):
    vm = vms.list(search="name=myvm")[0]
    assert vm.console is None
    service = vms.vm_service(vm.id)
    assert service.get(all_content=True).console.enabled is True
    service.update(types.Vm(console=types.Console(enabled=False)))
    assert service.get(all_content=True).console.enabled is False
    assert vms.list(search="name=myvm", all_content=True)[0].console.enabled is False
    service.update(types.Vm(console=types.Console(enabled=True)))
    assert service.get(all_content=True).console.enabled is True


def test_a_new_vm_takes_the_console_it_asks_for(vms):
    vm = vms.add(types.Vm(name="noconsole", cluster=types.Cluster(name="Default"),
                          template=types.Template(name="Blank"), console=types.Console(enabled=False)))
    assert vms.vm_service(vm.id).get(all_content=True).console.enabled is False


def test_the_ovf_of_a_vm_describes_its_hardware(vms):
    vm = vms.list(search="name=myvm", all_content=True)[0]
    configuration = vm.initialization.configuration
    assert configuration.type == types.ConfigurationType.OVF
    root = etree.fromstring(configuration.data.encode())
    assert root.tag == f"{{{OVF}}}Envelope"
    content = root.find("Content")
    assert content.findtext("Name") == "myvm" and content.findtext("TemplateName") == "Blank"
    items = {item.findtext(f"{{{RASD}}}ResourceType"): item for item in content.iter("Item")}
    assert int(items["4"].findtext(f"{{{RASD}}}VirtualQuantity")) == vm.memory // 1024**2
    disk = vms.vm_service(vm.id).disk_attachments_service().list()[0]
    assert items["17"].findtext(f"{{{RASD}}}HostResource").startswith(disk.disk.id + "/")
    nic = vms.vm_service(vm.id).nics_service().list()[0]
    assert items["10"].findtext(f"{{{RASD}}}MACAddress") == nic.mac.address
    assert root.find("Section").findtext("Info") == "List of Virtual Disks"


def test_a_plain_read_has_no_ovf(vms):
    vm = vms.list(search="name=myvm")[0]
    assert vm.initialization is None or vm.initialization.configuration is None
