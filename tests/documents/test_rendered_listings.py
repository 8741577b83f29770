"""Kept listings answer as a fresh assembly would, and only while the log's head stands still."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest

from engine_api.documents.listings import RenderedListings

JSON = {"Accept": "application/json"}


def test_a_body_is_given_only_for_the_head_it_was_kept_at():
    kept = RenderedListings(1000)
    kept.put("vms", 7, b"seven")
    assert kept.get("vms", 7) == b"seven"
    assert kept.get("vms", 8) is None and kept.get("hosts", 7) is None
    kept.put("vms", 9, b"nine")
    assert kept.get("vms", 7) is None and kept.get("vms", 9) == b"nine"
    # A slower request that assembled an older head does not displace a newer body.
    kept.put("vms", 8, b"eight")
    assert kept.get("vms", 9) == b"nine" and kept.get("vms", 8) is None
    assert kept.size == len(b"nine")


def test_the_budget_bounds_the_bodies_least_recently_used_first():
    kept = RenderedListings(10)
    kept.put("a", 1, b"aaaa")
    kept.put("b", 1, b"bbbb")
    assert kept.get("a", 1) == b"aaaa"
    kept.put("c", 1, b"cccc")
    assert kept.get("b", 1) is None and kept.get("a", 1) == b"aaaa" and kept.get("c", 1) == b"cccc"
    assert kept.size == 8 and len(kept) == 2
    kept.put("big", 1, b"x" * 11)
    assert kept.get("big", 1) is None and len(kept) == 2
    kept.clear()
    assert kept.size == 0 and len(kept) == 0
    assert not RenderedListings(0).enabled


def _statements(response) -> int:
    return int(re.search(r'sql;dur=[\d.]+;desc="(\d+) statements"', response.headers["Server-Timing"]).group(1))


@contextmanager
def _nothing_kept(engine):
    listings = engine.engine.listings
    budget, listings.budget = listings.budget, 0
    try:
        yield
    finally:
        listings.budget = budget


@pytest.mark.scenario("demo")
def test_kept_listings_equal_fresh_ones_before_and_after_writes(engine, http):
    vm = http.get(engine.url + "/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]
    dc = http.get(engine.url + "/datacenters", headers=JSON).json()["data_center"][0]
    listings = [("/vms", {}), ("/vms", {"follow": "nics"}), ("/vms", {"follow": "nics,disk_attachments"}),
                ("/vms", {"max": "1"}), ("/hosts", {}), (f"/vms/{vm['id']}/nics", {}), ("/events", {}),
                (f"/datacenters/{dc['id']}/clusters", {}), ("/templates", {"all_content": "true"})]
    engine.engine.listings.clear()

    def compare(step: str) -> None:
        for path, params in listings:
            for headers in (JSON, {}):
                first = http.get(engine.url + path, params=params, headers=headers)
                again = http.get(engine.url + path, params=params, headers=headers)
                with _nothing_kept(engine):
                    fresh = http.get(engine.url + path, params=params, headers=headers)
                assert first.status_code == again.status_code == fresh.status_code == 200, (step, path)
                assert first.content == again.content == fresh.content, (step, path, params, headers)
                assert first.headers["Revision"] == again.headers["Revision"] == fresh.headers["Revision"]
                assert first.headers["ETag"] == again.headers["ETag"]

    compare("seeded")
    assert len(engine.engine.listings) > 0
    # A kept listing costs one statement: the read of the log's head.
    http.get(engine.url + "/vms", params={"follow": "nics"}, headers=JSON)
    kept = http.get(engine.url + "/vms", params={"follow": "nics"}, headers=JSON)
    with _nothing_kept(engine):
        fresh = http.get(engine.url + "/vms", params={"follow": "nics"}, headers=JSON)
    assert _statements(kept) == 1 < _statements(fresh)

    before = http.get(engine.url + "/vms", params={"follow": "nics"}, headers=JSON)
    nic = http.get(engine.url + f"/vms/{vm['id']}/nics", headers=JSON).json()["nic"][0]
    assert http.put(engine.url + f"/vms/{vm['id']}/nics/{nic['id']}", json={"name": "renamed0"},
                    headers=JSON).status_code == 200
    after = http.get(engine.url + "/vms", params={"follow": "nics"}, headers=JSON)
    assert after.content != before.content and b"renamed0" in after.content
    assert int(after.headers["Revision"]) > int(before.headers["Revision"])
    compare("a NIC renamed")
    added = http.post(engine.url + f"/vms/{vm['id']}/nics", json={"name": "added1"}, headers=JSON)
    assert added.status_code == 201
    compare("a NIC added")
    assert http.delete(engine.url + f"/vms/{vm['id']}/nics/{added.json()['id']}").status_code == 200
    compare("a NIC removed")
    assert b"added1" not in http.get(engine.url + "/vms", params={"follow": "nics"}, headers=JSON).content


@pytest.mark.scenario("demo")
def test_a_listing_with_a_search_is_never_kept(engine, http):
    engine.engine.listings.clear()
    for _ in range(2):
        assert http.get(engine.url + "/vms", params={"search": "name=myvm"}, headers=JSON).status_code == 200
    assert len(engine.engine.listings) == 0
