"""Requests the HTTP layer refuses: each gets an oVirt fault in the negotiated format, never an
HTML or plain-text page, and changes nothing."""
from __future__ import annotations

import http.client
import json
import socket
import time

import pytest

from tests.helpers import row_counts
from tests.serving.rawhttp import address, exchange, read_response

VM_JSON = json.dumps({"name": "raw", "cluster": {"name": "Default"}, "template": {"name": "Blank"}}).encode()


def _api_path(engine) -> str:
    return engine.url.split("://", 1)[1].split("/", 1)[1]


def _request(engine, head: str, body: bytes = b"", accept: str = "application/xml") -> bytes:
    host, port = address(engine.url)
    return (f"{head}\r\nHost: {host}:{port}\r\nAccept: {accept}\r\n"
            f"Authorization: Basic YWRtaW5AaW50ZXJuYWw6YWRtaW4=\r\n").encode() + b"\r\n" + body


CASES = {
    "malformed request line": (lambda e: b"GARBAGE\r\n\r\n", 400),
    "unknown HTTP version": (lambda e: b"GET / HTTP/7.1\r\nHost: x\r\n\r\n", 400),
    "100 KB header": (lambda e: _request(e, f"GET /{_api_path(e)}/vms HTTP/1.1\r\nX-Big: {'a' * 100_000}"), 431),
    "200 headers": (lambda e: _request(e, f"GET /{_api_path(e)}/vms HTTP/1.1\r\n"
                                       + "\r\n".join(f"X-H{i}: {i}" for i in range(200))), 431),
    "100 KB URL": (lambda e: _request(e, f"GET /{_api_path(e)}/vms?search={'a' * 100_000} HTTP/1.1"), 414),
    "conflicting Content-Length": (lambda e: _request(
        e, f"POST /{_api_path(e)}/vms HTTP/1.1\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(VM_JSON)}\r\nContent-Length: 3", VM_JSON), 400),
    "chunk size zz": (lambda e: _request(
        e, f"POST /{_api_path(e)}/vms HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked",
        b"zz\r\n" + VM_JSON + b"\r\n0\r\n\r\n"), 400),
    "control character in a header": (lambda e: _request(e, f"GET /{_api_path(e)}/vms HTTP/1.1\r\nX-Bad: a\x00b"),
                                      400),
    "raw non-ASCII query": (lambda e: _request(e, f"GET /{_api_path(e)}/vms?search=name%3D HTTP/1.1")
                            .replace(b"%3D", b"=\xe4"), 400),
    "body over the limit": (lambda e: _request(
        e, f"POST /{_api_path(e)}/vms HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {11 * 2**20}"),
        413),
}


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_requests_are_faults_and_change_nothing(engine, case):
    build, status = CASES[case]
    before = row_counts(engine.db)
    answer = exchange(engine.url, build(engine))
    assert answer is not None, "the server closed the connection without an answer"
    assert answer.status == status, (answer.status, answer.body[:300])
    assert answer.fault_detail()
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
def test_a_refusal_speaks_json_when_asked(engine):
    request = _request(engine, f"GET /{_api_path(engine)}/vms HTTP/1.1\r\nAccept: application/json\r\n"
                       + "\r\n".join(f"X-H{i}: {i}" for i in range(200)), accept="application/json")
    answer = exchange(engine.url, request)
    assert answer.status == 431
    assert answer.headers["content-type"].startswith("application/json")
    assert "headers" in answer.fault_detail()


def _send_and_vanish(engine, request: bytes) -> None:
    with socket.create_connection(address(engine.url)) as sock:
        sock.sendall(request)
        time.sleep(0.2)
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(5)
        try:
            sock.recv(65536)
        except OSError:
            pass


@pytest.mark.scenario("demo")
def test_a_truncated_chunked_body_is_never_run(engine):
    """A complete VM in the first chunk, then the client goes away before the last chunk."""
    before = row_counts(engine.db)
    _send_and_vanish(engine, _request(
        engine, f"POST /{_api_path(engine)}/vms HTTP/1.1\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked", f"{len(VM_JSON):x}\r\n".encode() + VM_JSON + b"\r\n"))
    time.sleep(0.3)
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
def test_a_body_shorter_than_its_content_length_is_never_run(engine):
    before = row_counts(engine.db)
    _send_and_vanish(engine, _request(
        engine, f"POST /{_api_path(engine)}/vms HTTP/1.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(VM_JSON) + 40}", VM_JSON))
    time.sleep(0.3)
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
def test_a_chunked_body_is_read_whole(engine):
    host, port = address(engine.url)
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("POST", f"/{_api_path(engine)}/vms", body=iter([VM_JSON[:10], VM_JSON[10:]]),
                       headers={"Content-Type": "application/json", "Accept": "application/json",
                                "Authorization": "Basic YWRtaW5AaW50ZXJuYWw6YWRtaW4="}, encode_chunked=True)
    answer = connection.getresponse()
    assert answer.status == 201, answer.read()
    assert json.loads(answer.read())["name"] == "raw"


@pytest.mark.scenario("demo")
def test_keep_alive_serves_many_requests_on_one_connection(engine):
    host, port = address(engine.url)
    connection = http.client.HTTPConnection(host, port, timeout=10)
    sockets = set()
    for _ in range(5):
        connection.request("GET", f"/{_api_path(engine)}/vms/", headers={
            "Authorization": "Basic YWRtaW5AaW50ZXJuYWw6YWRtaW4="})
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 200
        assert answer.getheader("Connection", "").lower() != "close"
        sockets.add(id(connection.sock))
    assert len(sockets) == 1
    connection.close()


@pytest.mark.scenario("demo")
def test_pipelined_requests_are_answered_in_order(engine):
    path = _api_path(engine)
    request = b"".join(_request(engine, f"GET /{path}/{collection} HTTP/1.1")
                       for collection in ("vms", "hosts", "clusters"))
    with socket.create_connection(address(engine.url)) as sock:
        sock.sendall(request)
        roots = [read_response(sock).body.split(b"?>", 1)[1][:10] for _ in range(3)]
    assert [r.lstrip()[:4] for r in roots] == [b"<vms", b"<hos", b"<clu"]
