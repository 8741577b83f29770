"""A VM's graphics consoles through the SDK and plain HTTP: ports, tickets and the .vv file."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")


@pytest.fixture
def vms(connection):
    return connection.system_service().vms_service()


def _first(vms, status):
    return next(vm for vm in vms.list() if vm.status == status)


def test_a_running_vms_console_has_its_hosts_address_and_a_port(connection, vms):
    vm = _first(vms, types.VmStatus.UP)
    consoles = vms.vm_service(vm.id).graphics_consoles_service()
    configured = consoles.list()
    assert [(c.id, c.protocol) for c in configured] == [("766e63", types.GraphicsType.VNC)]
    assert configured[0].address is None and configured[0].port is None
    (live,) = consoles.list(current=True)
    host = connection.follow_link(vm.host)
    assert live.address == host.address and live.port >= 5900 and live.vm.id == vm.id
    others = [v for v in vms.list() if v.host is not None and v.host.id == host.id and v.id != vm.id]
    ports = {vms.vm_service(v.id).graphics_consoles_service().list(current=True)[0].port
             for v in others if v.status == types.VmStatus.UP}
    assert live.port not in ports  # each VM on a host has a display of its own


def test_a_down_vm_has_its_configured_console_and_no_live_one(vms):
    vm = vms.list(search="name=myvm")[0]
    consoles = vms.vm_service(vm.id).graphics_consoles_service()
    assert [c.protocol for c in consoles.list()] == [types.GraphicsType.VNC]
    assert consoles.list(current=True) == []
    with pytest.raises(sdk.Error) as refused:
        consoles.console_service("766e63").ticket()
    assert refused.value.code == 409
    assert "VM is not running" in refused.value.fault.detail


def test_ticket_and_remote_viewer_file(vms):
    vm = _first(vms, types.VmStatus.UP)
    console = vms.vm_service(vm.id).graphics_consoles_service().console_service("766e63")
    ticket = console.ticket()
    assert ticket.value and ticket.expiry == 120
    text = console.remote_viewer_connection_file()
    assert text.startswith("[virt-viewer]\ntype=vnc\n") and f"vm-guid={vm.id}" in text
    assert "password=" in text and f"title={vm.name}:%d" in text


def test_the_vv_file_for_accept_virt_viewer(http, engine, vms):
    vm = _first(vms, types.VmStatus.UP)
    url = engine.url + f"/vms/{vm.id}/graphicsconsoles/766e63"
    answer = http.get(url, headers={"Accept": "application/x-virt-viewer"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/x-virt-viewer")
    fields = dict(line.split("=", 1) for line in answer.text.splitlines() if "=" in line and not line.startswith("#"))
    assert fields["type"] == "vnc" and int(fields["port"]) >= 5900 and fields["vm-guid"] == vm.id
    assert http.get(url).text.startswith("<?xml")  # the console itself otherwise
    assert http.get(engine.url + f"/vms/{vm.id}/graphicsconsoles/nope").status_code == 404


def test_a_spice_vm_has_a_tls_port(connection, vms):
    vm = vms.add(types.Vm(name="spicy", cluster=types.Cluster(name="Default"), template=types.Template(name="Blank"),
                          display=types.Display(type=types.DisplayType.SPICE)))
    service = vms.vm_service(vm.id)
    service.start()
    wait_for(lambda: service.get().status == types.VmStatus.UP)
    (live,) = service.graphics_consoles_service().list(current=True)
    assert live.protocol == types.GraphicsType.SPICE and live.tls_port == live.port + 1
    text = service.graphics_consoles_service().console_service(live.id).remote_viewer_connection_file()
    assert "type=spice" in text and f"tls-port={live.tls_port}" in text


def test_a_console_of_another_protocol_is_added_and_removed(http, engine, vms):
    vm = vms.list(search="name=myvm")[0]
    consoles = vms.vm_service(vm.id).graphics_consoles_service()
    added = consoles.add(types.GraphicsConsole(protocol=types.GraphicsType.SPICE))
    assert (added.id, added.protocol) == ("7370696365", types.GraphicsType.SPICE)
    assert [c.protocol for c in consoles.list()] == [types.GraphicsType.SPICE, types.GraphicsType.VNC]
    with pytest.raises(sdk.Error) as refused:
        consoles.add(types.GraphicsConsole(protocol=types.GraphicsType.VNC))
    assert refused.value.code == 409
    url = engine.url + f"/vms/{vm.id}/graphicsconsoles/{added.id}"
    assert http.put(url, data="<graphics_console/>", headers={"Content-Type": "application/xml"}).status_code == 405
    consoles.console_service(added.id).remove()
    assert [c.protocol for c in consoles.list()] == [types.GraphicsType.VNC]


def test_a_vm_with_two_consoles_starts_and_has_both(vms):
    vm = vms.list(search="name=myvm")[0]
    service = vms.vm_service(vm.id)
    service.graphics_consoles_service().add(types.GraphicsConsole(protocol=types.GraphicsType.SPICE))
    service.start()
    wait_for(lambda: service.get().status == types.VmStatus.UP)
    live = service.graphics_consoles_service().list(current=True)
    assert sorted(c.protocol.value for c in live) == ["spice", "vnc"]
    spice = next(c for c in live if c.protocol == types.GraphicsType.SPICE)
    vnc = next(c for c in live if c.protocol == types.GraphicsType.VNC)
    assert len({spice.port, spice.tls_port, vnc.port}) == 3 and vnc.tls_port is None
