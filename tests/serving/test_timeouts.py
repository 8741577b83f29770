"""Slow and silent clients: answered with 408 or closed, and never holding a thread meanwhile."""
from __future__ import annotations

import logging
import socket
import time

import pytest
import requests

from engine_api.serving import HttpLimits, ServeOptions
from engine_api.testing import LiveEngine
from tests.serving.rawhttp import address, read_response

LIMITS = HttpLimits(header_timeout=0.5, body_timeout=0.5, idle_timeout=0.5)


@pytest.fixture(scope="module")
def impatient():
    options = ServeOptions(read_threads=2, write_threads=2, limits=LIMITS)
    with LiveEngine(transition_delay=0, serve_options=options) as live:
        live.reset("demo")
        yield live


def _connect(engine) -> socket.socket:
    return socket.create_connection(address(engine.url), timeout=5)


def test_a_silent_connection_is_closed_after_the_idle_timeout(impatient):
    with _connect(impatient) as sock:
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert time.monotonic() - started < 4


def test_headers_that_never_finish_get_408(impatient):
    with _connect(impatient) as sock:
        sock.sendall(b"GET /ovirt-engine/api HTTP/1.1\r\nHost: x\r\n")
        answer = read_response(sock)
    assert answer.status == 408
    assert "headers" in answer.fault_detail()


def test_a_body_that_never_finishes_gets_408(impatient):
    with _connect(impatient) as sock:
        sock.sendall(b"POST /ovirt-engine/api/vms HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
                     b"Authorization: Basic YWRtaW5AaW50ZXJuYWw6YWRtaW4=\r\nContent-Length: 100\r\n\r\n<vm>")
        answer = read_response(sock)
    assert answer.status == 408
    assert "body" in answer.fault_detail()


def test_stalled_uploads_hold_no_thread(impatient):
    """Ten clients stall mid-body on a server with two write threads; a write still goes through."""
    stalled = []
    try:
        for _ in range(10):
            sock = _connect(impatient)
            sock.sendall(b"POST /ovirt-engine/api/vms HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
                         b"Authorization: Basic YWRtaW5AaW50ZXJuYWw6YWRtaW4=\r\nContent-Length: 1000\r\n\r\n<vm>")
            stalled.append(sock)
        answer = requests.post(impatient.url + "/vms", auth=(impatient.username, impatient.password), timeout=5,
                               data="<vm><name>through</name><cluster><name>Default</name></cluster>"
                                    "<template><name>Blank</name></template></vm>",
                               headers={"Content-Type": "application/xml"})
        assert answer.status_code == 201, answer.text
    finally:
        for sock in stalled:
            sock.close()


def test_secrets_never_reach_the_request_log(impatient, caplog):
    caplog.set_level(logging.DEBUG, logger="engine_api.access")
    base = impatient.url.rsplit("/api", 1)[0]
    requests.get(f"{base}/sso/oauth/token", params={
        "grant_type": "password", "scope": "ovirt-app-api", "username": "admin@internal",
        "password": "s3cr3t-passw0rd"}, timeout=5)
    requests.get(impatient.url + "/vms", params={"access_token": "t0ken-value"}, timeout=5)
    requests.get(f"{base}/services/sso-logout", params={"token": "an0ther-t0ken"}, timeout=5)
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name == "engine_api.access")
    assert "/sso/oauth/token" in logged and "grant_type=password" in logged
    for secret in ("s3cr3t-passw0rd", "t0ken-value", "an0ther-t0ken"):
        assert secret not in logged
    assert "password=***" in logged and "access_token=***" in logged
