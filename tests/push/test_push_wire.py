"""A page of the feed in JSON and XML: documents and patches as JSON values, deletions without one."""
from __future__ import annotations

import json

from lxml import etree

from push import ChangeRecord, Page, page_json, page_xml

DOCUMENT = '{"name":"a <b> & \\"c\\"",\n"memory":"1024"}'
PATCH = '[{"op":"replace","path":"/memory","value":"1024"}]'


def _page() -> Page:
    return Page([ChangeRecord(7, "modified", "vms", "v1", "/ovirt-engine/api/vms/v1", DOCUMENT, PATCH, 1.5),
                 ChangeRecord(8, "deleted", "vms/nics", "n1", "/ovirt-engine/api/vms/v1/nics/n1", None,
                              '[{"op":"remove","path":""}]', 2.0)], 9)


def test_json_carries_the_cursor_and_each_record_with_json_values():
    body = json.loads(page_json(_page()))
    assert body["revision"] == "9"
    first, second = body["change"]
    assert first == {"revision": "7", "kind": "modified", "collection": "vms", "id": "v1",
                     "href": "/ovirt-engine/api/vms/v1", "committed_at": 1500,
                     "document": json.loads(DOCUMENT), "patch": json.loads(PATCH)}
    assert "document" not in second and second["patch"] == [{"op": "remove", "path": ""}]


def test_xml_carries_the_same_records_with_json_text():
    root = etree.fromstring(page_xml(_page()))
    assert root.tag == "changes" and root.get("revision") == "9"
    first, second = root.findall("change")
    assert [child.tag for child in first] == ["revision", "kind", "collection", "id", "href", "committed_at",
                                              "document", "patch"]
    assert json.loads(first.findtext("document")) == json.loads(DOCUMENT)
    assert first.findtext("committed_at") == "1970-01-01T00:00:01.500+00:00"
    assert second.find("document") is None and second.findtext("kind") == "deleted"


def test_an_sse_frame_is_one_data_line_whatever_the_document_holds():
    frame = _page().changes[0].sse_frame().decode()
    lines = frame.split("\n")
    assert lines[:2] == ["id: 7", "event: modified"] and lines[-2:] == ["", ""]
    assert lines[2].startswith("data: ") and len(lines) == 5
    assert json.loads(lines[2][6:])["document"] == json.loads(DOCUMENT)
