"""Graphics consoles and CD-ROMs: where a console connects, its ticket and viewer file, and
changing the disc in a VM's CD-ROM, persistently or in the running VM only."""
from __future__ import annotations

import ovirtsdk4.types as types

from tests.harness.sdk import vm_service


def console(vm, current=True):
    found, = vm.graphics_consoles_service().list(current=current)
    return found


def test_a_running_vms_console_connects_to_its_host_and_the_viewer_file_says_so(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-02")
    vnc = console(demo)
    host = ovirt_connection.follow_link(demo.get().host)
    assert (vnc.protocol, vnc.address) == (types.GraphicsType.VNC, host.address)
    assert vnc.port > 0
    viewer = demo.graphics_consoles_service().console_service(vnc.id).remote_viewer_connection_file()
    lines = viewer.splitlines()
    assert lines[0] == "[virt-viewer]"
    assert {"type=vnc", f"host={host.address}", f"port={vnc.port}"} <= set(lines)


def test_a_console_ticket_is_a_password_with_an_expiry(ovirt_connection):
    demo = vm_service(ovirt_connection, "demo-02")
    consoles = demo.graphics_consoles_service()
    first = consoles.console_service(console(demo).id).ticket()
    second = consoles.console_service(console(demo).id).ticket()
    assert first.value and second.value and first.value != second.value
    assert first.expiry > 0


def test_a_disc_inserted_in_a_down_vms_cdrom_stays_until_ejected(ovirt_connection):
    cdroms = vm_service(ovirt_connection, "myvm").cdroms_service()
    cdrom, = cdroms.list()
    assert cdrom.file is None
    cdroms.cdrom_service(cdrom.id).update(types.Cdrom(file=types.File(id="Fedora-39.iso")))
    assert cdroms.cdrom_service(cdrom.id).get().file.id == "Fedora-39.iso"
    cdroms.cdrom_service(cdrom.id).update(types.Cdrom(file=types.File(id="")))
    assert cdroms.cdrom_service(cdrom.id).get().file is None


def test_a_disc_changed_in_the_running_vm_only_is_not_kept_for_the_next_boot(ovirt_connection):
    cdroms = vm_service(ovirt_connection, "demo-02").cdroms_service()
    cdrom, = cdroms.list()
    service = cdroms.cdrom_service(cdrom.id)
    service.update(types.Cdrom(file=types.File(id="rescue.iso")), current=True)
    assert service.get(current=True).file.id == "rescue.iso"
    assert service.get().file is None
