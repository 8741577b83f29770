"""Reads never write: a GET or HEAD whose service writes fails loudly, and walking every GET route
of the demo scenario leaves the database as it was."""
from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
import requests
from sqlalchemy import insert, select

from engine_api import models as m
from engine_api.normalize import API_ROOT
from engine_api.vms import monitoring
from tests.helpers import row_counts, wait_for

pytestmark = pytest.mark.scenario("demo")

JSON = {"Accept": "application/json"}
#: The follow= the follow tests ask for, on the VMs collection and on one VM.
VM_FOLLOW = "disk_attachments.disk,nics,cluster.data_center,host,template"


REPORTED_DOMAIN_XML = monitoring.reported_domain_xml


def _writing_read(kind: str):
    """A service for a read route that writes anyway: an ORM change, or an INSERT statement."""
    def service(ctx, vm_id: str) -> Any:
        if kind == "orm":
            ctx.session.get(m.Vm, vm_id).description = "written by a read"
        else:
            ctx.session.execute(insert(m.Event).values(code=1, description="written by a read", severity="normal"))
        return REPORTED_DOMAIN_XML(ctx, vm_id)
    return service


@pytest.mark.parametrize("kind", ["orm", "statement"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_read_that_writes_fails_and_writes_nothing(engine, http, monkeypatch, kind, method):
    vm = http.get(f"{http.base}/vms", params={"search": "status=up"}, headers=JSON).json()["vm"][0]
    url = f"{http.base}/vms/{vm['id']}/reporteddomainxml"
    assert http.request(method, url).status_code == 200
    monkeypatch.setattr(monitoring, "reported_domain_xml", _writing_read(kind))
    before = row_counts(engine.db)

    answer = http.request(method, url, headers=JSON)
    assert answer.status_code == 500
    if method == "GET":
        assert "WriteInRead" in answer.json()["detail"]
    assert row_counts(engine.db) == before
    with engine.db.transaction() as session:
        assert session.get(m.Vm, vm["id"]).description != "written by a read"


def test_the_same_service_writes_when_the_request_is_a_write(engine, http, monkeypatch):
    """The guard is the read's: a PUT runs a writing service in full."""
    vm = http.get(f"{http.base}/vms", params={"search": "status=up"}, headers=JSON).json()["vm"][0]
    monkeypatch.setattr(monitoring, "report_domain_xml", lambda ctx, vm_id, body: _writing_read("orm")(ctx, vm_id))
    answer = http.put(f"{http.base}/vms/{vm['id']}/reporteddomainxml", data=b"<domain/>")
    assert answer.status_code == 200, answer.text
    with engine.db.transaction() as session:
        assert session.get(m.Vm, vm["id"]).description == "written by a read"


# -- the walk ----------------------------------------------------------------------------------------

def _entities(answer: requests.Response) -> list[dict[str, Any]]:
    body = answer.json()
    return next((value for value in body.values() if isinstance(value, list)), []) if body else []


def _quiet(engine) -> bool:
    """No state change is due: nothing in the background writes while the walk runs."""
    with engine.db.transaction() as session:
        return session.scalars(select(m.Transition.id).limit(1)).first() is None


@pytest.fixture
def demo_with_a_template(engine, http):
    """The demo with a template made from ``myvm``, a snapshot of it and a tag on it, its host,
    the template and the administrator, so that every nested collection has an entity."""
    myvm = http.get(f"{http.base}/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]
    made = http.post(f"{http.base}/templates", json={"name": "walked", "vm": {"id": myvm["id"]}}, headers=JSON)
    assert made.status_code in (200, 201, 202), made.text
    template = f"{http.base}/templates/{made.json()['id']}"
    wait_for(lambda: http.get(template, headers=JSON).json()["status"] == "ok" and _quiet(engine))
    tag = http.post(f"{http.base}/tags", json={"name": "walked"}, headers=JSON)
    assert tag.status_code == 201, tag.text
    host = http.get(f"{http.base}/hosts", params={"search": "name=myhost"}, headers=JSON).json()["host"][0]
    admin = http.get(f"{http.base}/users", headers=JSON).json()["user"][0]
    for owner in (f"vms/{myvm['id']}", f"hosts/{host['id']}", f"templates/{made.json()['id']}", f"users/{admin['id']}"):
        assigned = http.post(f"{http.base}/{owner}/tags", json={"name": "walked"}, headers=JSON)
        assert assigned.status_code == 201, assigned.text
    taken = http.post(f"{http.base}/vms/{myvm['id']}/snapshots", json={"description": "walked"}, headers=JSON)
    assert taken.status_code == 201, taken.text
    wait_for(lambda: http.get(taken.headers["Location"].replace("/ovirt-engine/api", http.base, 1),
                              headers=JSON).json()["snapshot_status"] == "ok" and _quiet(engine))
    return engine


class Walk:
    """The GET requests of a walk, the routes they reached and the answers that were not 2xx."""

    def __init__(self, engine, http) -> None:
        self.engine, self.http = engine, http
        self.adapter = engine.app.url_map.bind("localhost")
        self.endpoints: set[str] = set()
        self.failures: list[str] = []

    def get(self, path: str, expect: tuple[int, ...] = (200,), **params: str) -> requests.Response:
        answer = self.http.get(self.http.base + path, params=params, headers=JSON)
        self.endpoints.add(self.adapter.match(API_ROOT + path, method="GET")[0])
        if answer.status_code not in expect:
            self.failures.append(f"GET {path} {params or ''}: {answer.status_code} {answer.text[:200]}")
        return answer

    def collection(self, path: str, nested: list[str], **params: str) -> None:
        """The collection, its first entity, and each nested collection of the first entity that has one."""
        entities = _entities(self.get(path, **params))
        if entities:
            self.get(f"{path}/{urllib.parse.quote(str(entities[0]['id']))}", **params)
        for rel in nested:
            for entity in entities:
                inner = f"{path}/{urllib.parse.quote(str(entity['id']))}/{rel}"
                children = _entities(self.get(inner))
                if children:
                    self.get(f"{inner}/{urllib.parse.quote(str(children[0]['id']))}")
                    break


def _bespoke_get_rules(engine) -> list[Any]:
    """The GET rules of bespoke routes (the generic store's are walked by tests/generic/test_walk.py)."""
    return [rule for rule in engine.app.url_map.iter_rules()
            if "GET" in rule.methods and rule.rule.startswith(API_ROOT) and not rule.endpoint.startswith("generic.")]


def _get_rules(engine) -> set[str]:
    return {rule.endpoint for rule in _bespoke_get_rules(engine)}


def _nested(engine) -> dict[str, list[str]]:
    """Top-level collection → the collections nested in its entities, from the URL rules."""
    nested: dict[str, list[str]] = {}
    for rule in _bespoke_get_rules(engine):
        parts = rule.rule[len(API_ROOT):].strip("/").split("/")
        if not rule.rule.startswith(API_ROOT + "/") or "<" in parts[0]:
            continue
        nested.setdefault(parts[0], [])
        if len(parts) >= 3 and parts[1] == "<parent_id>":
            nested[parts[0]].append(parts[2])
    return nested


def test_walking_every_get_route_of_the_demo_changes_nothing(demo_with_a_template, http):
    engine = demo_with_a_template
    before = row_counts(engine.db)
    walk = Walk(engine, http)
    walk.get("")
    for rel, nested in sorted(_nested(engine).items()):
        walk.collection(f"/{rel}", nested)
    walk.collection("/vms", [], follow=VM_FOLLOW)
    walk.collection("/vms", [], follow="host,nics")
    vms = _entities(walk.get("/vms"))
    running = next(vm for vm in vms if vm["status"] == "up")
    down = next(vm for vm in vms if vm["status"] == "down")
    for vm in (running, down):
        walk.get(f"/vms/{vm['id']}/domainxml")
    walk.get(f"/vms/{running['id']}/reporteddomainxml")
    walk.get(f"/vms/{down['id']}/reporteddomainxml", expect=(409,))
    for owner, rel in ((f"/vms/{running['id']}", "nics"), (f"/hosts/{running['host']['id']}", "nics"),
                       (f"/storagedomains/{_entities(walk.get('/storagedomains'))[0]['id']}", "disks")):
        first = _entities(walk.get(f"{owner}/{rel}"))[0]
        statistics = _entities(walk.get(f"{owner}/{rel}/{first['id']}/statistics"))
        walk.get(f"{owner}/{rel}/{first['id']}/statistics/{statistics[0]['id']}")
    myvm = _entities(walk.get("/vms", search="name=myvm"))[0]
    for snapshot in _entities(walk.get(f"/vms/{myvm['id']}/snapshots")):
        for rel in ("disks", "nics"):
            for held in _entities(walk.get(f"/vms/{myvm['id']}/snapshots/{snapshot['id']}/{rel}")):
                walk.get(f"/vms/{myvm['id']}/snapshots/{snapshot['id']}/{rel}/{held['id']}")
    myexport = _entities(walk.get("/storagedomains", search="name=myexport"))[0]
    for vm in _entities(walk.get(f"/storagedomains/{myexport['id']}/vms")):
        for rel in ("disks", "diskattachments"):
            for held in _entities(walk.get(f"/storagedomains/{myexport['id']}/vms/{vm['id']}/{rel}")):
                walk.get(f"/storagedomains/{myexport['id']}/vms/{vm['id']}/{rel}/{held['id']}")
    assert http.head(f"{http.base}/vms").status_code == 200

    assert walk.failures == []
    assert walk.endpoints == _get_rules(engine)
    assert row_counts(engine.db) == before
