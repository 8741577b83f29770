"""A page of the change feed as XML or JSON.

JSON: ``{"revision": "42", "change": [<record>, …]}``, each record the object of
:meth:`ChangeRecord.json_text` (``document`` and ``patch`` as JSON values). XML::

    <changes revision="42">
      <change>
        <revision>41</revision><kind>modified</kind><collection>vms</collection>
        <id>…</id><href>…</href><committed_at>2026-05-01T10:00:00.123+00:00</committed_at>
        <document>{"name":"myvm",…}</document>
        <patch>[{"op":"replace","path":"/memory","value":"2147483648"}]</patch>
      </change>
    </changes>

``revision`` is the cursor to pass as ``since`` next: it is past every change of the page, and
past the changes after them that the reader's collection filter left out.
"""
from __future__ import annotations

import datetime as dt

from lxml import etree

from push.records import ChangeRecord, Page

JSON_TYPE = "application/json"
XML_TYPE = "application/xml"


def page_json(page: Page) -> bytes:
    changes = ",".join(change.json_text() for change in page.changes)
    return f'{{"revision":"{page.revision}","change":[{changes}]}}'.encode()


def _committed_at(change: ChangeRecord) -> str:
    moment = dt.datetime.fromtimestamp(change.committed_at, dt.timezone.utc)
    return moment.isoformat(timespec="milliseconds")


def _change_element(change: ChangeRecord) -> etree._Element:
    element = etree.Element("change")
    for name, value in (("revision", str(change.revision)), ("kind", change.kind),
                        ("collection", change.collection), ("id", change.entity_id), ("href", change.href),
                        ("committed_at", _committed_at(change)), ("document", change.document),
                        ("patch", change.patch)):
        if value is not None:
            etree.SubElement(element, name).text = value
    return element


def page_xml(page: Page) -> bytes:
    root = etree.Element("changes", revision=str(page.revision))
    for change in page.changes:
        root.append(_change_element(change))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
