"""The MQTT publisher: topic names, payloads in both modes, and publishing a log to a real mosquitto."""
from __future__ import annotations

import json
from typing import Iterator

import pytest

from push import MemoryChangeLog
from push.mqtt import (
    Broker,
    MemoryPublicationStore,
    MqttPublisher,
    StoredDocument,
    Topics,
    changed_keys,
    doctor_payload,
    messages,
)
from push.records import ChangeRecord
from tests.helpers import wait_for
from tests.push.mosquitto import Mosquitto, Subscriber

API = "/ovirt-engine/api"


def _record(kind: str, href: str = f"{API}/vms/v1", document: str | None = '{"id": "v1", "name": "a"}',
            patch: str = '[{"op": "add", "path": "", "value": {}}]', revision: int = 7) -> ChangeRecord:
    collection = "vms/nics" if "/nics/" in href else "vms"
    return ChangeRecord(revision, kind, collection, href.rsplit("/", 1)[1], href, document, patch, 1700000000.5)


def test_topics_follow_the_href_below_the_api_root():
    topics = Topics("ovirt", API)
    assert topics.entity(f"{API}/vms/v1") == "ovirt/vms/v1"
    assert topics.entity(f"{API}/vms/v1/nics/n1") == "ovirt/vms/v1/nics/n1"
    assert topics.entity(f"{API}/vms/v1/cdroms/00000000-0000-0000-0000-000000000000") == \
        "ovirt/vms/v1/cdroms/00000000-0000-0000-0000-000000000000"
    assert topics.entity(f"{API}/tags/a+b#c%") == "ovirt/tags/a%2Bb%23c%25"
    assert topics.changes == "ovirt/changes"
    assert Topics("", API).entity(f"{API}/hosts/h1") == "hosts/h1"
    assert Topics("site/a", API).changes == "site/a/changes"


def test_broker_urls():
    assert Broker.parse("mqtt://broker") == Broker("broker", 1883)
    assert Broker.parse("mqtts://u:p%40ss@broker:8884") == Broker("broker", 8884, True, "u", "p@ss")
    for bad in ("http://broker", "mqtt://", "mqtt://broker/topic", "mqtt://broker:x"):
        with pytest.raises(ValueError):
            Broker.parse(bad)


def test_documents_mode_retains_revision_and_document_and_clears_on_delete():
    topics = Topics("ovirt", API)
    entity, change = messages(_record("modified", patch='[{"op": "replace", "path": "/name", "value": "a"}]'),
                              topics)
    assert (entity.topic, entity.retain) == ("ovirt/vms/v1", True)
    assert json.loads(entity.payload) == {"revision": "7", "collection": "vms", "id": "v1",
                                          "href": f"{API}/vms/v1", "document": {"id": "v1", "name": "a"}}
    assert (change.topic, change.retain) == ("ovirt/changes", False)
    assert json.loads(change.payload) == {"revision": "7", "kind": "modified", "collection": "vms", "id": "v1",
                                          "href": f"{API}/vms/v1", "committed_at": 1700000000500,
                                          "document": {"id": "v1", "name": "a"},
                                          "patch": [{"op": "replace", "path": "/name", "value": "a"}]}
    cleared, change = messages(_record("deleted", document=None, patch='[{"op": "remove", "path": ""}]'), topics)
    assert (cleared.topic, cleared.payload, cleared.retain) == ("ovirt/vms/v1", b"", True)
    assert "document" not in json.loads(change.payload)


def test_doctor_mode_publishes_plus_minus_or_the_changed_top_level_keys():
    assert doctor_payload(_record("added")) == b"+"
    assert doctor_payload(_record("deleted", document=None)) == b"-"
    patch = json.dumps([{"op": "replace", "path": "/status", "value": "up"},
                        {"op": "remove", "path": "/description"},
                        {"op": "add", "path": "/a~1b/0", "value": 1},
                        {"op": "replace", "path": "/status", "value": "down"},
                        {"op": "move", "from": "/old", "path": "/new"}])
    assert doctor_payload(_record("modified", patch=patch)) == b"status,description,a/b,new,old"
    assert doctor_payload(_record("modified", patch="[]")) is None
    assert changed_keys('[{"op": "replace", "path": "", "value": {}}]', '{"x": 1, "y": 2}') == ["x", "y"]
    entity, change = messages(_record("modified", patch=patch), Topics("ovirt", API), "doctor")
    assert (entity.topic, entity.payload, entity.retain) == ("ovirt/vms/v1", b"status,description,a/b,new,old",
                                                             False)
    assert change.topic == "ovirt/changes"
    assert [m.topic for m in messages(_record("modified", patch="[]"), Topics("ovirt", API), "doctor")] == \
        ["ovirt/changes"]


@pytest.fixture
def broker() -> Iterator[Mosquitto]:
    with Mosquitto() as server:
        yield server


def _document(name: str) -> str:
    return json.dumps({"name": name})


def test_a_log_is_published_once_in_order_and_resumed_after_the_broker_comes_back(broker):
    log = MemoryChangeLog()
    log.append("vms", "old", "added", _document("before"))
    store = MemoryPublicationStore()
    snapshot = [StoredDocument(1, "vms", "old", "/vms/old", _document("before"))]
    publisher = MqttPublisher(log, broker.url, store, snapshot=lambda: (1, snapshot), topics=Topics("t", ""),
                              poll_interval=0.02, min_backoff=0.05, max_backoff=0.2)
    with Subscriber(broker.port, "t/#") as live:
        publisher.start()
        try:
            live.wait_until(lambda s: s.on("t/vms/old"))
            log.append("vms", "a", "added", _document("a1"))
            log.append("vms", "a", "modified", _document("a2"))
            log.append("vms", "b", "added", _document("b1"))
            log.append("vms", "b", "deleted", None)
            publisher.wake()
            live.wait_until(lambda s: len(s.on("t/changes")) == 4)
            assert [json.loads(m.payload)["revision"] for m in live.on("t/changes")] == ["2", "3", "4", "5"]
            wait_for(lambda: store.load() == 5)
            with Subscriber(broker.port, "t/vms/+") as late:
                late.wait_until(lambda s: len(s.messages) == 2)
                retained = {m.topic: json.loads(m.payload) for m in late.messages}
                assert all(m.retain for m in late.messages)
                assert retained["t/vms/a"]["revision"] == "3"
                assert retained["t/vms/a"]["document"] == {"name": "a2"}
                assert retained["t/vms/old"]["document"] == {"name": "before"}
                assert "t/vms/b" not in retained

            broker.stop()
            log.append("vms", "c", "added", _document("while-away"))
            publisher.wake()
            broker.start()
            wait_for(lambda: store.load() == 6)
            with Subscriber(broker.port, "t/vms/+") as after:
                after.wait_until(lambda s: s.messages)
                assert [(m.topic, json.loads(m.payload)["revision"]) for m in after.messages] == [("t/vms/c", "6")]
        finally:
            publisher.stop()
