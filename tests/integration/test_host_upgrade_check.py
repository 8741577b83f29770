"""A host's check for updates runs as the engine runs it: started, then done, with its events and job."""
from __future__ import annotations

import pytest

from tests.helpers import wait_for


@pytest.mark.scenario("demo")
def test_upgrade_check_starts_and_finishes_with_events_and_a_job(connection, engine):
    system = connection.system_service()
    host = system.hosts_service().list(search="name=myhost")[0]
    events = system.events_service()
    last = int(events.list(max=1)[0].id)
    system.hosts_service().host_service(host.id).upgrade_check()

    def codes() -> list[int]:
        return [event.code for event in events.list(from_=last, search=f"host.name={host.name}")]

    wait_for(lambda: 885 in codes())
    assert 884 in codes() and 887 not in codes()
    assert system.hosts_service().host_service(host.id).get().update_available in (False, None)
    checks = [job for job in system.jobs_service().list() if "updates on host myhost" in job.description]
    assert checks and all(job.status.value == "finished" for job in checks)


@pytest.mark.scenario("demo")
def test_a_host_that_is_not_up_is_skipped(connection, engine, http):
    system = connection.system_service()
    host = system.hosts_service().list(search="name=myhost")[0]
    with engine.db.transaction() as session:
        from engine_api import models as m

        session.get(m.Host, host.id).status = "non_responsive"
    system.hosts_service().host_service(host.id).upgrade_check()
    latest = system.events_service().list(max=1)[0]
    assert latest.code == 887 and "myhost" in latest.description
