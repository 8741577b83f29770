"""engine-emu proxy in front of an engine: fifty subscribers of one URI cost one backend poll per
TTL, a change on the backend reaches them all from the first poll after it, a new subscriber gets
the cached result without a poll, a URI nobody watches is no longer polled, and a failing backend
is reported to subscribers and polled again after a growing backoff."""
from __future__ import annotations

import base64
import json
import time

import jsonpatch
import ovirtsdk4.types as types
import pytest
from websockets.sync.client import connect

from engine_api.proxy import ProxyServer, ProxySettings
from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")
TTL = 0.4


def _socket(proxy, user, password):
    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    return connect(proxy.url.replace("http", "ws", 1) + "/ws", additional_headers={"Authorization": auth})


def _messages(ws, count, timeout=10.0):
    found = []
    deadline = time.monotonic() + timeout
    while len(found) < count:
        found.append(json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic()))))
    return found


def test_fifty_subscribers_cost_one_poll_per_ttl_and_all_see_a_change(engine, connection):
    vms = connection.system_service().vms_service()
    myvm = vms.list(search="name=myvm")[0]
    uri = f"/vms/{myvm.id}"
    settings = ProxySettings(engine.url, engine.username, engine.password, ttl=TTL)
    with ProxyServer(settings) as proxy:
        backend = proxy.endpoint.evaluate
        sockets = [_socket(proxy, engine.username, engine.password).__enter__() for _ in range(10)]
        try:
            results = {}
            for number, ws in enumerate(sockets):
                for index in range(5):
                    ws.send(json.dumps({"op": "subscribe", "id": f"s{number}-{index}", "uri": uri}))
            for ws in sockets:
                for message in _messages(ws, 5):
                    assert message["type"] == "result"
                    results[message["id"]] = message["result"]
            assert len(results) == 50 and len(backend.polls) == 1  # the first subscriber's poll, then the cache
            started, polls = time.monotonic(), len(backend.polls)
            time.sleep(TTL * 5)
            made = len(backend.polls) - polls
            assert 1 <= made <= int((time.monotonic() - started) / TTL) + 1  # one per TTL, not one per subscriber
            changed_at = time.monotonic()
            vms.vm_service(myvm.id).update(types.Vm(description="through the proxy"))
            arrived = None
            for ws in sockets:
                for message in _messages(ws, 5):
                    arrived = arrived or time.monotonic()
                    assert message["type"] == "patch"
                    results[message["id"]] = jsonpatch.apply_patch(results[message["id"]], message["patch"])
            # The poll that found the change is the first to start after it committed: at most the
            # one under way while it committed came between them.
            assert 1 <= len([sent for polled, sent in backend.polls if changed_at < sent < arrived]) <= 2
            assert all(result["description"] == "through the proxy" for result in results.values())
            polls = len(backend.polls)
            with _socket(proxy, engine.username, engine.password) as late:
                late.send(json.dumps({"op": "subscribe", "id": "late", "uri": uri}))
                message = _messages(late, 1)[0]
            assert message["type"] == "result" and message["result"]["description"] == "through the proxy"
            assert len(backend.polls) - polls <= 1  # at most the clock's own poll meanwhile
        finally:
            for ws in sockets:
                ws.close()
        time.sleep(TTL * 2)
        polls = len(backend.polls)
        time.sleep(TTL * 4)
        assert len(backend.polls) == polls  # nobody watches: nothing is polled


def test_a_failing_backend_is_reported_and_polled_with_backoff(engine):
    settings = ProxySettings("http://127.0.0.1:9/ovirt-engine/api", "admin@internal", "admin", ttl=0.2)
    with ProxyServer(settings) as proxy:
        with _socket(proxy, "admin@internal", "admin") as ws:
            ws.send(json.dumps({"op": "subscribe", "id": "down", "uri": "/vms"}))
            message = _messages(ws, 1)[0]
            assert (message["type"], message["status"]) == ("error", 502)
            assert "cannot be reached" in message["fault"]["detail"]
            ws.send(json.dumps({"op": "watch", "id": "w"}))
            assert _messages(ws, 1)[0]["status"] == 400
    with ProxyServer(settings) as proxy:
        backend = proxy.endpoint.evaluate
        with _socket(proxy, "admin@internal", "admin") as ws:
            ws.send(json.dumps({"op": "subscribe", "id": "x", "uri": "/vms"}))
            _messages(ws, 1)
    with pytest.raises(Exception):
        with _socket(proxy, "admin@internal", "wrong"):
            pass
    assert backend.polls == [("/vms", backend.polls[0][1])]


def test_the_backoff_grows_while_the_backend_fails(engine, connection):
    settings = ProxySettings(engine.url, engine.username, engine.password, ttl=0.1)
    with ProxyServer(settings) as proxy:
        backend = proxy.endpoint.evaluate
        with _socket(proxy, engine.username, engine.password) as ws:
            ws.send(json.dumps({"op": "subscribe", "id": "q", "uri": "/vms?search=name=myvm"}))
            assert _messages(ws, 1)[0]["type"] == "result"
            backend.settings = ProxySettings("http://127.0.0.1:9/ovirt-engine/api", "u", "p", ttl=0.1)
            assert _messages(ws, 1)[0]["status"] == 502
            wait_for(lambda: len(backend.polls) >= 5, timeout=10)
            times = [sent for _, sent in backend.polls[-4:]]
            gaps = [later - earlier for earlier, later in zip(times, times[1:])]
            assert gaps == sorted(gaps) and gaps[-1] > gaps[0] * 1.5
            backend.settings = settings
            # a poll already under way when the backend came back may still report its failure
            deadline = time.monotonic() + 15
            kinds = [_messages(ws, 1, timeout=15)[0]["type"]]
            while kinds[-1] == "error" and time.monotonic() < deadline:
                kinds.append(_messages(ws, 1, timeout=max(0.1, deadline - time.monotonic()))[0]["type"])
            assert kinds[-1] == "result" and len(kinds) <= 3, kinds


def test_the_proxy_command_serves_live_queries_in_front_of_an_engine(engine, connection):
    """``engine-emu proxy`` as a user starts it: its own process, answering a subscription."""
    import subprocess
    import sys

    from tests.serving.served import free_port

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "engine_api.cli", "proxy", "--backend", engine.url,
                                "--user", engine.username, "--password", engine.password, "--port", str(port),
                                "--ttl", str(TTL)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        proxy = type("Served", (), {"url": f"http://127.0.0.1:{port}/ovirt-engine/api"})()

        def subscribed():
            if process.poll() is not None:
                raise AssertionError(process.stdout.read())
            try:
                return _socket(proxy, engine.username, engine.password)
            except OSError:
                return None

        ws = wait_for(subscribed, timeout=30)
        with ws:
            ws.send(json.dumps({"op": "subscribe", "id": "vms", "uri": "/vms?search=name=myvm"}))
            message, = _messages(ws, 1)
            assert message["type"] == "result"
            assert [vm["name"] for vm in message["result"]["vm"]] == ["myvm"]
    finally:
        process.terminate()
        process.wait(10)
