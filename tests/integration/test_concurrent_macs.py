"""MAC allocation under concurrent NIC adds: 16 SDK clients, each with its own connection.

On both backends no two NICs get the same MAC, no client sees a 5xx, and every NIC a client
was told about exists with the MAC it was told.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest
from sqlalchemy import select

from engine_api import models as m

CLIENTS = 16
SECONDS = 3.0
ADDS_PER_CLIENT = 12


@dataclass
class Outcome:
    """What one client was told: the NICs it added (id → MAC) and the errors it got."""

    added: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _client(engine, number: int, vm_ids: list[str], start: threading.Barrier, outcome: Outcome) -> None:
    connection = sdk.Connection(url=engine.url, username=engine.username, password=engine.password, insecure=True)
    try:
        vms = connection.system_service().vms_service()
        start.wait()
        deadline = time.monotonic() + SECONDS
        for index in range(ADDS_PER_CLIENT):
            if time.monotonic() > deadline:
                break
            vm_id = vm_ids[(number + index) % len(vm_ids)]
            try:
                nic = vms.vm_service(vm_id).nics_service().add(
                    types.Nic(name=f"c{number}n{index}", interface=types.NicInterface.VIRTIO))
            except sdk.Error as error:
                outcome.errors.append(f"client {number}: HTTP {error.code}: {error}")
                continue
            outcome.added[nic.id] = nic.mac.address
    except Exception as error:  # a client that cannot even connect fails the test too
        outcome.errors.append(f"client {number}: {type(error).__name__}: {error}")
    finally:
        connection.close()


@pytest.mark.scenario("demo")
def test_concurrent_nic_adds_never_share_a_mac(engine, connection):
    vm_ids = [vm.id for vm in connection.system_service().vms_service().list(search="status=down or status=up")]
    assert len(vm_ids) >= 8
    start = threading.Barrier(CLIENTS)
    outcomes = [Outcome() for _ in range(CLIENTS)]
    threads = [threading.Thread(target=_client, args=(engine, number, vm_ids, start, outcomes[number]))
               for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    errors = [error for outcome in outcomes for error in outcome.errors]
    assert errors == []
    told = {nic_id: mac for outcome in outcomes for nic_id, mac in outcome.added.items()}
    assert len(told) >= CLIENTS

    with engine.db.transaction() as session:
        stored = {row.id: row.mac for row in session.execute(select(m.Nic.id, m.Nic.mac).where(m.Nic.mac.is_not(None)))}
    duplicates = {mac: count for mac, count in Counter(stored.values()).items() if count > 1}
    assert duplicates == {}
    assert {nic_id: stored.get(nic_id) for nic_id in told} == told
