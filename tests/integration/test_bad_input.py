"""Every kind of bad input is an oVirt fault in the negotiated format, and changes nothing."""
from __future__ import annotations

import json

import pytest
from lxml import etree

from tests.helpers import row_counts

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<vm><name>&lol3;</name><cluster><name>Default</name></cluster></vm>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE vm [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<vm><name>&xxe;</name><cluster><name>Default</name></cluster></vm>"""

XML_CASES = {
    "malformed": "<vm><name>broken</name>",
    "billion laughs": BILLION_LAUGHS,
    "external entity": EXTERNAL_ENTITY,
    "unknown enum": "<vm><name>x</name><cluster><name>Default</name></cluster><type>SUPERFAST</type></vm>",
    "not a number": "<vm><name>x</name><cluster><name>Default</name></cluster><memory>lots</memory></vm>",
    "wrong root": "<host><name>x</name></host>",
    "reference without id or name": "<vm><name>x</name><cluster/></vm>",
    "missing name": "<vm><cluster><name>Default</name></cluster></vm>",
    "unknown cluster": "<vm><name>x</name><cluster><name>nowhere</name></cluster></vm>",
}

JSON_CASES = {
    "malformed": '{"name": ',
    "array": '[{"name": "x"}]',
    "string for object": '{"name": "x", "cluster": "Default"}',
    "object for string": '{"name": {"first": "x"}, "cluster": {"name": "Default"}}',
    "boolean for integer": '{"name": "x", "memory": true, "cluster": {"name": "Default"}}',
    "unknown enum": '{"name": "x", "cluster": {"name": "Default"}, "type": "fast"}',
    "not utf-8": b'{"name": "\xff\xfe"}',
}


def _fault(answer, json_format=False):
    assert answer.headers["Content-Type"].startswith("application/json" if json_format else "application/xml")
    if json_format:
        body = answer.json()
        assert set(body) == {"reason", "detail"}
        return body["detail"]
    root = etree.fromstring(answer.content)
    assert root.tag == "fault"
    assert root.findtext("reason")
    return root.findtext("detail")


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("case", sorted(XML_CASES))
def test_bad_xml_is_a_400_fault_and_changes_nothing(http, engine, case):
    before = row_counts(engine.db)
    answer = http.post(engine.url + "/vms", data=XML_CASES[case], headers={"Content-Type": "application/xml"})
    assert answer.status_code == 400, answer.text
    detail = _fault(answer)
    assert detail
    assert "root:" not in detail
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("case", sorted(JSON_CASES))
def test_bad_json_is_a_400_fault_and_changes_nothing(http, engine, case):
    before = row_counts(engine.db)
    body = JSON_CASES[case]
    answer = http.post(engine.url + "/vms", data=body,
                       headers={"Content-Type": "application/json", "Accept": "application/json"})
    assert answer.status_code == 400, answer.text
    assert _fault(answer, json_format=True)
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
def test_body_over_the_limit_is_refused(http, engine):
    before = row_counts(engine.db)
    huge = "<vm><name>x</name><description>" + "a" * (11 * 1024 * 1024) + "</description></vm>"
    answer = http.post(engine.url + "/vms", data=huge, headers={"Content-Type": "application/xml"})
    assert answer.status_code == 413
    assert "limit" in _fault(answer)
    assert row_counts(engine.db) == before


def test_unknown_path_and_id_are_404_faults(http, engine):
    for path in ("/nothing", "/vms/not-a-vm", "/vms/123/nothing", "/datacenters/x/networks"):
        answer = http.get(engine.url + path)
        assert answer.status_code == 404, path
        _fault(answer)
    answer = http.get(engine.url + "/nothing", headers={"Accept": "application/json"})
    assert answer.status_code == 404
    _fault(answer, json_format=True)


def test_wrong_method_is_405_with_allow(http, engine):
    answer = http.delete(engine.url + "/vms")
    assert answer.status_code == 405
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    _fault(answer)
    answer = http.put(engine.url + "/events")
    assert answer.status_code == 405
    _fault(answer)


@pytest.mark.scenario("demo")
def test_bad_query_parameters_are_400_faults(http, engine):
    for params in ({"max": "many"}, {"case_sensitive": "maybe"}):
        answer = http.get(engine.url + "/vms", params=params)
        assert answer.status_code == 400
        _fault(answer)


@pytest.mark.scenario("demo")
def test_invalid_search_is_an_empty_list(http, engine):
    answer = http.get(engine.url + "/vms", params={"search": "name = = (("})
    assert answer.status_code == 200
    assert len(etree.fromstring(answer.content)) == 0


@pytest.mark.scenario("demo")
def test_conflicts_are_409_and_change_nothing(http, engine):
    before = row_counts(engine.db)
    body = json.dumps({"name": "myvm", "cluster": {"name": "Default"}})
    answer = http.post(engine.url + "/vms", data=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 409
    assert _fault(answer).startswith("[Cannot add VM.")
    assert row_counts(engine.db) == before
