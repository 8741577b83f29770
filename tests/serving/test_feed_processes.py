"""The change feed across processes: a SIGKILLed server's log serves resumed watchers, and two
servers on one database show every watcher the same gap-free sequence."""
from __future__ import annotations

import threading

import pytest
import requests

from tests.helpers import wait_for
from tests.push.sse_client import SseClient
from tests.serving.served import ServedEngine, serve_on

AUTH = ("admin@internal", "admin")
JSON = {"Accept": "application/json"}


def _head(served: ServedEngine) -> int:
    return int(requests.get(served.url + "/changes", auth=AUTH, headers=JSON, timeout=10).json()["revision"])


def _logged_after(served: ServedEngine, since: int) -> list[int]:
    revisions: list[int] = []
    while True:
        page = requests.get(served.url + "/changes", params={"since": since, "max": 200}, auth=AUTH, headers=JSON,
                            timeout=10).json()
        revisions.extend(int(change["revision"]) for change in page["change"])
        if int(page["revision"]) == since:
            return revisions
        since = int(page["revision"])


def _add_vm(served: ServedEngine, name: str) -> str:
    answer = requests.post(served.url + "/vms", auth=AUTH, headers=JSON, timeout=30, json={
        "name": name, "cluster": {"name": "Default"}, "template": {"name": "Blank"}})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _describe_vm(served: ServedEngine, vm_id: str, description: str) -> None:
    answer = requests.put(f"{served.url}/vms/{vm_id}", auth=AUTH, headers=JSON, timeout=30,
                          json={"description": description})
    assert answer.status_code == 200, answer.text


def test_a_server_killed_and_restarted_serves_a_resumed_watcher_from_its_log_without_a_gap(tmp_path):
    first = ServedEngine(tmp_path, "--seed", "demo").wait_until_serving()
    try:
        head = _head(first)
        watcher = SseClient(first.url, AUTH, since=head)
        watcher.wait_live()
        vm_ids = [_add_vm(first, f"before-kill-{index}") for index in range(4)]
        watcher.wait_until(lambda client: len(client.changes) >= 1)
        first.process.kill()
        first.process.wait()
        watcher.ended.wait(10)
        assert watcher.ended.is_set(), "the stream ends with its server"
    finally:
        first.stop()
    seen_before = watcher.revisions
    resume_from = watcher.last_event_id
    watcher.close()

    with ServedEngine(tmp_path, "--seed", "demo") as second:
        for vm_id in vm_ids:
            _describe_vm(second, vm_id, "after the restart")
        with SseClient(second.url, AUTH, since=head, last_event_id=resume_from) as resumed:
            logged = _logged_after(second, head)
            resumed.wait_for_revision(logged[-1])
            seen_after = resumed.revisions

    assert logged == list(range(head + 1, logged[-1] + 1))
    assert seen_before and seen_before[-1] == resume_from
    assert seen_before + seen_after == logged




@pytest.mark.parametrize("shared_database", ["postgresql", "sqlite"], indirect=True)
def test_two_servers_on_one_database_show_their_watchers_the_same_gap_free_sequence(tmp_path, shared_database):
    one = serve_on(tmp_path, "one", shared_database)
    other = serve_on(tmp_path, "other", shared_database)
    try:
        head = _head(one)
        watchers = [SseClient(served.url, AUTH, since=head) for served in (one, other)]
        for watcher in watchers:
            watcher.wait_live()

        def write_through(served: ServedEngine, prefix: str) -> None:
            for index in range(5):
                _describe_vm(served, _add_vm(served, f"{prefix}-{index}"), f"written through {prefix}")

        writers = [threading.Thread(target=write_through, args=(served, name))
                   for served, name in ((one, "one"), (other, "other"))]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        logged = _logged_after(other, head)
        for watcher in watchers:
            watcher.wait_for_revision(logged[-1])

        # A change through one server alone reaches the other's watcher promptly (its wake-up is
        # the other process's commit: a notification or a look at the head).
        _add_vm(one, "only-through-one")
        last = _head(one)
        watchers[1].wait_for_revision(last, timeout=5)
        watchers[0].wait_for_revision(last)
        sequences = [watcher.revisions for watcher in watchers]
        for watcher in watchers:
            watcher.close()
    finally:
        one.stop()
        other.stop()

    assert logged == list(range(head + 1, logged[-1] + 1))
    assert len(logged) >= 20
    assert sequences[0] == sequences[1] == list(range(head + 1, last + 1))


def test_serve_keeps_the_change_retention_it_is_given(tmp_path):
    with ServedEngine(tmp_path, "--seed", "demo", "--change-retention", "10") as served:
        head = _head(served)

        def kept() -> list[int]:
            answer = requests.get(served.url + "/changes", params={"since": head - 10}, auth=AUTH, headers=JSON,
                                  timeout=10)
            return [int(c["revision"]) for c in answer.json()["change"]] if answer.status_code == 200 else []

        wait_for(lambda: requests.get(served.url + "/changes", params={"since": head - 11}, auth=AUTH,
                                      headers=JSON, timeout=10).status_code == 410, timeout=20, interval=0.2)
        assert kept() == list(range(head - 9, head + 1))
