"""Faults a client handles: a missing entity, and credentials the engine refuses."""
from __future__ import annotations

import ovirtsdk4 as sdk
import pytest

MISSING = "00000000-0000-0000-0000-00000000dead"


def test_reading_a_missing_id_of_any_collection_is_not_found(ovirt_connection):
    system = ovirt_connection.system_service()
    for read in (system.vms_service().vm_service(MISSING).get,
                 system.hosts_service().host_service(MISSING).get,
                 system.disks_service().disk_service(MISSING).get,
                 system.templates_service().template_service(MISSING).get,
                 system.clusters_service().cluster_service(MISSING).get):
        with pytest.raises(sdk.NotFoundError) as missing:
            read()
        assert missing.value.code == 404


def test_a_wrong_password_is_refused_at_the_first_call(ovirt_engine):
    connection = sdk.Connection(url=ovirt_engine.url, username=ovirt_engine.username, password="not-it",
                                insecure=True)
    try:
        with pytest.raises(sdk.AuthError):
            connection.system_service().vms_service().list()
    finally:
        connection.close()
