"""Deactivating and activating an attached storage domain, with the engine's rules."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")


@pytest.fixture
def attached(connection):
    system = connection.system_service()
    dc = system.data_centers_service().list(search="name=Default")[0]
    return system.data_centers_service().data_center_service(dc.id)


def _mydata(attached):
    return next(sd for sd in attached.storage_domains_service().list() if sd.name == "mydata")


def test_a_domain_used_by_running_vms_is_not_deactivated(attached):
    sd = _mydata(attached)
    with pytest.raises(sdk.Error) as refused:
        attached.storage_domains_service().storage_domain_service(sd.id).deactivate()
    assert refused.value.code == 409 and "Active VMs were detected" in refused.value.fault.detail
    assert _mydata(attached).status == types.StorageDomainStatus.ACTIVE


def test_the_last_master_takes_its_data_center_into_maintenance_and_back(engine, connection, attached):
    engine.set_transition_delay(0.2)
    vms = connection.system_service().vms_service()
    for vm in vms.list():
        if vm.status != types.VmStatus.DOWN:
            vms.vm_service(vm.id).stop()
    others = [sd for sd in attached.storage_domains_service().list() if sd.name != "mydata"]  # myexport, mysd
    for sd in others:  # the master goes last
        attached.storage_domains_service().storage_domain_service(sd.id).deactivate()
    wait_for(lambda: all(sd.status == types.StorageDomainStatus.MAINTENANCE
                         for sd in attached.storage_domains_service().list() if sd.name != "mydata"))
    service = attached.storage_domains_service().storage_domain_service(_mydata(attached).id)
    service.deactivate()
    assert _mydata(attached).status == types.StorageDomainStatus.PREPARING_FOR_MAINTENANCE
    with pytest.raises(sdk.Error) as refused:
        service.deactivate()
    assert refused.value.code == 409 and "PreparingForMaintenance" in refused.value.fault.detail
    wait_for(lambda: _mydata(attached).status == types.StorageDomainStatus.MAINTENANCE)
    assert attached.get().status == types.DataCenterStatus.MAINTENANCE
    assert _mydata(attached).master is False
    service.activate()
    sd = _mydata(attached)
    assert sd.status == types.StorageDomainStatus.ACTIVE and sd.master is True
    assert attached.get().status == types.DataCenterStatus.UP
