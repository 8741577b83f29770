"""What wakes a process's feed when another process commits: LISTEN on PostgreSQL, a poll on SQLite."""
from __future__ import annotations

import pytest

from engine_api.feed import SqlChangeLog
from engine_api.feed.wakeups import PostgresListener, SqliteHeadPoller
from push import Hub
from tests.helpers import wait_for

JSON = {"Accept": "application/json"}


@pytest.mark.scenario("demo")
def test_a_commit_elsewhere_reaches_a_hub_only_through_its_watcher(engine, http):
    changelog = SqlChangeLog(engine.db)
    hub = Hub(changelog.head())
    if engine.db.is_sqlite:
        watcher = SqliteHeadPoller(changelog, hub, interval=0.05)
    else:
        watcher = PostgresListener(engine.db.url, changelog, hub)
    watcher.start()
    try:
        if isinstance(watcher, PostgresListener):
            assert watcher.listening.wait(10)
        before = hub.head
        vm = http.get(engine.url + "/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]
        assert http.put(engine.url + f"/vms/{vm['id']}", json={"description": "wake"}, headers=JSON).status_code == 200
        committed = changelog.head()
        assert committed > before
        wait_for(lambda: hub.head >= committed, timeout=5)
    finally:
        watcher.stop()
    assert not watcher.is_alive()
