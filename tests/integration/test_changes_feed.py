"""The change feed with real clients over loopback: SSE and long-polls, resume, 410, 400s and 401s."""
from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any, Iterator

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest
import requests
from lxml import etree

from engine_api.feed import prune
from tests.helpers import wait_for
from tests.push.sse_client import SseClient

JSON = {"Accept": "application/json"}
XML = {"Accept": "application/xml"}


def _auth(engine: Any) -> tuple[str, str]:
    return engine.username, engine.password


def _head(http: Any, engine: Any) -> int:
    return int(http.get(engine.url + "/changes", headers=JSON).json()["revision"])


def _log_after(http: Any, engine: Any, since: int, **params: Any) -> list[dict]:
    """Every change after ``since``, read page by page through the long-poll feed."""
    changes: list[dict] = []
    while True:
        page = http.get(engine.url + "/changes", params={"since": since, "max": 50, **params}, headers=JSON).json()
        changes.extend(page["change"])
        if int(page["revision"]) == since:
            return changes
        since = int(page["revision"])


@pytest.fixture
def short_heartbeat(engine: Any) -> Iterator[float]:
    streams = engine.server.asgi.streams
    saved = streams.stream_settings
    streams.stream_settings = replace(saved, heartbeat=0.3)
    yield 0.3
    streams.stream_settings = saved


def _sdk_sequence(connection: sdk.Connection, vm_name: str = "watched") -> str:
    """Add a VM, add a NIC, update the VM, start it, stop it, remove it; the VM's id."""
    vms = connection.system_service().vms_service()
    vm = vms.add(types.Vm(name=vm_name, cluster=types.Cluster(name="Default"),
                          template=types.Template(name="Blank")))
    service = vms.vm_service(vm.id)
    service.nics_service().add(types.Nic(name="nic1", interface=types.NicInterface.VIRTIO))
    service.update(types.Vm(description="watched closely", memory=2 * 1024 ** 3))
    service.start()
    wait_for(lambda: service.get().status == types.VmStatus.UP, timeout=30)
    service.stop()
    wait_for(lambda: service.get().status == types.VmStatus.DOWN, timeout=30)
    service.remove()
    # a VM with disks goes when its disks are gone, a step after the answer
    wait_for(lambda: not vms.list(search=f"name={vm_name}"), timeout=30)
    return vm.id


@pytest.mark.scenario("demo")
def test_an_sse_client_sees_every_change_of_an_sdk_sequence_once_in_revision_order(engine, http, connection):
    head = _head(http, engine)
    with SseClient(engine.url, _auth(engine), since=head) as client:
        assert client.wait_live() == head
        vm_id = _sdk_sequence(connection)
        logged = _log_after(http, engine, head)
        final = int(logged[-1]["revision"])
        client.wait_for_revision(final)
        seen = client.changes

    assert [int(c["revision"]) for c in logged] == list(range(head + 1, final + 1)), "the log has no gap"
    assert [int(e.id) for e in seen] == [int(c["revision"]) for c in logged], "each change once, in order"
    assert [e.json() for e in seen] == logged
    mine = [(e.json()["collection"], e.event) for e in seen if vm_id in e.json()["href"]]
    assert mine[0] == ("vms", "added") and ("vms/nics", "added") in mine
    removal = {("vms/nics", "deleted"), ("vms/snapshots", "deleted"), ("vms", "deleted")}  # its active snapshot too
    assert set(mine[-3:]) == removal
    statuses = [e.json()["document"]["status"] for e in seen
                if e.json()["href"].endswith(f"/vms/{vm_id}") and e.event == "modified"]
    assert "up" in statuses and statuses[-1] == "down"
    updated = next(e.json() for e in seen if e.event == "modified" and
                   e.json()["document"].get("description") == "watched closely")
    assert {"op": "replace", "path": "/memory", "value": str(2 * 1024 ** 3)} in updated["patch"]


@pytest.mark.scenario("demo")
def test_a_client_resuming_with_its_last_event_id_misses_nothing_and_repeats_nothing(engine, http, connection):
    head = _head(http, engine)
    vms = connection.system_service().vms_service()
    first = SseClient(engine.url, _auth(engine), since=head)
    first.wait_live()
    ids = [vms.add(types.Vm(name=f"resume{index}", cluster=types.Cluster(name="Default"),
                            template=types.Template(name="Blank"))).id for index in range(3)]
    first.wait_until(lambda client: len(client.changes) >= 2)
    first.close()
    seen_before = first.revisions
    resume_from = first.last_event_id
    for vm_id in ids:
        vms.vm_service(vm_id).update(types.Vm(description="while away"))
    # A browser reconnects to the URL it first used, adding Last-Event-ID: the header wins.
    with SseClient(engine.url, _auth(engine), since=head, last_event_id=resume_from) as second:
        logged = [int(c["revision"]) for c in _log_after(http, engine, head)]
        second.wait_for_revision(logged[-1])
        seen_after = second.revisions

    assert seen_before and seen_after and seen_before[-1] == resume_from
    assert seen_before + seen_after == logged
    assert len(set(seen_before + seen_after)) == len(logged)


@pytest.mark.scenario("demo")
def test_a_filtered_subscriber_gets_only_its_collection_and_bookmarks_past_the_rest(engine, http, connection,
                                                                                    short_heartbeat):
    head = _head(http, engine)
    vms = connection.system_service().vms_service()
    with SseClient(engine.url, _auth(engine), since=head, collection="vms/nics") as client:
        client.wait_live()
        vm = vms.add(types.Vm(name="filtered", cluster=types.Cluster(name="Default"),
                              template=types.Template(name="Blank")))
        vms.vm_service(vm.id).nics_service().add(types.Nic(name="only", interface=types.NicInterface.VIRTIO))
        vms.vm_service(vm.id).update(types.Vm(description="not a NIC change"))
        final = _head(http, engine)
        client.wait_until(lambda c: any(e.event == "bookmark" and int(e.id) == final for e in c.events))
        changes = [e.json() for e in client.changes]
        comments = [e for e in client.events if e.event == "comment"]

    assert [(c["collection"], c["kind"]) for c in changes] == [("vms/nics", "added")]
    assert changes[0]["document"]["name"] == "only"
    long_poll = http.get(engine.url + "/changes", params={"since": head, "collection": "vms/nics"},
                         headers=JSON).json()
    assert [c["revision"] for c in long_poll["change"]] == [changes[0]["revision"]]
    assert int(long_poll["revision"]) == final
    assert comments == [] or all(c.comment == "heartbeat" for c in comments)


@pytest.mark.scenario("demo")
def test_an_idle_stream_sends_heartbeats(engine, http, short_heartbeat):
    with SseClient(engine.url, _auth(engine)) as client:
        client.wait_live()
        client.wait_until(lambda c: sum(e.event == "comment" for e in c.events) >= 2, timeout=5)
        assert all(e.comment == "heartbeat" for e in client.events if e.event == "comment")
        assert client.changes == []


@pytest.mark.scenario("demo")
def test_resuming_from_before_the_retention_window_is_gone(engine, http, connection):
    head = _head(http, engine)
    vms = connection.system_service().vms_service()
    for index in range(4):
        vms.add(types.Vm(name=f"old{index}", cluster=types.Cluster(name="Default"),
                         template=types.Template(name="Blank")))
    prune(engine.db, keep=3)
    now = _head(http, engine)

    with SseClient(engine.url, _auth(engine), last_event_id=head) as gone:
        assert gone.status == 410
        fault = etree.fromstring(gone.body)
        assert fault.tag == "fault" and fault.findtext("reason") == "Gone"
        assert "list the entities again" in fault.findtext("detail")
    answer = http.get(engine.url + "/changes", params={"since": head}, headers=JSON)
    assert answer.status_code == 410 and "no longer kept" in answer.json()["detail"]
    future = http.get(engine.url + "/changes", params={"since": now + 1000}, headers=JSON)
    assert future.status_code == 410 and "after the newest revision" in future.json()["detail"]
    kept = http.get(engine.url + "/changes", params={"since": now - 3}, headers=JSON)
    assert kept.status_code == 200
    assert [int(c["revision"]) for c in kept.json()["change"]] == [now - 2, now - 1, now]


@pytest.mark.scenario("demo")
def test_a_long_poll_returns_as_soon_as_a_change_commits(engine, http):
    head = _head(http, engine)
    vm = http.get(engine.url + "/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]
    written: list[float] = []

    def write_later() -> None:
        time.sleep(0.5)
        answer = http.put(engine.url + f"/vms/{vm['id']}", json={"description": "poke"}, headers=JSON)
        assert answer.status_code == 200
        written.append(time.monotonic())

    writer = threading.Thread(target=write_later)
    started = time.monotonic()
    writer.start()
    answer = requests.get(engine.url + "/changes", params={"since": head, "wait": 30}, headers=JSON,
                          auth=_auth(engine), timeout=40)
    returned = time.monotonic()
    writer.join()

    assert answer.status_code == 200
    assert returned - started >= 0.4 and returned - written[0] < 1.0
    page = answer.json()
    assert any(c["href"] == vm["href"] and c["document"]["description"] == "poke" for c in page["change"])
    assert answer.headers["Revision"] == page["revision"] == page["change"][-1]["revision"]


@pytest.mark.scenario("demo")
def test_a_long_poll_with_nothing_to_tell_answers_at_its_wait_with_the_head(engine, http):
    head = _head(http, engine)
    started = time.monotonic()
    answer = http.get(engine.url + "/changes", params={"since": head, "wait": 1}, headers=XML)
    elapsed = time.monotonic() - started
    assert answer.status_code == 200 and 0.9 <= elapsed < 5
    root = etree.fromstring(answer.content)
    assert root.tag == "changes" and root.get("revision") == str(head) and root.findall("change") == []


@pytest.mark.parametrize("params, headers, detail", [
    ({"since": "-1"}, {}, "'since' must be a non-negative integer"),
    ({"since": "abc"}, {}, "'since' must be a non-negative integer"),
    ({"since": "1e3"}, {}, "'since' must be a non-negative integer"),
    ({"wait": "1.5"}, {}, "'wait' must be a non-negative integer"),
    ({"wait": ""}, {}, "'wait' must be a non-negative integer"),
    ({"max": "ten"}, {}, "'max' must be a non-negative integer"),
    ({"since": "9" * 19}, {}, "at most 18 digits"),
    ({}, {"Last-Event-ID": "latest"}, "'Last-Event-ID' must be a non-negative integer"),
    ({"since": "1&since=2"}, {}, "more than once"),
    ({"collection": "nope"}, {}, "There is no collection 'nope'"),
])
@pytest.mark.parametrize("accept", ["application/json", "application/xml", "text/event-stream"])
def test_a_bad_parameter_is_a_400_fault_in_the_negotiated_format(engine, params, headers, detail, accept):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    answer = requests.get(engine.url + "/changes" + ("?" + query if query else ""), auth=_auth(engine),
                          headers={"Accept": accept, **headers}, timeout=10)
    assert answer.status_code == 400
    if accept == "application/json":
        assert answer.json()["reason"] == "Bad Request" and detail in answer.json()["detail"]
    else:
        fault = etree.fromstring(answer.content)
        assert fault.findtext("reason") == "Bad Request" and detail in fault.findtext("detail")


@pytest.mark.parametrize("authorization", [None, "Basic " + "YWRtaW5AaW50ZXJuYWw6d3Jvbmc=", "Bearer nonsense",
                                           "Digest abc"])
@pytest.mark.parametrize("accept", ["application/json", "text/event-stream"])
def test_an_unauthenticated_request_is_a_401_fault_with_the_challenge(engine, authorization, accept):
    headers = {"Accept": accept, **({"Authorization": authorization} if authorization else {})}
    answer = requests.get(engine.url + "/changes", params={"since": "not even checked"}, headers=headers,
                          timeout=10)
    assert answer.status_code == 401
    assert "Basic" in answer.headers["WWW-Authenticate"] and "Bearer" in answer.headers["WWW-Authenticate"]
    reason = answer.json()["reason"] if accept == "application/json" else \
        etree.fromstring(answer.content).findtext("reason")
    assert reason == "Unauthorized"


def test_an_sso_token_opens_the_feed_and_other_methods_are_refused(engine):
    issued = requests.get(engine.url.replace("/api", "") + "/sso/oauth/token", headers=JSON, params={
        "grant_type": "password", "scope": "ovirt-app-api", "username": engine.username,
        "password": engine.password}, timeout=10).json()
    bearer = {"Authorization": f"Bearer {issued['access_token']}", **JSON}
    answer = requests.get(engine.url + "/v4/changes/", headers=bearer, timeout=10)
    assert answer.status_code == 200 and "revision" in answer.json()
    refused = requests.post(engine.url + "/changes", headers=bearer, data="{}", timeout=10)
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET"
