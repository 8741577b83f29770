"""Two worker processes on one PostgreSQL database: one ticker at a time, taken over when it dies."""
from __future__ import annotations

import os
import signal
import time

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.helpers import wait_for
from tests.serving.served import ServedEngine, postgres_database, process_tree

AUTH = ("admin@internal", "admin")
JSON = {"Accept": "application/json"}


@pytest.fixture
def workers_database(postgresql):
    with postgres_database(postgresql, "engine_emu_workers") as url:
        yield url


def _lease_holder(database: str) -> str | None:
    engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT holder FROM engine_leases WHERE name = 'ticker' AND expires_at > :now"),
                {"now": time.time()}).scalar()
    finally:
        engine.dispose()


def test_the_ticker_moves_to_the_other_worker_when_its_holder_is_killed(tmp_path, workers_database):
    with ServedEngine(tmp_path, "--workers", "2", "--database", workers_database, "--seed", "demo",
                      "--transition-delay", "1") as served:
        workers = process_tree(served.process.pid)[1:]
        assert len(workers) >= 2, served.output()
        holder = wait_for(lambda: _lease_holder(workers_database), timeout=20)
        holder_pid = int(holder.split(":")[1])
        assert holder_pid in workers

        down = [vm for vm in requests.get(served.url + "/vms", params={"search": "status=down"}, auth=AUTH,
                                          headers=JSON, timeout=10).json()["vm"]][:3]
        assert len(down) == 3
        for vm in down:
            answer = requests.post(f"{served.url}/vms/{vm['id']}/start", data="<action/>", auth=AUTH,
                                   headers={"Content-Type": "application/xml"}, timeout=10)
            assert answer.status_code == 200, answer.text
        os.kill(holder_pid, signal.SIGKILL)

        def all_up() -> bool:
            try:
                states = [requests.get(f"{served.url}/vms/{vm['id']}", auth=AUTH, headers=JSON, timeout=5)
                          .json()["status"] for vm in down]
            except (requests.RequestException, ValueError, KeyError):
                return False
            return states == ["up"] * 3

        wait_for(all_up, timeout=60, interval=0.5)
        new_holder = _lease_holder(workers_database)
        assert new_holder is not None and int(new_holder.split(":")[1]) != holder_pid
