"""What a running VM's guest agent reports, through the SDK: its network devices with their
addresses a while after the VM starts, and its applications; nothing once it stops."""
from __future__ import annotations

import ipaddress

import ovirtsdk4.types as types
import pytest

from engine_api.vms.guest import addresses
from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")


def test_addresses_follow_the_mac():
    v4, v6 = addresses("56:6f:1a:2b:00:02")
    assert v4 == {"address": "10.43.0.2", "netmask": "255.0.0.0", "gateway": "10.0.0.1", "version": "v4"}
    assert v6 == {"address": "fe80::546f:1aff:fe2b:2", "version": "v6"}
    assert ipaddress.IPv6Address(v6["address"]).is_link_local
    assert addresses("56:6f:1a:2b:01:ff")[0]["address"] == "10.43.1.254"


def test_reported_devices_appear_after_boot_and_go_with_the_vm(connection):
    vms = connection.system_service().vms_service()
    myvm = vms.vm_service(vms.list(search="name=myvm")[0].id)
    mac = myvm.nics_service().list()[0].mac.address
    assert myvm.reported_devices_service().list() == []
    myvm.start()
    wait_for(lambda: myvm.get().status == types.VmStatus.UP)
    devices = wait_for(lambda: myvm.reported_devices_service().list())
    assert [(d.name, d.type, d.mac.address) for d in devices] == [("eth0", types.ReportedDeviceType.NETWORK, mac)]
    assert [ip.version for ip in devices[0].ips] == [types.IpVersion.V4, types.IpVersion.V6]
    assert devices[0].ips[0].address == addresses(mac)[0]["address"]
    assert myvm.reported_devices_service().reported_device_service(devices[0].id).get().mac.address == mac
    assert any(a.name.startswith("qemu-guest-agent") for a in myvm.applications_service().list())
    followed = vms.list(search="name=myvm", follow="reported_devices")[0]
    assert [d.mac.address for d in followed.reported_devices] == [mac]
    myvm.stop()
    wait_for(lambda: myvm.get().status == types.VmStatus.DOWN)
    assert myvm.reported_devices_service().list() == [] and myvm.applications_service().list() == []
