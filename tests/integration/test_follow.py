"""follow=: inlined data the SDK parses, equal to crawling, faults for bad links, constant SQL."""
from __future__ import annotations

import re

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest
from lxml import etree

from engine_api.api import registry
from engine_api.services import follow_handlers

REGISTRY = registry()
HANDLERS = REGISTRY.handlers
from engine_api.types.fields import Ref, WrappedList

FOLLOW = "disk_attachments.disk,nics"


def _statements(answer) -> int:
    match = re.search(r'sql;dur=[0-9.]+;desc="(\d+) statements"', answer.headers["Server-Timing"])
    assert match, answer.headers["Server-Timing"]
    return int(match.group(1))


def _assert_equal_to_crawl(connection, inlined, crawled_vm) -> None:
    """The inlined attachments, disks and NICs of one VM equal what follow_link fetches."""
    crawled_attachments = connection.follow_link(crawled_vm.disk_attachments)
    assert [a.id for a in inlined.disk_attachments] == [a.id for a in crawled_attachments]
    assert len(crawled_attachments) >= 1
    for attachment, crawled in zip(inlined.disk_attachments, crawled_attachments):
        disk = connection.follow_link(crawled.disk)
        assert attachment.disk.provisioned_size == disk.provisioned_size > 0
        assert (attachment.disk.name, attachment.disk.status, attachment.disk.format) == (
            disk.name, disk.status, disk.format)
        assert [sd.id for sd in attachment.disk.storage_domains] == [sd.id for sd in disk.storage_domains]
        assert attachment.bootable == crawled.bootable and attachment.interface == crawled.interface
    crawled_nics = connection.follow_link(crawled_vm.nics)
    assert [n.mac.address for n in inlined.nics] == [n.mac.address for n in crawled_nics]
    assert [n.name for n in inlined.nics] == [n.name for n in crawled_nics]
    assert len(crawled_nics) >= 1


@pytest.mark.scenario("demo")
def test_sdk_list_parses_followed_data_equal_to_follow_link(connection):
    vms_service = connection.system_service().vms_service()
    followed = vms_service.list(follow=FOLLOW)
    plain = vms_service.list()
    assert len(followed) == len(plain) == 37
    by_id = {vm.id: vm for vm in followed}
    for vm in plain:
        _assert_equal_to_crawl(connection, by_id[vm.id], vm)
    myvm = next(vm for vm in followed if vm.name == "myvm")
    assert myvm.disk_attachments[0].disk.provisioned_size == 20 * 2**30
    assert myvm.nics[0].mac.address.startswith("56:6f:")


@pytest.mark.scenario("demo")
def test_sdk_get_parses_followed_data_equal_to_follow_link(connection):
    vms_service = connection.system_service().vms_service()
    for vm in vms_service.list(search="name=demo-0*"):
        vm_service = vms_service.vm_service(vm.id)
        got = vm_service.get(follow=FOLLOW)
        assert got.disk_attachments[0].disk.provisioned_size > 0
        assert got.nics[0].mac.address.startswith("56:6f:")
        _assert_equal_to_crawl(connection, got, vm_service.get())


@pytest.mark.scenario("demo")
def test_single_entity_follow_with_references(connection):
    vms_service = connection.system_service().vms_service()
    vm = vms_service.list(search="name=demo-02")[0]
    got = vms_service.vm_service(vm.id).get(follow="disk_attachments.disk,nics,cluster.data_center,host,template")
    assert got.cluster.name == "Default"
    assert got.cluster.data_center.name == "Default"
    assert got.template.name == "Blank"
    assert got.host.name and got.host.status == types.HostStatus.UP
    assert got.host.name == connection.follow_link(vm.host).name
    assert got.disk_attachments[0].disk.storage_domains[0].id


@pytest.mark.scenario("demo")
def test_absent_reference_is_skipped(connection, http, engine):
    vms_service = connection.system_service().vms_service()
    myvm = vms_service.list(search="name=myvm")[0]
    assert myvm.status == types.VmStatus.DOWN and myvm.host is None
    got = vms_service.vm_service(myvm.id).get(follow="host,nics")
    assert got.host is None and len(got.nics) == 1
    listed = next(vm for vm in vms_service.list(follow="host") if vm.name == "myvm")
    assert listed.host is None
    answer = http.get(engine.url + f"/vms/{myvm.id}", params={"follow": "host.cluster"},
                      headers={"Accept": "application/json"})
    assert answer.status_code == 200 and "host" not in answer.json()


@pytest.mark.scenario("demo")
def test_max_does_not_truncate_followed_collections(http, engine, connection):
    vms_service = connection.system_service().vms_service()
    first = vms_service.list(max=1)[0]
    profile = connection.system_service().vnic_profiles_service().list()[0]
    nics_service = vms_service.vm_service(first.id).nics_service()
    while len(nics_service.list()) < 3:
        nics_service.add(types.Nic(name=f"extra{len(nics_service.list())}",
                                   vnic_profile=types.VnicProfile(id=profile.id)))
    limited = etree.fromstring(http.get(engine.url + "/vms", params={"max": "2", "follow": "nics"}).content)
    assert len(limited) == 2
    assert limited[0].get("id") == first.id
    for item in limited:
        listed = etree.fromstring(http.get(engine.url + f"/vms/{item.get('id')}/nics").content)
        assert [n.get("id") for n in item.find("nics")] == [n.get("id") for n in listed]
        assert item.find("link[@rel='nics']") is not None
    assert len(limited[0].find("nics")) == 3


@pytest.mark.scenario("demo")
def test_both_spellings_and_json_inlining(http, engine):
    xml = http.get(engine.url + "/vms", params={"search": "name=myvm", "follow": "diskattachments.DISK"}).content
    vm = etree.fromstring(xml).find("vm")
    assert vm.findtext("disk_attachments/disk_attachment/disk/provisioned_size") == str(20 * 2**30)
    assert vm.find("link[@rel='diskattachments']") is not None
    data = http.get(engine.url + "/vms", params={"search": "name=myvm", "follow": "disk_attachments.disk,nics"},
                    headers={"Accept": "application/json"}).json()
    vm = data["vm"][0]
    assert vm["disk_attachments"]["disk_attachment"][0]["disk"]["provisioned_size"] == str(20 * 2**30)
    assert vm["nics"]["nic"][0]["mac"]["address"].startswith("56:6f:")
    assert {"rel": "nics", "href": f"/ovirt-engine/api/vms/{vm['id']}/nics"} in vm["link"]


@pytest.mark.scenario("demo")
def test_follow_time_is_on_server_timing(http, engine):
    followed = http.get(engine.url + "/vms", params={"follow": FOLLOW})
    assert re.search(r"(^|, )follow;dur=[0-9.]+(,|$)", followed.headers["Server-Timing"])
    plain = http.get(engine.url + "/vms")
    assert "follow;" not in plain.headers["Server-Timing"]


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("url, follow, detail", [
    ("/vms", "x", "Problem following 'x' link in Vm entity."),
    ("/vms", "nics,x", "Problem following 'x' link in Vm entity."),
    ("/vms", "nics.bogus", "Problem following 'bogus' link in Nic entity."),
    ("/vms", "disk_attachments.disk.cluster", "Problem following 'cluster' link in Disk entity."),
    ("/hosts", "vms", "Problem following 'vms' link in Host entity."),
    ("/events", "user.x", "Problem following 'x' link in User entity."),
    ("/jobs", "x", "Problem following 'x' link in Job entity."),
])
@pytest.mark.parametrize("accept", ["application/xml", "application/json"])
def test_unknown_links_are_400_faults(http, engine, url, follow, detail, accept):
    answer = http.get(engine.url + url, params={"follow": follow}, headers={"Accept": accept})
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith(accept)
    if accept == "application/xml":
        fault = etree.fromstring(answer.content)
        assert fault.tag == "fault"
        assert (fault.findtext("reason"), fault.findtext("detail")) == ("Operation Failed", detail)
    else:
        assert answer.json() == {"reason": "Operation Failed", "detail": detail}


@pytest.mark.scenario("demo")
def test_unknown_link_on_a_single_vm_and_through_the_sdk(http, engine, connection):
    vms_service = connection.system_service().vms_service()
    vm = vms_service.list(max=1)[0]
    answer = http.get(engine.url + f"/vms/{vm.id}", params={"follow": "disk_attachments.nope"})
    assert answer.status_code == 400
    assert etree.fromstring(answer.content).findtext("detail") == \
        "Problem following 'nope' link in DiskAttachment entity."
    with pytest.raises(sdk.Error) as failure:
        vms_service.list(follow="x")
    assert failure.value.code == 400
    assert "Problem following 'x' link in Vm entity." in str(failure.value)


@pytest.mark.parametrize("follow", ["a..b.c.d.e.f.g", "nics.$x", "disk attachments"])
def test_malformed_follow_is_a_400_fault(http, engine, follow):
    answer = http.get(engine.url + "/vms", params={"follow": follow})
    assert answer.status_code == 400
    fault = etree.fromstring(answer.content)
    assert fault.tag == "fault"
    assert fault.findtext("detail").startswith("Invalid follow parameter: ")


def test_unknown_link_is_refused_with_nothing_to_follow(http, engine):
    assert http.get(engine.url + "/vms", params={"follow": "nics"}).status_code == 200
    answer = http.get(engine.url + "/vms", params={"follow": "nics.x"})
    assert answer.status_code == 400
    assert etree.fromstring(answer.content).findtext("detail") == "Problem following 'x' link in Nic entity."


def _links(schema) -> list[str]:
    names = [rel for rel, _, _ in schema.links]
    for name, field in schema().fields.items():
        if not field.load_only and (isinstance(field, Ref) or isinstance(field, WrappedList)
                                    and isinstance(field.inner, Ref)):
            names.append(name)
    return names


def _figures_masked(content: bytes) -> bytes:
    """A body with every statistic's figures blanked: they are live, and two reads may fall on
    either side of a sample."""
    return re.sub(rb"<datum>[^<]*</datum>", b"<datum/>", content)


@pytest.mark.scenario("demo")
def test_every_link_of_every_collection_is_followed_the_same_by_handlers_and_generically(http, engine):
    from engine_api.types.links import link_target

    checked = compared = 0
    inlined = set()
    for coll in REGISTRY:
        if coll.parent is None:
            url = f"/{coll.rel}"
        else:
            parents = etree.fromstring(http.get(engine.url + f"/{coll.parent.rel}").content)
            url = f"/{coll.parent.rel}/{parents[0].get('id')}/{coll.rel}"
        for link in _links(coll.schema):
            target = link_target(coll.schema, link)
            paths = [link] + [f"{link}.{deeper}" for deeper in (_links(target.schema) if target else [])]
            for path in paths:
                answer = http.get(engine.url + url, params={"follow": path})
                assert answer.status_code == 200, (url, path, answer.content)
                checked += 1
                if path == link and etree.fromstring(answer.content).find(f"*/{target.attribute}/*") is not None:
                    inlined.add((coll.key, target.attribute))
                if (coll.key, link) in HANDLERS or (coll.key, path) in HANDLERS:
                    with HANDLERS.disabled():
                        generic = http.get(engine.url + url, params={"follow": path})
                    assert _figures_masked(answer.content) == _figures_masked(generic.content), (url, path)
                    compared += 1
    assert checked > 200 and compared >= 30
    # Followed data is inlined wherever the demo has some, references and sub-collections alike.
    assert len(inlined) >= 30
    assert {("vms", "host"), ("hosts/nics", "network"), ("disks", "storage_domains"), ("datacenters", "clusters"),
            ("storagedomains", "disks"), ("vms/diskattachments", "disk")} <= inlined


def _remember_credentials(http, url: str) -> None:
    """One request first, so that the requests measured after it run no authentication query."""
    assert http.get(url).status_code == 200


@pytest.mark.scenario("demo")
def test_handlers_batch_large_id_lists_without_changing_the_answer(http, engine, monkeypatch):
    follow = FOLLOW + ",cluster,host"
    _remember_credentials(http, engine.url)
    whole = http.get(engine.url + "/vms", params={"follow": follow})
    vms = etree.fromstring(whole.content)
    monkeypatch.setattr(follow_handlers, "IDS_PER_QUERY", 4)
    batched = http.get(engine.url + "/vms", params={"follow": follow})
    assert batched.content == whole.content
    levels = [len(vms), len(vms), len(vms.findall("vm/disk_attachments/disk_attachment")),
              len({vm.find("cluster").get("id") for vm in vms}),
              len({vm.find("host").get("id") for vm in vms if vm.find("host") is not None})]
    assert levels[2] > 37 and levels[4] > 1
    extra = sum(-(-ids // 4) - 1 for ids in levels)
    assert extra > 20
    assert _statements(batched) - _statements(whole) == extra


@pytest.mark.scenario("demo")
def test_a_handler_registered_while_serving_loads_its_level_in_one_query(http, engine):
    from collections import defaultdict

    from sqlalchemy import select

    from engine_api import models as m

    calls = []

    def network_profiles(networks, node, ctx):
        calls.append(len(networks))
        by_network = defaultdict(list)
        ids = [network.id for network in networks]
        rows = ctx.session.scalars(select(m.VnicProfile).where(m.VnicProfile.network_id.in_(ids))
                                   .order_by(m.VnicProfile.name))
        for profile in rows:
            by_network[profile.network_id].append(profile)
        return [by_network[network.id] for network in networks]

    _remember_credentials(http, engine.url)
    generic = http.get(engine.url + "/networks", params={"follow": "vnic_profiles"})
    HANDLERS.register("networks", "vnic_profiles", network_profiles)
    try:
        optimized = http.get(engine.url + "/networks", params={"follow": "vnicprofiles"})
    finally:
        HANDLERS.unregister("networks", "vnicprofiles")
    networks = etree.fromstring(optimized.content)
    assert calls == [len(networks)] and len(networks) >= 2
    assert len(networks.findall("network/vnic_profiles/vnic_profile")) >= 2
    assert optimized.content == generic.content
    assert _statements(generic) - _statements(optimized) == len(networks) - 1
    assert ("networks", "vnic_profiles") not in HANDLERS


def test_statements_are_constant_with_handlers_and_generic_is_identical(live_engine, http):
    counts = {}
    bodies = {}
    for size in (10, 1000):
        live_engine.reset(f"scale:{size}")
        _remember_credentials(http, live_engine.url)
        plain = _statements(http.get(live_engine.url + "/vms"))
        answer = http.get(live_engine.url + "/vms", params={"follow": FOLLOW})
        assert answer.status_code == 200
        # The fixed statement of a listing (the VMs), then one per tree level: attachments,
        # disks, NICs, and one for the log's head the answer reflects (a listing from documents
        # reads it with the documents). Credentials checked once are remembered, so no request
        # re-checks them.
        counts[size] = (plain, _statements(answer))
        assert counts[size][1] == plain + 3 + 1
        bodies[size] = answer.content
    assert counts[10] == counts[1000]
    assert bodies[1000].count(b"<disk_attachment ") == 2000
    assert bodies[1000].count(b"<provisioned_size>") == 2000
    assert bodies[1000].count(b"<nic ") == 2000
    with HANDLERS.disabled():
        _remember_credentials(http, live_engine.url)  # remembered for seconds: the answers above took long
        generic = http.get(live_engine.url + "/vms", params={"follow": FOLLOW})
    assert generic.content == bodies[1000]
    # The generic resolver: one query per VM and link, one per attachment for its disk.
    assert _statements(generic) == counts[1000][0] + 1 + 1000 * 2 + 2000
