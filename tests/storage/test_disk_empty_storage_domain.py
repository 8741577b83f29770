"""A disk's storage domain given with neither id nor name is no reference, as on the engine:
``ovirt_disk`` sends ``<storage_domains><storage_domain/></storage_domains>`` with every update."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.scenario("demo")

XML = {"Content-Type": "application/xml", "Accept": "application/xml"}
JSON = {"Accept": "application/json"}


def _myvm_disk(http):
    vm = http.get(f"{http.base}/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]
    attachment = http.get(f"{http.base}/vms/{vm['id']}/diskattachments", headers=JSON).json()["disk_attachment"][0]
    disk = http.get(f"{http.base}/disks/{attachment['disk']['id']}", headers=JSON).json()
    return vm, disk


def test_an_update_with_an_empty_storage_domain_extends_the_disk_where_it_is(http):
    vm, disk = _myvm_disk(http)
    grown = int(disk["provisioned_size"]) + 1024**3
    answer = http.put(f"{http.base}/vms/{vm['id']}/diskattachments/{disk['id']}", headers=XML,
                      data=f"<disk_attachment><disk><provisioned_size>{grown}</provisioned_size>"
                           "<storage_domains><storage_domain/></storage_domains></disk></disk_attachment>")
    assert answer.status_code == 200, answer.text
    after = http.get(f"{http.base}/disks/{disk['id']}", headers=JSON).json()
    assert int(after["provisioned_size"]) == grown
    assert after["storage_domains"] == disk["storage_domains"]


def test_a_storage_domain_that_is_no_object_is_still_refused(http):
    _, disk = _myvm_disk(http)
    answer = http.put(f"{http.base}/disks/{disk['id']}", headers={"Content-Type": "application/json", **JSON},
                      json={"storage_domains": {"storage_domain": [5]}})
    assert answer.status_code == 400 and "storage_domains" in answer.json()["detail"]
