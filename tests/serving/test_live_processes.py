"""Live queries across processes: two servers on one database, a WebSocket on each; a write
through either server reaches both sockets as patches that give what a fresh GET gives."""
from __future__ import annotations

import base64
import json
import time

import jsonpatch
import pytest
import requests
from websockets.sync.client import connect

from tests.serving.served import ServedEngine, serve_on

AUTH = ("admin@internal", "admin")
JSON = {"Accept": "application/json"}
QUERY = "/vms?search=name=shared*&follow=nics"




class Subscription:
    """One WebSocket subscribed to QUERY, keeping the result its patches build."""

    def __init__(self, served: ServedEngine) -> None:
        basic = "Basic " + base64.b64encode(":".join(AUTH).encode()).decode()
        self.ws = connect(served.url.replace("http", "ws", 1) + "/ws",
                          additional_headers={"Authorization": basic}).__enter__()
        self.ws.send(json.dumps({"op": "subscribe", "id": "shared", "uri": QUERY}))
        message = self._next()
        assert message["type"] == "result", message
        self.result = message["result"]

    def _next(self, timeout: float = 10.0) -> dict:
        return json.loads(self.ws.recv(timeout=timeout))

    def settle(self, expected: dict, timeout: float = 10.0) -> None:
        """Apply patches until the result equals ``expected``."""
        deadline = time.monotonic() + timeout
        while self.result != expected:
            message = self._next(max(0.01, deadline - time.monotonic()))
            if message["type"] == "patch":
                self.result = jsonpatch.apply_patch(self.result, message["patch"])
            elif message["type"] == "resync":
                self.result = message["result"]

    def close(self) -> None:
        self.ws.close()


def _get(served: ServedEngine) -> dict:
    return requests.get(served.url + QUERY, auth=AUTH, headers=JSON, timeout=30).json()


@pytest.mark.parametrize("shared_database", ["postgresql", "sqlite"], indirect=True)
def test_a_write_through_either_server_reaches_the_live_queries_of_both(tmp_path, shared_database):
    one = serve_on(tmp_path, "one", shared_database)
    other = serve_on(tmp_path, "other", shared_database)
    subscriptions = []
    try:
        subscriptions = [Subscription(served) for served in (one, other)]
        for step, (writer, name) in enumerate([(one, "shared-a"), (other, "shared-b"), (one, "shared-c")]):
            added = requests.post(writer.url + "/vms", auth=AUTH, headers=JSON, timeout=30, json={
                "name": name, "cluster": {"name": "Default"}, "template": {"name": "Blank"}})
            assert added.status_code == 201, added.text
            nic = requests.post(f"{writer.url}/vms/{added.json()['id']}/nics", auth=AUTH, headers=JSON,
                                timeout=30, json={"name": "nic1"})
            assert nic.status_code == 201, nic.text
            expected = _get(one)
            assert expected == _get(other)
            assert len(expected["vm"]) == step + 1
            for subscription in subscriptions:
                subscription.settle(expected)
        removed = requests.delete(f"{other.url}/vms/{_get(one)['vm'][0]['id']}", auth=AUTH, timeout=30)
        assert removed.status_code == 200, removed.text
        for subscription in subscriptions:
            subscription.settle(_get(one))
        assert [vm["name"] for vm in subscriptions[0].result["vm"]] == [
            vm["name"] for vm in subscriptions[1].result["vm"]] and len(subscriptions[0].result["vm"]) == 2
    finally:
        for subscription in subscriptions:
            subscription.close()
        one.stop()
        other.stop()
