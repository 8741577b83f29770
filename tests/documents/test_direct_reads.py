"""Direct entity reads answer exactly as the application does, and leave it every request they cannot."""
from __future__ import annotations

import base64

import pytest
from sqlalchemy import select
from werkzeug.routing import Map

from engine_api import models as m
from engine_api.documents.direct import DirectReads
from engine_api.documents.store import DOCUMENT_READS

BASIC = "Basic " + base64.b64encode(b"admin@internal:admin").decode()
FORMATS = [None, "application/xml", "application/json", "application/json; detail=full"]
#: Headers the two paths may differ in: how long each took.
TIMING = "server-timing"
JSON = {"Accept": "application/json"}


def _scope(path: str, headers: dict[str, str], method: str = "GET", query: bytes = b"") -> dict:
    return {"type": "http", "method": method, "path": path, "query_string": query,
            "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()]}


def _through_app(engine, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    response = engine.app.test_client().get(path, headers=headers)
    found = {name.lower(): value for name, value in response.headers.items() if name.lower() != TIMING}
    return response.status_code, found, response.data


def _direct(engine, path: str, headers: dict[str, str]):
    direct = DirectReads(engine.engine, engine.app.url_map)
    scope = _scope(path, headers)
    assert direct.takes(scope), path
    answer = direct.answer(scope)
    if answer is None:
        return None
    status, found, body = answer
    return status, {n.decode(): v.decode() for n, v in found if n.decode() != TIMING}, body


def _hrefs(engine) -> list[str]:
    with engine.db.transaction() as session:
        return list(session.scalars(select(m.Document.href).order_by(m.Document.href)))


@pytest.mark.scenario("demo")
def test_every_stored_document_reads_the_same_directly_and_through_the_application(engine, http):
    hrefs = _hrefs(engine)
    collections = {href.split("/")[3] if href.count("/") == 4 else href.split("/")[5] for href in hrefs}
    assert {"vms", "nics", "hosts", "disks", "templates", "storagedomains", "datacenters"} <= collections
    compared = 0
    for href in hrefs:
        for accept in FORMATS:
            headers = {"Authorization": BASIC, **({"Accept": accept} if accept else {})}
            expected = _through_app(engine, href, headers)
            assert expected[0] == 200, href
            assert _direct(engine, href, headers) == expected, (href, accept)
            etag = expected[1]["etag"]
            for tags in (etag, f'"0", {etag}', '"0"'):
                conditional = {**headers, "If-None-Match": tags}
                assert _direct(engine, href, conditional) == _through_app(engine, href, conditional), (href, tags)
            compared += 1
    assert compared == len(hrefs) * len(FORMATS) > 100


@pytest.mark.scenario("demo")
def test_requests_it_cannot_answer_whole_go_to_the_application(engine, http):
    href = next(h for h in _hrefs(engine) if "/vms/" in h and h.count("/") == 4)
    direct = DirectReads(engine.engine, engine.app.url_map)
    # Credentials that do not authenticate: the application answers the 401.
    assert direct.answer(_scope(href, {"Authorization": "Basic " + base64.b64encode(b"admin@internal:x").decode()})) is None
    assert direct.answer(_scope(href, {})) is None
    # A document at a path the application routes no GET for: the application refuses it.
    assert DirectReads(engine.engine, Map()).answer(_scope(href, {"Authorization": BASIC})) is None
    assert direct.answer(_scope(href, {"Authorization": BASIC})) is not None
    # An href without a document: the application answers the 404.
    assert direct.answer(_scope(href[:-4] + "0000", {"Authorization": BASIC})) is None
    assert _through_app(engine, href[:-4] + "0000", {"Authorization": BASIC})[0] == 404


@pytest.mark.parametrize("path, headers, method, query", [
    ("/ovirt-engine/api/vms/{id}", {}, "PUT", b""),
    ("/ovirt-engine/api/vms/{id}", {}, "HEAD", b""),
    ("/ovirt-engine/api/vms/{id}", {}, "GET", b"follow=nics"),
    ("/ovirt-engine/api/vms/{id}", {}, "GET", b"all_content=true"),
    ("/ovirt-engine/api/vms/{id}/", {}, "GET", b""),
    ("/ovirt-engine/api/v4/vms/{id}", {}, "GET", b""),
    ("/ovirt-engine/api//vms/{id}", {}, "GET", b""),
    ("/ovirt-engine/api/vms;max=1/{id}", {}, "GET", b""),
    ("/ovirt-engine/api/vms/%7Bid%7D", {}, "GET", b""),
    ("/ovirt-engine/api/vms", {}, "GET", b""),
    ("/ovirt-engine/api/vms/{id}/start", {}, "GET", b""),
    ("/ovirt-engine/api/vms/{id}", {"Version": "3"}, "GET", b""),
    ("/ovirt-engine/api/vms/{id}", {"Filter": "true"}, "GET", b""),
    ("/ovirt-engine/api/vms/{id}", {"All-Content": "true"}, "GET", b""),
    ("/ovirt-engine/api/vms/{id}", {"Correlation-Id": "x" * 300}, "GET", b""),
    ("/ovirt-engine/api/vms/{id}", {"Accept": "application/json\x00"}, "GET", b""),
])
def test_only_the_plain_form_is_taken(path, headers, method, query):
    scope = _scope(path.replace("{id}", "0b4c36b6-0f1e-4a35-9a64-0d5e2c0f3b1a"), headers, method, query)
    assert not DirectReads(None, Map()).takes(scope)


def test_the_plain_form_is_taken_and_not_when_documents_are_off():
    scope = _scope("/ovirt-engine/api/vms/0b4c36b6-0f1e-4a35-9a64-0d5e2c0f3b1a/nics/7",
                   {"Accept": "application/json", "Version": "4", "Authorization": BASIC})
    assert DirectReads(None, Map()).takes(scope)
    with DOCUMENT_READS.disabled():
        assert not DirectReads(None, Map()).takes(scope)


@pytest.mark.scenario("demo")
def test_the_server_answers_entity_reads_directly(engine, http):
    vm = http.get(engine.url + "/vms", params={"search": "name=myvm"}, headers={"Accept": "application/json"}).json()["vm"][0]
    before = engine.db.driver_statements.count
    response = http.get(vm["href"].replace("/ovirt-engine/api", engine.url))
    # One statement, on the driver's cursor, counted as such.
    assert engine.db.driver_statements.count == before + 1
    # The application's Server-Timing names its render step; a direct answer has none.
    assert response.status_code == 200 and "render;" not in response.headers["Server-Timing"]
    assert response.headers["Revision"] and response.headers["ETag"] == f'"{response.headers["Revision"]}"'
    assert http.get(vm["href"].replace("/ovirt-engine/api", engine.url),
                    headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    # A write moves the entity's revision on, on both paths alike.
    updated = http.put(vm["href"].replace("/ovirt-engine/api", engine.url), json={"description": "moved"},
                       headers={"Accept": "application/json"})
    assert updated.status_code == 200
    again = http.get(vm["href"].replace("/ovirt-engine/api", engine.url), headers={"Accept": "application/json"})
    assert again.json()["description"] == "moved" and int(again.headers["Revision"]) > int(response.headers["Revision"])


@pytest.mark.scenario("demo")
def test_every_answer_tells_the_revision_it_reflects(engine, http):
    head = int(http.get(engine.url + "/vms", headers=JSON).headers["Revision"])
    vm = http.get(engine.url + "/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]
    # A read answered from rows (a search listing of rows, the API root) tells the log's head.
    assert int(http.get(engine.url, headers=JSON).headers["Revision"]) == head
    # A write tells the revision of its own last change.
    added = http.post(engine.url + f"/vms/{vm['id']}/nics", json={"name": "told1"}, headers=JSON)
    assert added.status_code == 201 and int(added.headers["Revision"]) > head
    got = http.get(engine.url + f"/vms/{vm['id']}/nics/{added.json()['id']}", headers=JSON)
    # The NIC's document was written by that write (which may change more than the NIC).
    assert head < int(got.headers["Revision"]) <= int(added.headers["Revision"])
    removed = http.delete(engine.url + f"/vms/{vm['id']}/nics/{added.json()['id']}")
    assert int(removed.headers["Revision"]) > int(added.headers["Revision"])
