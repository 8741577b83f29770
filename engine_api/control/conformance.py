"""What a real engine would refuse or ignore in a request, as the API model says: the marks of a
journaled request.

A request may send what engine-emu serves but the engine would not take: a header the engine
never reads, a query or matrix parameter the operation does not take, an element or XML
attribute of the body its type does not define (the engine's readers skip them silently), a path
the API model has no service at, a method the service has not. Each is a :class:`Mark`, so that
a client's test can assert that what it sends conforms.

Headers are checked on every request of the API and SSO; the rest on the API's requests, whose
operation is found in the API model (:func:`operation_of`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Optional, Union
from urllib.parse import parse_qsl

from lxml import etree

from engine_api.model import Attribute, Parameter, Service, load
from engine_api.normalize import API_ROOT

#: Headers the engine reads.
ENGINE_HEADERS = frozenset({
    "accept", "content-type", "authorization", "version", "prefer", "filter", "all-content", "correlation-id",
    "session-ttl", "expect",
})
#: Headers of HTTP itself, which its server and proxies take: no engine feature, never a mark.
HTTP_HEADERS = frozenset({
    "host", "user-agent", "connection", "keep-alive", "content-length", "transfer-encoding", "te", "trailer",
    "accept-encoding", "accept-language", "accept-charset", "cookie", "cache-control", "pragma", "date", "via",
    "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip",
    "origin", "referer", "dnt", "proxy-connection", "upgrade-insecure-requests",
})
#: Headers of a browser's own (``sec-fetch-mode``, ``sec-ch-ua``…).
BROWSER_HEADER_PREFIX = "sec-"
#: Headers engine-emu reads and the engine does not.
EXTENSION_HEADERS = {
    "if-none-match": "engine-emu answers 304 to a revision the client holds; the engine sends no ETag and ignores it",
    "last-event-id": "engine-emu's change feed resumes from it; the engine has no change feed",
}
#: Parameters every request of the API may carry.
EVERY_REQUEST_PARAMETERS = frozenset({"correlation_id"})
#: Parameters engine-emu reads and the engine does not.
EXTENSION_PARAMETERS = {
    "projection": "engine-emu answers only the attributes it names; the engine ignores it",
}
#: Elements every entity the engine answers carries, which a client may send back as it read them.
READ_BACK_ELEMENTS = frozenset({"link", "actions"})


@dataclass(frozen=True)
class Mark:
    """One thing a real engine would refuse or ignore: its ``kind`` (``header``, ``parameter``,
    ``element``, ``attribute``, ``path`` or ``method``), the ``name`` of what was sent (a header's
    or parameter's name, ``vm.cpu.bogus`` for an element), and why."""

    kind: str
    name: str
    detail: str


@dataclass(frozen=True)
class Operation:
    """What the API model says of one method on one path: the query parameters it takes, and
    the struct type of its body (``list_body`` when it takes several) or an action's parameters."""

    service: str
    verb: str
    parameters: frozenset[str]
    body_type: Optional[str] = None
    list_body: bool = False
    action: Optional[str] = None
    action_parameters: tuple[Parameter, ...] = ()


def marks_of(entry: Any) -> tuple[Mark, ...]:
    """The marks of a journaled request (a :class:`~engine_api.control.journal.JournalEntry`)."""
    from engine_api.control.journal import normalized

    marks = list(header_marks(name for name, _ in entry.header_pairs))
    path, query = normalized(entry.path, entry.query)
    if not (path == API_ROOT or path.startswith(API_ROOT + "/")) or entry.method == "OPTIONS":
        return tuple(marks)
    relative = path[len(API_ROOT):].strip("/")
    found = operation_of(entry.method, relative)
    if isinstance(found, Mark):
        return (*marks, found)
    marks.extend(parameter_marks(found, [name for name, _ in parse_qsl(query, keep_blank_values=True)]))
    if entry.body_bytes and (found.body_type is not None or found.action is not None):
        marks.extend(body_marks(found, entry.raw_body, entry.content_type, entry.body_truncated))
    return tuple(marks)


def header_marks(names: Iterable[str]) -> list[Mark]:
    marks = []
    for name in dict.fromkeys(n.lower() for n in names):
        if name in ENGINE_HEADERS or name in HTTP_HEADERS or name.startswith(BROWSER_HEADER_PREFIX):
            continue
        detail = EXTENSION_HEADERS.get(name, "the engine does not read this header; it ignores it")
        marks.append(Mark("header", name, detail))
    return marks


def parameter_marks(operation: Operation, names: Iterable[str]) -> list[Mark]:
    marks = []
    what = f"the {operation.action} action" if operation.action else f"{operation.service}.{operation.verb}"
    for name in dict.fromkeys(names):
        if name in operation.parameters or name in EVERY_REQUEST_PARAMETERS:
            continue
        detail = EXTENSION_PARAMETERS.get(name, f"{what} takes no parameter '{name}'; the engine ignores it")
        marks.append(Mark("parameter", name, detail))
    return marks


@lru_cache(maxsize=4096)
def operation_of(method: str, relative: str) -> Union[Operation, Mark]:
    """The operation of ``method`` on a path below the API root (``vms/123/nics``), or the mark
    that says the model has none."""
    model = load()
    verb_of = {"GET": "get", "HEAD": "get", "POST": "add", "PUT": "update", "DELETE": "remove"}
    if method not in verb_of:
        return Mark("method", method, f"the engine serves no {method} requests")
    if method == "POST":
        owner, _, segment = relative.rpartition("/")
        service = _service_at(owner) if segment else None
        if service is not None:
            actions = tuple(a for a in model.actions(service.name).values() if a.path == segment)
            if actions:
                parameters = tuple({p.wire: p for a in actions for p in a.parameters}.values())
                return Operation(service.name, "action", frozenset(), action=segment, action_parameters=parameters)
    service = _service_at(relative)
    if service is None:
        return Mark("path", f"{API_ROOT}/{relative}".rstrip("/"),
                    "the API model has no service at this path; the engine answers 404")
    methods = model.methods(service.name).values()
    verb = verb_of[method]
    if verb == "get" and not any(m.verb == "get" for m in methods):
        verb = "list"
    chosen = [m for m in methods if m.verb == verb]
    if not chosen:
        return Mark("method", method, f"{service.name} has no {verb} method; the engine refuses the request")
    body = chosen[0].body
    return Operation(service.name, verb, frozenset(p.wire for m in chosen for p in m.query_parameters),
                     body_type=body.type if body is not None and body.type in model.types else None,
                     list_body=bool(body is not None and body.list))


def _service_at(relative: str) -> Optional[Service]:
    try:
        return load().resolve(relative)
    except KeyError:
        return None


@lru_cache(maxsize=None)
def _elements(type_name: str) -> dict[str, Attribute]:
    """The attributes of a struct type by element, ``href`` included."""
    model = load()
    return {a.element: a for a in (*model.common_attributes, *model.attributes(type_name))}


def _element_names(type_name: str) -> frozenset[str]:
    model = load()
    return frozenset({model.type(type_name).element} | {model.type(t).element for t in _subtypes(type_name)})


@lru_cache(maxsize=None)
def _subtypes(type_name: str) -> tuple[str, ...]:
    model = load()
    return tuple(name for name in model.types if name != type_name and model.is_subtype(name, type_name))


def body_marks(operation: Operation, body: bytes, content_type: str, truncated: bool) -> list[Mark]:
    """The elements and attributes of a request body its operation's type does not define."""
    from engine_api.wire import UnsupportedFormat, WireError, codec_for_content_type
    from engine_api.wire.codec import JSON_TYPE

    if truncated:
        return [Mark("element", "", "the body is longer than the journal keeps; its elements were not checked")]
    if not body.strip():
        return []
    try:
        codec = codec_for_content_type(content_type or None, body)
    except UnsupportedFormat:
        return []  # the engine refuses the request as a whole (415)
    marks: list[Mark] = []
    if codec.content_type == JSON_TYPE:
        try:
            _, data = codec.parse(body)
        except WireError:
            return []  # refused as a whole (400)
        _JsonWalk(marks).body(operation, data)
    else:
        if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
            return []
        try:
            root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                                          remove_comments=True, remove_pis=True))
        except etree.XMLSyntaxError:
            return []
        _XmlWalk(marks).body(operation, root)
    return marks


def _root(operation: Operation) -> tuple[str, frozenset[str]]:
    """The element a body's root is named for, and the names it may have."""
    if operation.action is not None:
        return "action", frozenset({"action"})
    assert operation.body_type is not None
    if operation.list_body:
        plural = load().type(operation.body_type).plural
        return plural, frozenset({plural})
    return load().type(operation.body_type).element, _element_names(operation.body_type)


def _unknown(where: str, name: str, type_name: str) -> Mark:
    return Mark("element", f"{where}.{name}", f"{type_name} has no attribute '{name}'; the engine ignores it")


def _not_a_parameter(action: str, name: str) -> Mark:
    return Mark("element", f"action.{name}", f"the {action} action takes no parameter '{name}'; the engine ignores it")


class _JsonWalk:
    """Marks of a JSON body (the shared wire shape: members, lists wrapped or bare)."""

    def __init__(self, marks: list[Mark]) -> None:
        self.marks = marks

    def body(self, operation: Operation, data: Any) -> None:
        name, _ = _root(operation)
        if operation.action is not None:
            self.action(operation, data)
        elif operation.list_body:
            assert operation.body_type is not None
            element = load().type(operation.body_type).element
            self.items(operation.body_type, element, data, name)
        else:
            assert operation.body_type is not None
            self.struct(operation.body_type, data, name)

    def action(self, operation: Operation, data: Any) -> None:
        if not isinstance(data, dict):
            return
        parameters = {p.wire: p for p in operation.action_parameters}
        for key, value in data.items():
            parameter = parameters.get(key)
            if parameter is None:
                self.marks.append(_not_a_parameter(operation.action or "", key))
            elif parameter.type in load().types:
                if parameter.list:
                    self.items(parameter.type, load().type(parameter.type).element, value, f"action.{key}")
                else:
                    self.struct(parameter.type, value, f"action.{key}")

    def struct(self, type_name: str, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            return  # a value of the wrong shape: refused, not ignored
        known = _elements(type_name)
        for key, value in data.items():
            attribute = known.get(key)
            if attribute is None:
                if key not in READ_BACK_ELEMENTS:
                    self.marks.append(_unknown(where, key, type_name))
            elif attribute.type in load().types:
                if attribute.list:
                    self.items(attribute.type, attribute.item or attribute.element, value, f"{where}.{key}")
                else:
                    self.struct(attribute.type, value, f"{where}.{key}")

    def items(self, type_name: str, item: str, value: Any, where: str) -> None:
        if isinstance(value, dict):
            for key in value:
                if key != item:
                    self.marks.append(Mark("element", f"{where}.{key}",
                                           f"a list of '{item}' elements holds no '{key}'; the engine ignores it"))
            entries = value.get(item, [])
            value = entries if isinstance(entries, list) else [entries]
        if isinstance(value, list):
            for entry in value:
                self.struct(type_name, entry, f"{where}.{item}")


class _XmlWalk:
    """Marks of an XML body: unknown elements, and XML attributes where the model has elements."""

    def __init__(self, marks: list[Mark]) -> None:
        self.marks = marks

    def body(self, operation: Operation, root: Any) -> None:
        expected, names = _root(operation)
        tag = etree.QName(root).localname
        if tag not in names:
            self.marks.append(Mark("element", tag, f"the body's root is '{tag}' where the engine reads "
                                                   f"'{expected}'; it refuses the request"))
            return
        if operation.action is not None:
            self.action(operation, root)
        elif operation.list_body:
            assert operation.body_type is not None
            self.items(operation.body_type, load().type(operation.body_type).element, root, tag)
        else:
            assert operation.body_type is not None
            self.struct(operation.body_type, root, tag)

    def action(self, operation: Operation, root: Any) -> None:
        parameters = {p.wire: p for p in operation.action_parameters}
        self.attributes(root, "action", frozenset())
        for child in root:
            name = etree.QName(child).localname
            parameter = parameters.get(name)
            if parameter is None:
                self.marks.append(_not_a_parameter(operation.action or "", name))
            elif parameter.type in load().types:
                if parameter.list:
                    self.items(parameter.type, load().type(parameter.type).element, child, f"action.{name}")
                else:
                    self.struct(parameter.type, child, f"action.{name}")

    def attributes(self, element: Any, where: str, allowed: frozenset[str]) -> None:
        for name in element.attrib:
            local = etree.QName(name).localname
            if local not in allowed:
                self.marks.append(Mark("attribute", f"{where}@{local}", f"the engine reads no XML attribute "
                                                                        f"'{local}' here; it ignores it"))

    def struct(self, type_name: str, element: Any, where: str) -> None:
        known = _elements(type_name)
        self.attributes(element, where, frozenset(e for e, a in known.items() if a.xml_attribute))
        for child in element:
            name = etree.QName(child).localname
            attribute = known.get(name)
            if attribute is None:
                if name not in READ_BACK_ELEMENTS:
                    self.marks.append(_unknown(where, name, type_name))
            elif attribute.xml_attribute:
                self.marks.append(Mark("element", f"{where}.{name}", f"the engine reads '{name}' only as an XML "
                                                                     f"attribute (<{etree.QName(element).localname} "
                                                                     f"{name}=\"…\">); it ignores this element"))
            elif attribute.type in load().types:
                if attribute.list:
                    self.items(attribute.type, attribute.item or attribute.element, child, f"{where}.{name}")
                else:
                    self.struct(attribute.type, child, f"{where}.{name}")

    def items(self, type_name: str, item: str, element: Any, where: str) -> None:
        for child in element:
            name = etree.QName(child).localname
            if name != item:
                self.marks.append(Mark("element", f"{where}.{name}",
                                       f"a list of '{item}' elements holds no '{name}'; the engine ignores it"))
            else:
                self.struct(type_name, child, f"{where}.{item}")
