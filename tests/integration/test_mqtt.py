"""Every change of a live engine published to a real mosquitto: retained state per entity, the
changes in order once each, cleared topics for removed entities, Doctor's payloads, and one
publisher among several worker processes."""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Iterator

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest
import requests

from engine_api.serving.mqtt import mqtt_publisher
from engine_api.testing import LiveEngine
from tests.helpers import wait_for
from tests.push.mosquitto import Mosquitto, Subscriber

JSON = {"Accept": "application/json"}
API = "/ovirt-engine/api"


@pytest.fixture(scope="module")
def broker() -> Iterator[Mosquitto]:
    with Mosquitto() as server:
        yield server


@pytest.fixture(scope="module")
def published(broker: Mosquitto, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveEngine]:
    """The demo on a live engine publishing to ``broker``, its database in a file another engine may share."""
    live = LiveEngine(f"sqlite:///{tmp_path_factory.mktemp('mqtt') / 'engine.sqlite'}", transition_delay=0.0)
    live.config.mqtt = broker.url
    live.reset("demo")
    live.start()
    yield live
    if not live.server.server.should_exit:
        live.stop()


def _head(engine: LiveEngine) -> int:
    return int(requests.get(engine.url + "/changes", auth=(engine.username, engine.password), headers=JSON,
                            timeout=10).json()["revision"])


def _logged_after(engine: LiveEngine, since: int) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    while True:
        page = requests.get(engine.url + "/changes", params={"since": since, "max": 500}, headers=JSON,
                            auth=(engine.username, engine.password), timeout=10).json()
        changes.extend(page["change"])
        if int(page["revision"]) == since:
            return changes
        since = int(page["revision"])


def _topic(href: str, prefix: str = "ovirt") -> str:
    return prefix + href[len(API):]


def _mqtt_published(engine: LiveEngine) -> int | None:
    """The revision the engine's own publisher has published up to, once it has."""
    from sqlalchemy import select

    from engine_api.documents.rows import LogPublication

    with engine.db.engine.connect() as connection:
        return connection.execute(select(LogPublication.revision)
                                  .where(LogPublication.name.like("mqtt:%"))).scalar()


def test_a_subscriber_that_joins_late_gets_every_entity_published_at_the_first_start(published, broker):
    wait_for(lambda: _mqtt_published(published) is not None)
    documents = requests.get(published.url + "/templates", auth=(published.username, published.password),
                             headers=JSON, timeout=10).json()["template"]
    with Subscriber(broker.port, "ovirt/templates/+") as late:
        late.wait_until(lambda s: len(s.messages) >= len(documents))
        retained = {m.topic: json.loads(m.payload) for m in late.messages}
    assert {_topic(t["href"]): t for t in documents} == {topic: r["document"] for topic, r in retained.items()}


def test_retained_topics_hold_the_latest_state_and_removed_entities_are_cleared(published, broker):
    engine = published
    db = engine.db
    doctor = mqtt_publisher(db, replace(engine.config, mqtt_mode="doctor", mqtt_prefix="doctor"), lambda: True)
    assert doctor is not None
    with Subscriber(broker.port, "ovirt/#", "doctor/#") as live:
        wait_for(lambda: _mqtt_published(engine) == _head(engine))
        start = _head(engine)
        doctor.start()
        db.recorder.on_commit.append(doctor.wake)
        try:
            wait_for(lambda: doctor.published is not None)
            connection = sdk.Connection(url=engine.url, username=engine.username, password=engine.password)
            vms = connection.system_service().vms_service()
            kept = vms.add(types.Vm(name="kept", cluster=types.Cluster(name="Default"),
                                    template=types.Template(name="Blank")))
            gone = vms.add(types.Vm(name="gone", cluster=types.Cluster(name="Default"),
                                    template=types.Template(name="Blank")))
            vms.vm_service(kept.id).update(types.Vm(description="first"))
            vms.vm_service(kept.id).update(types.Vm(description="second"))
            nic = vms.vm_service(gone.id).nics_service().add(types.Nic(name="nic1"))
            vms.vm_service(gone.id).update(types.Vm(memory=2 * 2**30))
            vms.vm_service(gone.id).remove()
            connection.close()

            logged = _logged_after(engine, start)
            last = int(logged[-1]["revision"])
            live.wait_until(lambda s: s.on("ovirt/changes")
                            and json.loads(s.on("ovirt/changes")[-1].payload)["revision"] == str(last))
            on_changes = [change for change in (json.loads(m.payload) for m in live.on("ovirt/changes"))
                          if int(change["revision"]) > start]
            assert on_changes == logged, "each change once, in revision order, as the feed has it"
            assert [int(c["revision"]) for c in on_changes] == list(range(start + 1, last + 1))

            gone_topic = _topic(f"{API}/vms/{gone.id}")
            nic_topic = _topic(f"{API}/vms/{gone.id}/nics/{nic.id}")
            assert live.on(gone_topic)[-1].payload == b"", "a removed VM's topic is cleared"
            assert live.on(nic_topic)[-1].payload == b"", "and its NIC's, removed with it"
            assert json.loads(live.on(nic_topic)[0].payload)["document"]["name"] == "nic1"

            wait_for(lambda: doctor.published == last)
            doctor_kept = [m.payload for m in live.on(f"doctor/vms/{kept.id}")]
            assert doctor_kept[0] == b"+"
            assert b"description" in doctor_kept[1].split(b",")
            assert not any(m.retain for m in live.messages if m.topic.startswith("doctor/"))
            doctor_gone = [m.payload for m in live.on(f"doctor/vms/{gone.id}")]
            assert doctor_gone[0] == b"+" and doctor_gone[-1] == b"-"
            assert b"memory" in doctor_gone[-2].split(b",")
            assert live.on(f"doctor/vms/{gone.id}/nics/{nic.id}")[0].payload == b"+"
        finally:
            db.recorder.on_commit.remove(doctor.wake)
            doctor.stop()

    with Subscriber(broker.port, "ovirt/vms/#") as late:
        kept_topic = _topic(f"{API}/vms/{kept.id}")
        late.wait_until(lambda s: s.on(kept_topic))
        answer = requests.get(f"{engine.url}/vms/{kept.id}", auth=(engine.username, engine.password), headers=JSON,
                              timeout=10)
        retained = json.loads(late.on(kept_topic)[0].payload)
        assert late.on(kept_topic)[0].retain
        assert retained["revision"] == answer.headers["Revision"]
        assert retained["document"] == answer.json()
        assert retained["document"]["description"] == "second"
        assert not [m for m in late.messages if m.topic.startswith(gone_topic)], "nothing retained of the removed VM"


def test_two_engines_on_one_database_publish_each_change_once_and_hand_over(published, broker):
    """Two engines on one database: only the lease holder publishes; when it stops, the other
    takes over from the revision it had published."""
    first = published
    second = LiveEngine(first.config.database, transition_delay=0.0)
    second.config.mqtt = broker.url
    auth = (first.username, first.password)

    def add_tags(engine: LiveEngine, prefix: str) -> None:
        for index in range(3):
            answer = requests.post(engine.url + "/tags", auth=auth, headers=JSON, json={"name": f"{prefix}-{index}"},
                                   timeout=10)
            assert answer.status_code == 201, answer.text

    with Subscriber(broker.port, "ovirt/changes", "ovirt/tags/+") as live:
        second.start()
        try:
            start = _head(first)
            for engine, prefix in ((first, "a"), (second, "b"), (first, "c")):
                add_tags(engine, prefix)
            first.stop()
            add_tags(second, "d")
            last = _head(second)
            live.wait_until(lambda s: s.on("ovirt/changes")
                            and json.loads(s.on("ovirt/changes")[-1].payload)["revision"] == str(last))
        finally:
            second.stop()
    revisions = [int(json.loads(m.payload)["revision"]) for m in live.on("ovirt/changes")]
    assert [revision for revision in revisions if revision > start] == list(range(start + 1, last + 1))
    names = {json.loads(m.payload)["document"]["name"] for m in live.messages
             if m.topic.startswith("ovirt/tags/") and m.payload}
    assert {f"{prefix}-{index}" for prefix in "abcd" for index in range(3)} <= names
