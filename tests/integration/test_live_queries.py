"""Live queries over the WebSocket, driven by the SDK: the patches applied to a subscription's
first result always equal a fresh GET of its URI; a change that cannot alter a query sends it
nothing; a subscriber that stops reading gets a resync while the engine's queue stays bounded;
bad messages and URIs get errors and the socket stays open; a user sees his own view."""
from __future__ import annotations

import base64
import json
import time

import jsonpatch
import ovirtsdk4.types as types
import pytest
import requests
from websockets.sync.client import connect

from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")

QUERY = "/vms?search=status=up&follow=nics"


class Socket:
    """A live-query socket and the result of each of its subscriptions, kept by its messages."""

    def __init__(self, engine, user=None, password=None, **options):
        credentials = f"{user or engine.username}:{password or engine.password}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(credentials).decode(), **options.pop("headers", {})}
        self._connection = connect(engine.url.replace("http", "ws", 1) + "/ws", additional_headers=headers, **options)
        self.ws = self._connection.__enter__()
        self.results: dict[str, object] = {}
        self.seen: list[dict] = []

    def send(self, **message):
        self.ws.send(json.dumps(message))

    def receive(self, timeout=5.0):
        message = json.loads(self.ws.recv(timeout=timeout))
        self.seen.append(message)
        if message["type"] in ("result", "resync"):
            self.results[message["id"]] = message["result"]
        elif message["type"] == "patch":
            self.results[message["id"]] = jsonpatch.apply_patch(self.results[message["id"]], message["patch"])
        return message

    def subscribe(self, sub_id, uri):
        self.send(op="subscribe", id=sub_id, uri=uri)
        message = self.receive()
        assert message["type"] == "result" and message["id"] == sub_id, message
        return message

    def until(self, predicate, timeout=10.0):
        """Read messages until ``predicate()`` holds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            left = deadline - time.monotonic()
            assert left > 0, f"gave up; last messages: {self.seen[-3:]}"
            try:
                self.receive(timeout=min(left, 0.5))
            except TimeoutError:
                pass

    def quiet(self, seconds=0.6):
        """The messages that arrive within ``seconds``."""
        found = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                found.append(self.receive(timeout=left))
            except TimeoutError:
                break
        return found

    def close(self):
        self._connection.__exit__(None, None, None)


@pytest.fixture
def http(engine):
    session = requests.Session()
    session.auth = (engine.username, engine.password)
    session.headers["Accept"] = "application/json"
    return session


def _fresh(http, engine, uri):
    return http.get(engine.url + uri).json()


def test_patches_keep_each_result_equal_to_a_fresh_get(engine, connection, http):
    vms = connection.system_service().vms_service()
    myvm = vms.list(search="name=myvm")[0]
    one = f"/vms/{myvm.id}?follow=nics"
    socket = Socket(engine)
    try:
        socket.subscribe("up", QUERY)
        socket.subscribe("one", one)

        def check():
            for sub_id, uri in (("up", QUERY), ("one", one)):
                socket.until(lambda: socket.results[sub_id] == _fresh(http, engine, uri))

        service = vms.vm_service(myvm.id)
        service.start()
        wait_for(lambda: service.get().status == types.VmStatus.UP)
        check()
        assert myvm.id in [vm["id"] for vm in socket.results["up"]["vm"]]
        nic = service.nics_service().add(types.Nic(name="nic7", vnic_profile=types.VnicProfile(
            id=service.nics_service().list()[0].vnic_profile.id)))
        check()
        service.nics_service().nic_service(nic.id).update(types.Nic(plugged=False))
        check()
        service.nics_service().nic_service(nic.id).remove()
        check()
        service.stop()
        wait_for(lambda: service.get().status == types.VmStatus.DOWN)
        check()
        added = vms.add(types.Vm(name="live-one", cluster=types.Cluster(name="Default"),
                                 template=types.Template(name="Blank")))
        vms.vm_service(added.id).start()
        wait_for(lambda: vms.vm_service(added.id).get().status == types.VmStatus.UP)
        check()
        vms.vm_service(added.id).stop()
        wait_for(lambda: vms.vm_service(added.id).get().status == types.VmStatus.DOWN)
        vms.vm_service(added.id).remove()
        check()
        assert "live-one" not in [vm["name"] for vm in socket.results["up"]["vm"]]
        kinds = {m["type"] for m in socket.seen}
        assert "patch" in kinds and "resync" not in kinds
    finally:
        socket.close()


def test_a_change_that_cannot_alter_a_query_sends_it_nothing(engine, connection):
    socket = Socket(engine)
    try:
        socket.subscribe("hosts", "/hosts")
        socket.subscribe("myvm", "/vms?search=name=myvm")
        vms = connection.system_service().vms_service()
        other = vms.list(search="name=demo-02")[0]
        vms.vm_service(other.id).update(types.Vm(description="nobody watches this"))
        assert [m for m in socket.quiet() if m["type"] != "heartbeat"] == []
        live = engine.server.asgi.sockets.queries
        evaluations = live.evaluations
        vms.vm_service(other.id).update(types.Vm(description="still nobody"))
        socket.quiet()
        # neither the host query nor the VM search: the VM is not myvm, and a description is not
        # what the search reads
        assert live.evaluations - evaluations == 0
        vms.vm_service(other.id).update(types.Vm(name="myvm-too"))
        socket.quiet()
        assert live.evaluations - evaluations == 1  # a name can bring it in
    finally:
        socket.close()


def test_bad_messages_and_uris_get_errors_and_the_socket_stays_open(engine, connection):
    socket = Socket(engine)
    try:
        socket.subscribe("ok", "/vms?search=name=myvm")
        socket.ws.send("{not json")
        assert socket.receive()["type"] == "error"
        socket.send(op="subscribe", id="far", uri="http://elsewhere/vms")
        error = socket.receive()
        assert (error["type"], error["id"], error["status"]) == ("error", "far", 400)
        socket.send(op="subscribe", id="missing", uri="/vms/no-such-vm")
        error = socket.receive()
        assert (error["type"], error["id"], error["status"]) == ("error", "missing", 404)
        socket.send(op="subscribe", id="search", uri="/vms?search=name=((")
        assert socket.receive()["id"] == "search"
        socket.send(op="dance", id="x")
        assert socket.receive()["type"] == "error"
        socket.send(op="unsubscribe", id="never")
        assert socket.receive()["status"] == 404
        vms = connection.system_service().vms_service()
        myvm = vms.list(search="name=myvm")[0]
        vms.vm_service(myvm.id).update(types.Vm(description="still served"))
        socket.until(lambda: socket.results["ok"]["vm"][0].get("description") == "still served")
    finally:
        socket.close()


def test_watch_streams_the_change_records_after_a_revision(engine, connection, http):
    head = int(http.get(engine.url + "/changes", params={"max": "0"}).headers["Revision"])
    socket = Socket(engine)
    try:
        socket.send(op="watch", id="w", since=head, collection="vms")
        assert socket.receive() == {"type": "watching", "id": "w", "revision": head}
        vms = connection.system_service().vms_service()
        myvm = vms.list(search="name=myvm")[0]
        vms.vm_service(myvm.id).update(types.Vm(description="watched"))
        socket.until(lambda: any(m["type"] == "change" for m in socket.seen))
        change = next(m["change"] for m in socket.seen if m["type"] == "change")
        assert change["collection"] == "vms" and change["id"] == myvm.id and int(change["revision"]) > head
    finally:
        socket.close()


def test_a_subscriber_that_stops_reading_gets_a_resync_and_the_queue_stays_bounded(engine, connection, http):
    vms = connection.system_service().vms_service()
    myvm = vms.list(search="name=myvm")[0]
    uri = f"/vms/{myvm.id}"
    socket = Socket(engine, max_queue=1, compression=None)  # filler that deflates to nothing would not fill
    live = engine.server.asgi.sockets
    try:
        ids = [f"slow{index}" for index in range(100)]
        for sub_id in ids:  # one query, a hundred subscriptions: a hundred messages per change
            socket.subscribe(sub_id, uri)
        assert len(live.queries) == 1
        subscriber = next(iter(live.subscribers))
        filler = "x" * 20000
        for step in range(60):  # some 120 MB to send to a socket that reads nothing
            answer = http.put(engine.url + uri, json={"description": f"{step} {filler}"},
                              headers={"Content-Type": "application/json"})
            assert answer.status_code == 200
            assert len(subscriber) <= subscriber.capacity
        wait_for(lambda: subscriber.dropped > 0 and live.queries.processed >= int(answer.headers["Revision"]),
                 timeout=30)
        assert len(subscriber) <= subscriber.capacity
        fresh = _fresh(http, engine, uri)
        socket.until(lambda: all(socket.results[sub_id] == fresh for sub_id in ids), timeout=60)
        assert any(m["type"] == "resync" for m in socket.seen)
        assert len([m for m in socket.seen if m["type"] == "patch"]) < 60 * len(ids)
    finally:
        socket.close()


def test_a_user_subscribes_to_his_own_view(engine, connection):
    alice = engine.add_user("alice", "wonderland")
    vms = connection.system_service().vms_service()
    myvm = vms.list(search="name=myvm")[0]
    vms.vm_service(myvm.id).permissions_service().add(
        types.Permission(role=types.Role(name="UserRole"), user=types.User(id=alice)))
    socket = Socket(engine, "alice@internal", "wonderland")
    try:
        result = socket.subscribe("mine", "/vms")["result"]
        assert [vm["name"] for vm in result["vm"]] == ["myvm"]
        other = vms.list(search="name=demo-03")[0]
        vms.vm_service(other.id).update(types.Vm(description="not alice's"))
        assert [m for m in socket.quiet() if m["type"] == "patch"] == []
    finally:
        socket.close()
    with pytest.raises(Exception):
        Socket(engine, "alice@internal", "wrong").subscribe("x", "/vms")


def test_a_projected_live_query_sends_patches_of_its_attributes_only(engine, connection, http):
    vms = connection.system_service().vms_service()
    myvm = vms.list(search="name=myvm")[0]
    uri = "/vms?search=name=myvm&projection=name,status"
    socket = Socket(engine)
    try:
        first = socket.subscribe("few", uri)["result"]
        assert set(first["vm"][0]) == {"href", "id", "name", "status"}
        vms.vm_service(myvm.id).update(types.Vm(description="not projected"))
        assert [m for m in socket.quiet() if m["type"] == "patch"] == []
        vms.vm_service(myvm.id).start()
        wait_for(lambda: vms.vm_service(myvm.id).get().status == types.VmStatus.UP)
        socket.until(lambda: socket.results["few"] == _fresh(http, engine, uri))
        patches = [m for m in socket.seen if m["type"] == "patch"]
        assert patches and all(op["path"].endswith("/status") for m in patches for op in m["patch"])
    finally:
        socket.close()


def test_the_same_live_query_over_server_sent_events(engine, connection):
    vms = connection.system_service().vms_service()
    myvm = vms.list(search="name=myvm")[0]
    uri = f"/vms/{myvm.id}"
    stream = requests.get(engine.url + "/live", params={"uri": uri}, auth=(engine.username, engine.password),
                          headers={"Accept": "text/event-stream"}, stream=True, timeout=10)
    assert stream.status_code == 200 and stream.headers["Content-Type"].startswith("text/event-stream")
    lines = stream.iter_lines(decode_unicode=True)

    def event():
        found = {}
        for line in lines:
            if not line:
                if found:
                    return found
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            found[name] = value
        raise AssertionError("the stream ended")

    try:
        first = event()
        assert first["event"] == "result"
        result = json.loads(first["data"])["result"]
        vms.vm_service(myvm.id).update(types.Vm(description="streamed"))
        patch = event()
        assert patch["event"] == "patch" and int(patch["id"]) > int(first["id"])
        assert jsonpatch.apply_patch(result, json.loads(patch["data"])["patch"])["description"] == "streamed"
    finally:
        stream.close()
    missing = requests.get(engine.url + "/live", params={"uri": "/vms/no-such-vm"},
                          auth=(engine.username, engine.password), headers={"Accept": "application/json"})
    assert missing.status_code == 404 and "detail" in missing.json()
    assert requests.get(engine.url + "/live", params={"uri": uri}).status_code == 401


def test_the_reach_of_a_query():
    from engine_api.feed.live import API_ROOT, reach_of

    tops = frozenset({"vms", "hosts", "clusters", "tags", "permissions"})
    one = reach_of("/vms/7", tops)
    assert one.hrefs == (f"{API_ROOT}/vms/7",) and "vms" not in one.collections
    assert one.touched_by("vms/nics", f"{API_ROOT}/vms/7/nics/1") and not one.touched_by("vms", f"{API_ROOT}/vms/8")
    listing = reach_of("/vms?search=cluster=Default&follow=host,nics", tops)
    assert {"vms", "clusters", "hosts", "permissions"} <= listing.collections and listing.hrefs == ()
    assert listing.members == "vms" and listing.fields == {"name", "cluster"}
    assert reach_of("/vms?search=tag=web", tops).members is None  # tags are not in a VM's document
    assert reach_of("/vms?search=web*", tops).members is None  # free text reads several members
    assert reach_of("/vms/7/nics?search=name=eth0", tops).members is None
    assert reach_of("/affinitylabels", tops) is None  # the generic store's: any change may touch it
