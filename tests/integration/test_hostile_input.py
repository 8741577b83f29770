"""Hostile input over a real socket: a 4xx oVirt fault in the negotiated format that changes nothing.

Every case runs on SQLite and on PostgreSQL; bodies are sent as XML and as JSON where both
formats can carry them, and the fault is asked for in the same format.
"""
from __future__ import annotations

import base64
import json
import socket
from dataclasses import dataclass
from typing import Any, Optional

import pytest
import requests
from lxml import etree
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from engine_api.models import DataCenter
from engine_api.search.parser import MAX_TERMS
from engine_api.services import crud
from tests.helpers import row_counts
from tests.serving.rawhttp import address, exchange, read_response

JSON = "application/json"
XML = "application/xml"
FORMATS = (JSON, XML)
DEEP = 100_000
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Body:
    """A request body in the formats that can carry it, and what its fault must say."""

    method: str
    path: str
    json: Optional[str]
    xml: Optional[str]
    detail: str
    status: int = 400

    def text(self, media_type: str) -> Optional[str]:
        return self.json if media_type == JSON else self.xml


def _vm(extra_json: str = "", extra_xml: str = "", name: str = "hostile") -> tuple[str, str]:
    return (f'{{"name": "{name}", "cluster": {{"name": "Default"}}{extra_json}}}',
            f"<vm><name>{name}</name><cluster><name>Default</name></cluster>{extra_xml}</vm>")


def _event(extra_json: str, extra_xml: str) -> tuple[str, str]:
    return ('{"description": "d", "severity": "normal", "origin": "o", "custom_id": "1"' + extra_json + "}",
            "<event><description>d</description><severity>normal</severity><origin>o</origin>"
            f"<custom_id>1</custom_id>{extra_xml}</event>")


ADDED = {
    "array nested 10^5 deep": Body("POST", "/vms", "[" * DEEP + "]" * DEEP, None, "nested too deeply"),
    "object nested 10^5 deep": Body("POST", "/vms", '{"a":' * DEEP + "1" + "}" * DEEP, None,
                                    "nested too deeply"),
    "value nested 10^5 deep": Body("POST", "/vms", '{"name": "x", "description": ' + "[" * DEEP, None,
                                   "nested too deeply"),
    "elements nested 10^5 deep": Body("POST", "/vms", None, "<vm>" + "<a>" * DEEP + "</a>" * DEEP + "</vm>", ""),
    "lone surrogate": Body("POST", "/vms", _vm(name="a\\ud800b")[0], None, "surrogate"),
    "name with U+0000": Body("POST", "/vms", _vm(name="a\\u0000b")[0], _vm(name="a&#0;b")[1], ""),
    "object for a boolean": Body("POST", "/clusters", '{"name": "c1", "ballooning_enabled": {"a": 1}}',
                                 "<cluster><name>c1</name><ballooning_enabled><a>1</a></ballooning_enabled></cluster>",
                                 "ballooning_enabled"),
    "list for a boolean": Body("POST", "/vms", *_vm(', "stateless": [true]', "<stateless><a/><a/></stateless>"),
                               "stateless"),
    "number for a boolean": Body("POST", "/vms", _vm(', "stateless": 1')[0], None, "stateless"),
    "scalar for a structure": Body("POST", "/vms", *_vm(', "cpu": 4', "<cpu>4</cpu>"), "cpu"),
    "list for a structure": Body("POST", "/vms", _vm(', "os": [1, 2]')[0], None, "os"),
    "object for a string": Body("POST", "/vms", _vm(', "description": {"a": 1}')[0],
                                _vm(extra_xml="<description><a>1</a></description>")[1], "description"),
    "fraction for an integer": Body("POST", "/vms", _vm(', "memory": 1.5')[0], None, "memory"),
    "infinite integer": Body("POST", "/vms", _vm(', "memory": 1e400')[0], None, "memory"),
    "10^300 as a float": Body("POST", "/vms", _vm(', "memory": 1e300')[0], None, "memory"),
    "integer of 5000 digits": Body("POST", "/vms", *_vm(', "memory": ' + "9" * 5000, "<memory>" + "9" * 5000 + "</memory>"),
                                   ""),
    "memory beyond 64 bits": Body("POST", "/vms", *_vm(', "memory": 99999999999999999999999',
                                                      "<memory>99999999999999999999999</memory>"), "memory"),
    "negative memory": Body("POST", "/vms", *_vm(', "memory": -1', "<memory>-1</memory>"), "vm.memory"),
    "CPU cores 2^40": Body("POST", "/vms", *_vm(f', "cpu": {{"topology": {{"cores": {2**40}}}}}',
                                               f"<cpu><topology><cores>{2**40}</cores></topology></cpu>"),
                           "vm.cpu_cores"),
    "event code 1.6e19": Body("POST", "/events", *_event(', "code": 16000000000000000000',
                                                        "<code>16000000000000000000</code>"), "code"),
    "event code 2^40": Body("POST", "/events", *_event(f', "code": {2**40}', f"<code>{2**40}</code>"), "event.code"),
    "data center version 10^11": Body("POST", "/datacenters",
                                      '{"name": "dc1", "version": {"major": 99999999999, "minor": 1}}',
                                      "<data_center><name>dc1</name><version><major>99999999999</major>"
                                      "<minor>1</minor></version></data_center>", "data_center.version_major"),
    "data center version beyond 64 bits": Body("POST", "/datacenters",
                                               '{"name": "dc1", "version": {"major": 1, "minor": 99999999999999999999}}',
                                               "<data_center><name>dc1</name><version><major>1</major>"
                                               "<minor>99999999999999999999</minor></version></data_center>", "minor"),
    "VM name of 300 characters": Body("POST", "/vms", *_vm(name="n" * 300), "vm.name"),
    "NIC name of 100 characters": Body("POST", "/vms/{vm}/nics", '{"name": "' + "n" * 100 + '"}',
                                       "<nic><name>" + "n" * 100 + "</name></nic>", "nic.name"),
}

UPDATED = {
    "memory 2^63": ({"memory": 2**63}, "memory"),
    "memory -1": ({"memory": -1}, "vm.memory"),
    "CPU cores 2^40": ({"cpu": {"topology": {"cores": 2**40}}}, "vm.cpu_cores"),
    "CPU sockets 0": ({"cpu": {"topology": {"sockets": 0}}}, "vm.cpu_sockets"),
    "name of 300 characters": ({"name": "n" * 300}, "vm.name"),
}


def _fault(answer: Any, media_type: str) -> str:
    """The detail of the oVirt fault ``answer`` carries, in ``media_type``; never HTML, never 5xx."""
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.content[:300])
    return _fault_detail(answer, media_type)


def _fault_detail(answer: Any, media_type: str) -> str:
    """The detail of the oVirt fault ``answer`` carries, checking it is one in ``media_type``."""
    assert answer.headers["Content-Type"].startswith(media_type), (answer.headers["Content-Type"], answer.content[:300])
    if media_type == JSON:
        body = answer.json()
        assert set(body) == {"reason", "detail"}, body
        return body["detail"]
    root = etree.fromstring(answer.content)
    assert root.tag == "fault" and root.findtext("reason"), answer.content[:300]
    return root.findtext("detail") or ""


def _request_head(engine: Any, *lines: bytes) -> bytes:
    """The head of a ``POST /datacenters`` with Basic credentials and ``lines`` as further headers."""
    host, port = address(engine.url)
    credentials = base64.b64encode(f"{engine.username}:{engine.password}".encode())
    return b"\r\n".join([b"POST /ovirt-engine/api/datacenters HTTP/1.1", f"Host: {host}:{port}".encode(),
                         b"Authorization: Basic " + credentials, *lines]) + b"\r\n\r\n"


def _xml_of(data: dict[str, Any], tag: str) -> str:
    inner = "".join(_xml_of(value, key) if isinstance(value, dict) else f"<{key}>{value}</{key}>"
                    for key, value in data.items())
    return f"<{tag}>{inner}</{tag}>"


@pytest.fixture
def demo(engine: Any) -> dict[str, str]:
    """Ids in the demo scenario: a VM that is down, and an event."""
    session = requests.Session()
    session.auth = (engine.username, engine.password)
    vms = session.get(engine.url + "/vms", params={"search": "status=down"}, headers={"Accept": JSON}).json()["vm"]
    events = session.get(engine.url + "/events", params={"max": "1"}, headers={"Accept": JSON}).json()["event"]
    session.close()
    return {"vm": vms[0]["id"], "event": events[0]["id"]}


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("case, media_type", [(case, media_type) for case in sorted(ADDED) for media_type in FORMATS
                                              if ADDED[case].text(media_type) is not None])
def test_hostile_body_is_a_fault_that_changes_nothing(http, engine, demo, case, media_type):
    body = ADDED[case]
    text = body.text(media_type)
    assert text is not None
    before = row_counts(engine.db)
    answer = http.request(body.method, engine.url + body.path.format(**demo), data=text.encode(),
                          headers={"Content-Type": media_type, "Accept": media_type})
    assert answer.status_code == body.status, answer.content[:300]
    assert body.detail in _fault(answer, media_type)
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("media_type", FORMATS)
@pytest.mark.parametrize("case", sorted(UPDATED))
def test_hostile_update_keeps_the_old_value(http, engine, demo, case, media_type):
    change, detail = UPDATED[case]
    url = f"{engine.url}/vms/{demo['vm']}"
    old = http.get(url, headers={"Accept": JSON}).json()
    before = row_counts(engine.db)
    text = json.dumps(change) if media_type == JSON else _xml_of(change, "vm")
    answer = http.put(url, data=text.encode(), headers={"Content-Type": media_type, "Accept": media_type})
    assert answer.status_code == 400
    assert detail in _fault(answer, media_type)
    assert row_counts(engine.db) == before
    assert http.get(url, headers={"Accept": JSON}).json() == old


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("media_type", FORMATS)
def test_integers_out_of_range_in_parameters_are_faults(http, engine, media_type):
    for value in (2**62, 2**31, INT64_MAX + 1):
        answer = http.get(engine.url + "/events", params={"from": str(value)}, headers={"Accept": media_type})
        assert answer.status_code == 400
        assert "from" in _fault(answer, media_type)
    answer = http.get(engine.url + "/events", params={"from": str(2**31 - 1)}, headers={"Accept": media_type})
    assert answer.status_code == 200
    answer = http.get(engine.url + "/events", params={"search": f"type={2**40}"}, headers={"Accept": JSON})
    assert answer.status_code == 200 and answer.json() == {}


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("media_type", FORMATS)
def test_a_search_of_3000_terms_is_a_fault(http, engine, media_type):
    terms = "+or+".join("a" for _ in range(3000))
    answer = http.get(f"{engine.url}/vms?search={terms}", headers={"Accept": media_type})
    assert answer.status_code == 400
    assert f"at most {MAX_TERMS}" in _fault(answer, media_type)
    at_the_bound = "+or+".join("a" for _ in range(MAX_TERMS))
    assert http.get(f"{engine.url}/vms?search={at_the_bound}", headers={"Accept": media_type}).status_code == 200


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("media_type", FORMATS)
def test_a_correlation_id_too_long_is_a_fault(http, engine, media_type):
    before = row_counts(engine.db)
    body = json.dumps({"name": "dc1"}).encode()
    sent = [
        {"params": {"correlation_id": "c" * 300}},
        {"headers": {"Correlation-Id": "c" * 300}},
    ]
    for extra in sent:
        headers = {"Content-Type": JSON, "Accept": media_type, **extra.get("headers", {})}
        answer = http.post(engine.url + "/datacenters", data=body, params=extra.get("params"), headers=headers)
        assert answer.status_code == 400
        assert "correlation_id" in _fault(answer, media_type)
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("media_type", FORMATS)
def test_nul_characters_in_the_url_are_faults(http, engine, demo, media_type):
    before = row_counts(engine.db)
    for path in ("/vms/%00", "/events/1%00", f"/vms/{demo['vm']}%00/nics", "/vms?search=name%3Da%00",
                 "/datacenters?correlation_id=a%00b"):
        method = "POST" if path.startswith("/datacenters") else "GET"
        answer = http.request(method, engine.url + path, data=b'{"name": "dc1"}',
                              headers={"Content-Type": JSON, "Accept": media_type})
        assert answer.status_code == 400, path
        assert "U+0000" in _fault(answer, media_type), path
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
def test_nul_characters_in_headers_are_faults(engine):
    before = row_counts(engine.db)
    body = b'{"name": "dc1"}'
    for header in (b"Correlation-Id: a\x00b", b"Filter: \x00", b"Accept: application/json\x00"):
        head = _request_head(engine, b"Content-Type: application/json", b"Connection: close", header,
                             b"Content-Length: %d" % len(body))
        answer = exchange(engine.url, head + body)
        assert answer is not None and answer.status == 400, header
        assert answer.fault_detail()
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("media_type", FORMATS)
def test_event_ids_are_integers_on_every_backend(http, engine, demo, media_type):
    event_url = f"{engine.url}/events/{demo['event']}"
    answer = http.get(event_url, headers={"Accept": JSON})
    assert answer.status_code == 200 and answer.json()["id"] == demo["event"]
    changed = json.dumps({"description": "changed"}) if media_type == JSON else "<event><description>changed</description></event>"
    answer = http.put(event_url, data=changed.encode(), headers={"Content-Type": media_type, "Accept": media_type})
    assert answer.status_code == 200
    before = row_counts(engine.db)
    for event_id in ("abc", "1.5", "-", "9" * 30, str(2**40), " ", "١٢"):
        for method in ("GET", "PUT", "DELETE"):
            answer = http.request(method, f"{engine.url}/events/{event_id}", data=changed.encode(),
                                  headers={"Content-Type": media_type, "Accept": media_type})
            assert answer.status_code == 404, (method, event_id)
            assert "Event" in _fault(answer, media_type)
    assert row_counts(engine.db) == before
    assert http.delete(event_url).status_code == 200
    assert http.get(event_url).status_code == 404


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("media_type", FORMATS)
def test_bodies_neither_xml_nor_json_are_415(http, engine, media_type):
    before = row_counts(engine.db)
    bodies = {JSON: b'{"name": "dc1"}', XML: b"<data_center><name>dc1</name></data_center>"}
    for content_type in ("text/plain", "application/octet-stream", "application/x-www-form-urlencoded",
                         "text/plain; charset=xml", "image/png"):
        answer = http.post(engine.url + "/datacenters", data=bodies[media_type],
                           headers={"Content-Type": content_type, "Accept": media_type})
        assert answer.status_code == 415, content_type
        assert "not supported" in _fault(answer, media_type)
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("media_type", FORMATS)
def test_a_body_without_content_type_is_still_sniffed(engine, media_type):
    bodies = {JSON: b'{"name": "sniffed"}', XML: b"<data_center><name>sniffed</name></data_center>"}
    body = bodies[media_type]
    head = _request_head(engine, b"Accept: " + media_type.encode(), b"Connection: close",
                         b"Content-Length: %d" % len(body))
    answer = exchange(engine.url, head + body)
    assert answer is not None and answer.status == 201, answer
    assert answer.headers["content-type"].startswith(media_type)


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("media_type", FORMATS)
def test_a_body_over_the_limit_is_413(http, engine, media_type):
    before = row_counts(engine.db)
    huge = b"<vm><name>x</name><description>" + b"a" * (engine.config.max_body_bytes + 1) + b"</description></vm>"
    answer = http.post(engine.url + "/vms", data=huge, headers={"Content-Type": XML, "Accept": media_type})
    assert answer.status_code == 413
    assert "limit" in _fault(answer, media_type)
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
def test_a_body_cut_short_changes_nothing(engine):
    before = row_counts(engine.db)
    head = _request_head(engine, b"Content-Type: application/json", b"Content-Length: 1000")
    with socket.create_connection(address(engine.url), timeout=10) as sock:
        sock.sendall(head + b'{"name": "cut"}')
        sock.shutdown(socket.SHUT_WR)
        answer = read_response(sock)
    if answer is not None:
        assert 400 <= answer.status < 500
        assert answer.fault_detail()
    assert row_counts(engine.db) == before


class _BrokenBody:
    """A WSGI input stream whose read fails as a server's does when the client goes away."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def read(self, *args: Any) -> bytes:
        raise self.error

    readinto = readline = read


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("error", [ConnectionResetError("peer went away"), TimeoutError("read timed out"),
                                   ValueError("I/O operation on closed file")], ids=type)
@pytest.mark.parametrize("media_type", FORMATS)
def test_a_body_that_cannot_be_read_is_a_400_fault(engine, error, media_type):
    before = row_counts(engine.db)
    client = engine.app.test_client()
    answer = client.post("/ovirt-engine/api/datacenters", auth=(engine.username, engine.password),
                         headers={"Content-Type": JSON, "Accept": media_type},
                         environ_overrides={"wsgi.input": _BrokenBody(error), "CONTENT_LENGTH": "15"})
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith(media_type)
    assert b"could not be read" in answer.data
    assert row_counts(engine.db) == before


def _database_error(kind: str) -> Exception:
    original = Exception({"integrity": "UNIQUE constraint failed: data_centers.name",
                          "data": "value too long for type character varying(255)",
                          "locked": "database is locked",
                          "serialization": "could not serialize access due to concurrent update"}.get(kind, kind))
    if kind == "integrity":
        return IntegrityError("INSERT INTO data_centers …", {}, original)
    if kind == "data":
        return DataError("INSERT INTO data_centers …", {}, original)
    if kind == "pool":
        return PoolTimeoutError("QueuePool limit of size 10 overflow 20 reached")
    return OperationalError("INSERT INTO data_centers …", {}, original)


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("kind, status", [("integrity", 409), ("data", 400), ("locked", 503),
                                          ("serialization", 503), ("pool", 503)])
@pytest.mark.parametrize("media_type", FORMATS)
def test_database_errors_are_faults_never_500(http, engine, monkeypatch, kind, status, media_type):
    def failing(ctx: Any, *args: Any) -> Any:
        ctx.session.add(DataCenter(name="never"))
        ctx.session.flush()
        raise _database_error(kind)

    monkeypatch.setattr(crud, "add_entity", failing)
    before = row_counts(engine.db)
    answer = http.post(engine.url + "/datacenters", data=b'{"name": "dc1"}',
                       headers={"Content-Type": JSON, "Accept": media_type})
    assert answer.status_code == status
    assert _fault_detail(answer, media_type)
    if status == 503:
        assert answer.headers["Retry-After"] == "1"
    assert row_counts(engine.db) == before
