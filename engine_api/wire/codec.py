"""XML and JSON codecs between bytes and the shared wire shape."""
from __future__ import annotations

import json
from typing import Any

from lxml import etree

from engine_api.wire.values import format_json_scalar, format_xml_scalar

XML_TYPE = "application/xml"
JSON_TYPE = "application/json"

#: Keys that are XML attributes rather than child elements.
ATTRIBUTES = ("href", "id")
#: Inside ``<link>`` elements ``rel`` is an attribute too.
LINK_ATTRIBUTES = ("href", "id", "rel")

MAX_DEPTH = 64


class WireError(ValueError):
    """A request body that cannot be decoded."""


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
        parts: list[str] = [XML_DECLARATION, f"<{plural}>"]
        for item in items:
            _write(parts, singular, item, False)
        parts.append(f"</{plural}>")
        return "".join(parts).encode("utf-8")

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

    def parse(self, body: bytes) -> tuple[str | None, Any]:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WireError(f"Malformed JSON: {exc}") from None
        if not isinstance(data, dict):
            raise WireError("The request body must be a JSON object")
        return None, data


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


def codec_for_accept(accept: str | None) -> Codec:
    """JSON when the client asks for it (``application/json; detail=…`` included), else XML."""
    if accept and "json" in accept.lower() and "xml" not in accept.lower().split(";")[0]:
        return _JSON
    return _XML


def codec_for_content_type(content_type: str | None, body: bytes) -> Codec:
    """The codec of a request body: by Content-Type, or by its first character when absent."""
    if content_type:
        lowered = content_type.lower()
        if "json" in lowered:
            return _JSON
        if "xml" in lowered:
            return _XML
    return _JSON if body.lstrip()[:1] in (b"{", b"[") else _XML
