"""Reads cost a constant number of SQL statements, whatever the number of VMs."""
from __future__ import annotations

import re

import pytest


def _statements(answer) -> int:
    match = re.search(r'sql;dur=[0-9.]+;desc="(\d+) statements"', answer.headers["Server-Timing"])
    assert match, answer.headers["Server-Timing"]
    return int(match.group(1))


@pytest.fixture
def measure(live_engine, http):
    def run(scenario: str, path: str, **params):
        live_engine.reset(scenario)
        answer = http.get(live_engine.url + path, params=params)
        assert answer.status_code == 200
        return answer, _statements(answer)

    return run


@pytest.mark.parametrize("path", ["/vms", "/disks", "/events"])
def test_listing_runs_the_same_statements_for_10_and_1000_vms(measure, path, engine):
    small, small_count = measure("scale:10", path)
    large, large_count = measure("scale:1000", path)
    assert len(large.content) > 50 * len(small.content) or path == "/events"
    assert small_count == large_count
    assert large_count <= 6


def test_searching_vms_is_constant_too(measure, engine):
    _, small = measure("scale:10", "/vms", search="status=up and cluster=Default")
    large, count = measure("scale:1000", "/vms", search="status=up and cluster=Default")
    assert large.content.count(b"<vm ") == 500
    assert small == count
