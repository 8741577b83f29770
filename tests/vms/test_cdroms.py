"""A VM's CD-ROM: changed in the running VM with current=true, or in its configuration."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")


@pytest.fixture
def vms(connection):
    return connection.system_service().vms_service()


def _codes(connection, vm_id, count):
    events = connection.system_service().events_service().list(max=count)
    return [e.code for e in events if e.vm is not None and e.vm.id == vm_id]


def test_every_vm_has_one_empty_cdrom(vms):
    vm = vms.list(search="name=myvm")[0]
    (cdrom,) = vms.vm_service(vm.id).cdroms_service().list()
    assert cdrom.id == "00000000-0000-0000-0000-000000000000" and cdrom.file is None and cdrom.vm.id == vm.id
    with pytest.raises(sdk.Error) as refused:
        vms.vm_service(vm.id).cdroms_service().add(types.Cdrom(file=types.File(id="x.iso")))
    assert refused.value.code == 409


def test_inserting_into_a_running_vm_lasts_until_it_stops(connection, vms):
    vm = next(v for v in vms.list() if v.status == types.VmStatus.UP)
    service = vms.vm_service(vm.id)
    cdrom = service.cdroms_service().cdrom_service("00000000-0000-0000-0000-000000000000")
    cdrom.update(types.Cdrom(file=types.File(id="rescue.iso")), current=True)
    assert cdrom.get(current=True).file.id == "rescue.iso"
    assert cdrom.get().file is None  # the configuration is unchanged
    assert _codes(connection, vm.id, 1) == [38]
    cdrom.update(types.Cdrom(file=types.File()), current=True)
    assert cdrom.get(current=True).file is None
    assert _codes(connection, vm.id, 1) == [528]


def test_the_configured_cd_is_what_the_next_run_has(vms, engine):
    engine.set_transition_delay(0)
    vm = vms.list(search="name=myvm")[0]
    service = vms.vm_service(vm.id)
    cdrom = service.cdroms_service().cdrom_service("00000000-0000-0000-0000-000000000000")
    with pytest.raises(sdk.Error) as refused:
        cdrom.update(types.Cdrom(file=types.File(id="rescue.iso")), current=True)
    assert refused.value.code == 409 and "VM is not running" in refused.value.fault.detail
    cdrom.update(types.Cdrom(file=types.File(id="install.iso")))
    assert cdrom.get().file.id == "install.iso"
    service.start()
    wait_for(lambda: service.get().status == types.VmStatus.UP)
    assert cdrom.get(current=True).file.id == "install.iso"
    cdrom.update(types.Cdrom(file=types.File(id="other.iso")), current=True)
    service.stop()
    wait_for(lambda: service.get().status == types.VmStatus.DOWN)
    service.start()
    wait_for(lambda: service.get().status == types.VmStatus.UP)
    assert cdrom.get(current=True).file.id == "install.iso"  # a new run starts from the configuration
