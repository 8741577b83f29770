"""XML and JSON codecs between bytes and the shared wire shape."""
from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any, Iterator

from lxml import etree

from engine_api.wire.values import format_json_scalar, format_xml_scalar

XML_TYPE = "application/xml"
JSON_TYPE = "application/json"

#: Keys that are XML attributes rather than child elements.
ATTRIBUTES = ("href", "id")
#: Inside ``<link>`` elements ``rel`` is an attribute too.
LINK_ATTRIBUTES = ("href", "id", "rel")

MAX_DEPTH = 64
"""How deeply elements (XML) or arrays and objects (JSON) of a request body may nest."""


class WireError(ValueError):
    """A request body that cannot be decoded."""


class UnsupportedFormat(WireError):
    """A request body whose ``Content-Type`` names neither XML nor JSON."""


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


class Codec:
    content_type: str

    def render(self, tag: str, data: Any) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    def render_collection(self, plural: str, singular: str, items: list[Any]) -> bytes:  # pragma: no cover
        raise NotImplementedError

    def parse(self, body: bytes) -> tuple[str | None, Any]:  # pragma: no cover - interface
        """Decode a body into ``(root tag or None, data)``."""
        raise NotImplementedError


class XmlCodec(Codec):
    content_type = XML_TYPE

    def render(self, tag: str, data: Any) -> bytes:
        parts: list[str] = [XML_DECLARATION]
        _write(parts, tag, data, tag == "link")
        return "".join(parts).encode("utf-8")

    def render_collection(self, plural: str, singular: str, items: list[Any]) -> bytes:
        return self.collection_of(plural, singular, [self.fragment(singular, item) for item in items])

    def fragment(self, tag: str, data: Any) -> str:
        """One entity's element, without the XML declaration: what a document keeps."""
        parts: list[str] = []
        _write(parts, tag, data, False)
        return "".join(parts)

    def entity_of(self, fragment: str) -> bytes:
        return (XML_DECLARATION + fragment).encode("utf-8")

    def collection_of(self, plural: str, singular: str, fragments: list[str]) -> bytes:
        return "".join([XML_DECLARATION, f"<{plural}>", *fragments, f"</{plural}>"]).encode("utf-8")

    def parse(self, body: bytes) -> tuple[str | None, Any]:
        if b"<!DOCTYPE" in body[:4096].upper() or b"<!ENTITY" in body.upper():
            raise WireError("XML documents with a DTD or entity declarations are not accepted")
        try:
            root = etree.fromstring(body, _hardened_parser())
        except etree.XMLSyntaxError as exc:
            raise WireError(f"Malformed XML: {exc}") from None
        if root.getroottree().docinfo.doctype:
            raise WireError("XML documents with a DTD or entity declarations are not accepted")
        return etree.QName(root).localname, self._read(root, 0)

    def _read(self, element: etree._Element, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise WireError("XML document is nested too deeply")
        grouped: dict[str, list[Any]] = {}
        for child in element:
            if not isinstance(child.tag, str):
                raise WireError("XML entity references are not accepted")
            name = etree.QName(child).localname
            grouped.setdefault(name, []).append(self._read(child, depth + 1))
        if not grouped and not element.attrib:
            return element.text or ""
        data: dict[str, Any] = dict(element.attrib)
        for name, values in grouped.items():
            data[name] = values[0] if len(values) == 1 else values
        return data


class JsonCodec(Codec):
    content_type = JSON_TYPE

    def render(self, tag: str, data: Any) -> bytes:
        return json.dumps(_jsonify(data), ensure_ascii=False, separators=(",", ":")).encode()

    def render_collection(self, plural: str, singular: str, items: list[Any]) -> bytes:
        body = {singular: [_jsonify(item) for item in items]} if items else {}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    @staticmethod
    def wire(data: Any) -> Any:
        """The JSON wire shape of typed data: numbers and booleans as strings, dates as epoch ms."""
        return _jsonify(data)

    def fragment(self, tag: str, data: Any) -> str:
        """One entity as JSON text: what a document keeps."""
        return json.dumps(_jsonify(data), ensure_ascii=False, separators=(",", ":"))

    def entity_of(self, fragment: str) -> bytes:
        return fragment.encode("utf-8")

    def collection_of(self, plural: str, singular: str, fragments: list[str]) -> bytes:
        if not fragments:
            return b"{}"
        return "".join([f'{{"{singular}":[', ",".join(fragments), "]}"]).encode("utf-8")

    def parse(self, body: bytes) -> tuple[str | None, Any]:
        if json_depth(body) > MAX_DEPTH:
            raise WireError(f"JSON document is nested too deeply: at most {MAX_DEPTH} levels are allowed")
        try:
            data = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant, object_hook=_without_nulls)
        except (UnicodeDecodeError, ValueError) as exc:
            raise WireError(f"Malformed JSON: {exc}") from None
        if not isinstance(data, dict):
            raise WireError("The request body must be a JSON object")
        if b"\\u" in body:
            _check_escaped_text(data)
        return None, data


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NESTING_STEP = [1 if byte in b"[{" else -1 if byte in b"]}" else 0 for byte in range(256)]


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text, counted without parsing or recursion.

    Strings are skipped; for a malformed text the count is that of its brackets outside strings.
    """
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_NESTING_STEP.__getitem__, brackets)), default=0)


def _without_nulls(members: dict[str, Any]) -> dict[str, Any]:
    """An object whose ``null`` members are left out: the engine reads ``"snapshot": null`` as no
    snapshot at all, and clients such as moVirt send every field they do not set as ``null``."""
    if None in members.values():
        return {key: value for key, value in members.items() if value is not None}
    return members


def _refuse_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity``, which Python reads and JSON does not have."""
    raise ValueError(f"{name} is not a JSON value")


def _strings_of(data: Any) -> Iterator[str]:
    """Every key and text value of decoded JSON, without recursion."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def _check_escaped_text(data: Any) -> None:
    """Refuse text that ``\\u`` escapes made invalid: U+0000 or a lone surrogate."""
    for text in _strings_of(data):
        if "\x00" in text:
            raise WireError("Malformed JSON: the character U+0000 is not allowed in text")
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise WireError("Malformed JSON: a lone surrogate (\\ud800-\\udfff) is not valid Unicode") from None


def _jsonify(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _jsonify(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_jsonify(v) for v in data]
    return format_json_scalar(data)


XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else format_xml_scalar(value)
    return _check_chars(text).translate(_TEXT_ESCAPES)


def _check_chars(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters other than tab, CR, LF)."""
    if text.isprintable() or all(c in "\t\r\n" or c >= " " for c in text):
        return text
    return "".join(c for c in text if c in "\t\r\n" or c >= " ")


def _write(parts: list[str], tag: str, data: Any, is_link: bool) -> None:
    """Append ``<tag …>…</tag>`` for a value of the wire shape to ``parts``."""
    if not isinstance(data, dict):
        if data is None:
            return
        parts.append(f"<{tag}>{_text(data)}</{tag}>")
        return
    attrs = LINK_ATTRIBUTES if is_link else ATTRIBUTES
    head = [f"<{tag}"]
    body: list[str] = []
    for key, value in data.items():
        if value is None:
            continue
        if key in attrs and not isinstance(value, (dict, list)):
            head.append(f' {key}="{_check_chars(format_xml_scalar(value)).translate(_ATTRIBUTE_ESCAPES)}"')
        elif isinstance(value, list):
            child_is_link = key == "link"
            for item in value:
                _write(body, key, item, child_is_link)
        else:
            _write(body, key, value, key == "link")
    if body:
        parts.append("".join(head) + ">")
        parts.extend(body)
        parts.append(f"</{tag}>")
    else:
        parts.append("".join(head) + "/>")


_XML = XmlCodec()
_JSON = JsonCodec()


def codec_for_representation(representation: str) -> Codec:
    """The codec of a representation by name: ``json`` or ``xml``."""
    return _JSON if representation == "json" else _XML


def codec_for_accept(accept: str | None) -> Codec:
    """JSON when the client asks for it (``application/json; detail=…`` included), else XML."""
    if accept and "json" in accept.lower() and "xml" not in accept.lower().split(";")[0]:
        return _JSON
    return _XML


def codec_for_content_type(content_type: str | None, body: bytes) -> Codec:
    """The codec of a request body: by Content-Type, or by its first character when absent.

    Raises :class:`UnsupportedFormat` for a Content-Type that names neither XML nor JSON.
    """
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if not media_type:
        return _JSON if body.lstrip()[:1] in (b"{", b"[") else _XML
    if "json" in media_type:
        return _JSON
    if "xml" in media_type:
        return _XML
    raise UnsupportedFormat(f"The media type '{media_type}' is not supported: send {XML_TYPE} or {JSON_TYPE}")
