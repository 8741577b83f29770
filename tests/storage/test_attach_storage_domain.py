"""Attaching storage domains to a data center, as the engine allows it: only an unattached one."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.helpers import row_counts

pytestmark = pytest.mark.scenario("demo")


def test_attaching_an_attached_active_domain_again_is_refused(engine, connection):
    system = connection.system_service()
    dc = system.data_centers_service().list(search="name=Default")[0]
    attached = system.data_centers_service().data_center_service(dc.id).storage_domains_service()
    mydata = system.storage_domains_service().list(search="name=mydata")[0]
    assert mydata.id in {sd.id for sd in attached.list()}
    before = row_counts(engine.db)
    with pytest.raises(sdk.Error) as refused:
        attached.add(types.StorageDomain(id=mydata.id))
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[Cannot attach Storage. The relevant Storage Domain's status is Active.]"
    assert row_counts(engine.db) == before


def test_a_new_domain_attaches_once(engine, connection):
    engine.set_transition_delay(0)
    system = connection.system_service()
    host = system.hosts_service().list(search="name=myhost")[0]
    domain = system.storage_domains_service().add(types.StorageDomain(
        name="second", type=types.StorageDomainType.DATA, host=types.Host(id=host.id),
        storage=types.HostStorage(type=types.StorageType.NFS, address="nfs.example.com", path="/second")))
    dc = system.data_centers_service().list(search="name=Default")[0]
    attached = system.data_centers_service().data_center_service(dc.id).storage_domains_service()
    added = attached.add(types.StorageDomain(id=domain.id))
    assert added.status == types.StorageDomainStatus.ACTIVE
    with pytest.raises(sdk.Error) as refused:
        attached.add(types.StorageDomain(name="second"))
    assert refused.value.code == 409
