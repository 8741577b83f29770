"""The one hardened lxml parser every XML read in :mod:`domainxml` goes through.

The parser never resolves entities, never touches the network, never loads a DTD and keeps
libxml2's limits for huge documents. Comments, processing instructions and the whitespace
between elements (indentation) are dropped; text inside an element is kept as it is. On top of that a document is refused when it is larger
than :data:`MAX_DOCUMENT_BYTES` or carries a document type declaration at all, so that an
entity-expansion or external-entity document never gets as far as being interpreted.
"""
from __future__ import annotations

import threading

from lxml import etree

from .errors import DomainXmlError

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
"""Largest XML document accepted, in bytes (a busy domain is a few tens of KiB)."""

_local = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's hardened parser (lxml parsers must not be shared between threads)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            remove_blank_text=True,
        )
        _local.parser = parser
    return parser


def parse_xml(data: str | bytes, *, what: str = "XML document", max_bytes: int = MAX_DOCUMENT_BYTES) -> etree._Element:
    """Parse ``data`` with the hardened parser and return its root element.

    Raises :class:`DomainXmlError` with a readable message for empty, oversized, malformed
    documents and for any document with a ``<!DOCTYPE``.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, (bytes, bytearray)):
        raise DomainXmlError(f"{what}: expected XML text, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise DomainXmlError(f"{what} is too large: {len(data)} bytes, at most {max_bytes} are accepted")
    if not data or data.isspace():
        raise DomainXmlError(f"{what} is empty")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise DomainXmlError(f"{what} is not well-formed XML: {_describe(exc)}") from None
    except ValueError as exc:
        raise DomainXmlError(f"{what} cannot be read: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise DomainXmlError(f"{what} has a document type declaration; DTDs and entities are not accepted")
    return root


def _describe(exc: etree.XMLSyntaxError) -> str:
    """libxml2's message with its position, without the trailing noise."""
    message = (exc.msg or str(exc)).strip().replace(", use XML_PARSE_HUGE option", "")
    if exc.lineno and f"line {exc.lineno}" not in message:
        message = f"{message} (line {exc.lineno}, column {exc.offset})"
    return message
