"""follow=: inlined data the SDK parses, equal to crawling, at a constant statement count."""
from __future__ import annotations

import re

import ovirtsdk4 as sdk
import pytest
from lxml import etree

from engine_api.services.following import HANDLERS

FOLLOW = "disk_attachments.disk,nics"


def _statements(answer) -> int:
    return int(re.search(r'desc="(\d+) statements"', answer.headers["Server-Timing"]).group(1))


@pytest.mark.scenario("demo")
def test_sdk_parses_followed_data_equal_to_follow_link(connection):
    vms_service = connection.system_service().vms_service()
    followed = vms_service.list(follow=FOLLOW)
    assert len(followed) == 37
    by_id = {vm.id: vm for vm in followed}
    plain = vms_service.list()
    for vm in plain:
        inlined = by_id[vm.id]
        crawled_attachments = connection.follow_link(vm.disk_attachments)
        assert [a.id for a in inlined.disk_attachments] == [a.id for a in crawled_attachments]
        for attachment, crawled in zip(inlined.disk_attachments, crawled_attachments):
            disk = connection.follow_link(crawled.disk)
            assert attachment.disk.provisioned_size == disk.provisioned_size > 0
            assert attachment.disk.name == disk.name
            assert attachment.disk.status == disk.status
        crawled_nics = connection.follow_link(vm.nics)
        assert [n.mac.address for n in inlined.nics] == [n.mac.address for n in crawled_nics]
    myvm = next(vm for vm in followed if vm.name == "myvm")
    assert myvm.disk_attachments[0].disk.provisioned_size == 20 * 2**30
    assert myvm.nics[0].mac.address.startswith("56:6f:")


@pytest.mark.scenario("demo")
def test_single_entity_follow_with_references(connection):
    vms_service = connection.system_service().vms_service()
    vm = vms_service.list(search="name=demo-02")[0]
    got = vms_service.vm_service(vm.id).get(follow="disk_attachments.disk,nics,cluster.data_center,host,template")
    assert got.cluster.name == "Default"
    assert got.cluster.data_center.name == "Default"
    assert got.template.name == "Blank"
    assert got.host.name and got.host.status.value == "up"
    assert got.disk_attachments[0].disk.storage_domains[0].id


@pytest.mark.scenario("demo")
def test_absent_reference_is_skipped_and_max_does_not_truncate(http, engine):
    answer = http.get(engine.url + "/vms", params={"search": "name=myvm", "follow": "host,nics"})
    vm = etree.fromstring(answer.content)[0]
    assert vm.find("host") is None
    assert vm.find("status").text == "down"
    limited = etree.fromstring(http.get(engine.url + "/vms", params={"max": "2", "follow": "nics"}).content)
    assert len(limited) == 2
    for item in limited:
        listed = etree.fromstring(http.get(engine.url + f"/vms/{item.get('id')}/nics").content)
        assert len(item.find("nics")) == len(listed) >= 1
        assert item.find("link[@rel='nics']") is not None


@pytest.mark.scenario("demo")
def test_both_spellings_and_json_inlining(http, engine):
    xml = http.get(engine.url + "/vms", params={"search": "name=myvm", "follow": "diskattachments.disk"}).content
    assert etree.fromstring(xml).find("vm/disk_attachments/disk_attachment/disk/provisioned_size") is not None
    data = http.get(engine.url + "/vms", params={"search": "name=myvm", "follow": "disk_attachments.disk,nics"},
                    headers={"Accept": "application/json"}).json()
    vm = data["vm"][0]
    assert vm["disk_attachments"]["disk_attachment"][0]["disk"]["provisioned_size"] == str(20 * 2**30)
    assert vm["nics"]["nic"][0]["mac"]["address"].startswith("56:6f:")


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("follow", ["nothing", "nics.bogus", "disk_attachments.disk.cluster", "a..b.c.d.e.f.g"])
def test_bad_links_are_400_faults(http, engine, follow):
    answer = http.get(engine.url + "/vms", params={"follow": follow})
    assert answer.status_code == 400
    fault = etree.fromstring(answer.content)
    assert fault.tag == "fault"
    assert "follow" in fault.findtext("detail").lower()


@pytest.mark.scenario("demo")
def test_unknown_link_detail_is_the_engines(http, engine, connection):
    answer = http.get(engine.url + "/vms", params={"follow": "x"})
    assert etree.fromstring(answer.content).findtext("detail") == "Problem following 'x' link in Vm entity."
    with pytest.raises(sdk.Error) as failure:
        connection.system_service().vms_service().list(follow="x")
    assert failure.value.code == 400


def test_statements_are_constant_with_handlers_and_generic_is_identical(live_engine, http):
    counts = {}
    bodies = {}
    for size in (10, 1000):
        live_engine.reset(f"scale:{size}")
        answer = http.get(live_engine.url + "/vms", params={"follow": FOLLOW})
        assert answer.status_code == 200
        counts[size] = _statements(answer)
        bodies[size] = answer.content
    # Authentication, the VMs, then one statement per level: attachments, disks, NICs.
    assert counts[10] == counts[1000] <= 5
    assert bodies[1000].count(b"<disk_attachment ") == 2000
    with HANDLERS.disabled():
        generic = http.get(live_engine.url + "/vms", params={"follow": FOLLOW})
    assert generic.content == bodies[1000]
    assert _statements(generic) > 1000
