"""The devices hash a host reports with VM statistics: it changes when, and only when, the
content of the domain's ``<devices>`` changes.

The hash covers a canonical walk of ``<devices>``: for each element in document order its tag,
its number of child elements, its attributes sorted by name and its text and tail with
surrounding whitespace stripped. Attribute order, quoting, indentation and comments therefore
do not count, while every element, attribute and text value does. The parts are joined with
control characters that XML text cannot contain, so different documents cannot run together.
"""
from __future__ import annotations

import hashlib

from lxml import etree

from .errors import DomainXmlError
from .safexml import parse_xml

_FIELD = "\x01"
_ELEMENT = "\x02"


def devices_hash(xml: str | bytes | etree._Element) -> str:
    """The hash of a Domain XML's ``<devices>`` as a hex digest; text is read with the hardened parser."""
    root = xml if isinstance(xml, etree._Element) else parse_xml(xml, what="Domain XML")
    devices = root if root.tag == "devices" else root.find("devices")
    if devices is None:
        raise DomainXmlError("Domain XML has no <devices>")
    parts: list[str] = []
    for element in devices.iter(tag=etree.Element):
        attributes = element.attrib
        parts.append(_ELEMENT)
        parts.append(element.tag)
        parts.append(str(len(element)))
        for name in sorted(attributes):
            parts.append(name)
            parts.append(attributes[name])
        parts.append(_FIELD)
        parts.append((element.text or "").strip())
        parts.append(_FIELD)
        parts.append((element.tail or "").strip() if element is not devices else "")
    return hashlib.sha256(_FIELD.join(parts).encode("utf-8")).hexdigest()
