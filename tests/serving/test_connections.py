"""Thousands of connections: idle sockets and a silent TLS client never stop the engine serving."""
from __future__ import annotations

import socket
import threading

import pytest
import requests

from engine_api.serving.server import raise_open_files_limit
from tests.serving.served import ServedEngine, threads_and_rss

IDLE_SOCKETS = 1000
CLIENTS = 50
REQUESTS_PER_CLIENT = 20


@pytest.fixture
def tls_engine(tmp_path):
    with ServedEngine(tmp_path, "--seed", "demo", "--transition-delay", "0", "--idle-timeout", "120",
                      tls=True) as served:
        yield served


def _workload(served: ServedEngine, vm_ids: list[str], statuses: list[int], errors: list[str]) -> None:
    session = requests.Session()
    session.auth = ("admin@internal", "admin")
    session.verify = served.ca_file
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override the engine CA
    try:
        for i in range(REQUESTS_PER_CLIENT):
            path = (f"/vms/{vm_ids[i % len(vm_ids)]}", "/vms?max=10", "/hosts", "/clusters")[i % 4]
            statuses.append(session.get(served.url + path, timeout=30).status_code)
    except requests.RequestException as error:
        errors.append(repr(error))
    finally:
        session.close()


def test_idle_sockets_and_a_silent_tls_client_while_clients_work(tls_engine):
    raise_open_files_limit()
    vm_ids = [vm["id"] for vm in requests.get(tls_engine.url + "/vms", auth=("admin@internal", "admin"),
                                               verify=tls_engine.ca_file,
                                               headers={"Accept": "application/json"}).json()["vm"]]
    before = threads_and_rss(tls_engine.process.pid)
    idle = []
    try:
        for _ in range(IDLE_SOCKETS):
            idle.append(socket.create_connection(("127.0.0.1", tls_engine.port), timeout=10))
        silent_tls = socket.create_connection(("127.0.0.1", tls_engine.port), timeout=10)
        silent_tls.sendall(b"\x16\x03\x01")  # the start of a TLS record header, and then nothing
        idle.append(silent_tls)
        holding = threads_and_rss(tls_engine.process.pid)

        statuses: list[int] = []
        errors: list[str] = []
        clients = [threading.Thread(target=_workload, args=(tls_engine, vm_ids, statuses, errors))
                   for _ in range(CLIENTS)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(120)
        during = threads_and_rss(tls_engine.process.pid)
        still_open = sum(1 for sock in idle if _is_open(sock))
    finally:
        for sock in idle:
            sock.close()

    print(f"\nserver threads / RSS: idle {before[0]} / {before[1] // 1024} MiB; "
          f"with {IDLE_SOCKETS} idle sockets {holding[0]} / {holding[1] // 1024} MiB; "
          f"after {CLIENTS}x{REQUESTS_PER_CLIENT} requests {during[0]} / {during[1] // 1024} MiB; "
          f"{still_open} idle sockets still open")
    assert errors == []
    assert len(statuses) == CLIENTS * REQUESTS_PER_CLIENT
    assert set(statuses) == {200}
    assert holding[0] == before[0], "idle connections must not get threads"
    assert during[0] <= before[0] + 16, "threads are bounded by the pools, not by connections or clients"
    assert holding[1] - before[1] < 64 * 1024, "1,000 idle connections cost less than 64 MiB"
    assert still_open == IDLE_SOCKETS + 1


def _is_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)
