"""schemathesis holds the OpenAPI document the engine serves against the engine itself.

The document is loaded from ``/ovirt-engine/emu/openapi.json`` of a live engine reset to the demo
scenario, on SQLite and on PostgreSQL. Requests authenticate with HTTP Basic as the engine's
administrator, and path parameters are real ids: before generating, the collections above each
path are listed and the first entity that leads to a served path is taken (a path the demo holds
nothing at is requested with an id no entity has, and checked for its 404 fault). Every answer is
checked for no 5xx, a documented status code, content type and headers, and a body that conforms
to the documented schema, in JSON and in XML (an XML answer is read into the JSON wire shape as
its schema describes it, its root element checked against the schema's XML name).

Which operations run, and how much:

- every GET of the document below the API root (every path and nested collection) and of the SSO
  and PKI services, with 2 generated examples each (derandomized, so a run is repeatable; the
  first is the simplest request, the second generated from the parameters' schemas), each requested in
  XML and in JSON. A valid request must not be refused (``positive_data_acceptance``). A
  generated ``follow`` is replaced by a link the engine follows on the entity, since the
  document can give only its syntax;
- the writes of each service of the API model once, at its shortest path (the same service at a
  deeper path is the same code): its add, its update, each action, then its remove, deepest
  first, with 1 example each (the simplest: the fewest members the body allows) and real ids
  listed again after the adds; then the SSO services' writes. A write the generic store serves
  must not be refused; a bespoke one may be (400 ``Incomplete parameters``: the API model does
  not tell what an add must carry, so the document requires no member of a body);
- not the controls under ``/ovirt-engine/emu`` (their writes reset the engine under the run).

That is about 410 reads and 370 writes: two to three and a half minutes a backend on two cores.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Optional
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from lxml import etree
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.exceptions import HTTPException

from engine_api.control import CONTROL_ROOT
from engine_api.model import load
from engine_api.openapi import ModelOperations
from engine_api.routes.apidocs import DOCUMENT_URL

pytestmark = pytest.mark.scenario("demo")

CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_headers_conformance, response_schema_conformance]
ACCEPTANCE = [*CONFORMANCE, positive_data_acceptance]
READ_EXAMPLES = 2
WRITE_EXAMPLES = 1
MISSING = "0"
"""The id of the paths the demo scenario holds nothing at."""

_VARIABLE = re.compile(r"\{([^}]+)\}")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _resolve(document: dict[str, Any], schema: Any) -> dict[str, Any]:
    while isinstance(schema, dict) and "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema if isinstance(schema, dict) else {}


def _branches(document: dict[str, Any], schema: Any) -> list[dict[str, Any]]:
    """The schema and every ``allOf`` branch it holds, resolved."""
    found, pending = [], [schema]
    while pending:
        current = _resolve(document, pending.pop())
        found.append(current)
        pending.extend(current.get("allOf", []))
    return found


def _properties(document: dict[str, Any], schema: Any) -> Optional[dict[str, Any]]:
    branches = _branches(document, schema)
    if not any("properties" in branch or branch.get("type") == "object" for branch in branches):
        return None
    merged: dict[str, Any] = {}
    for branch in branches:
        merged.update(branch.get("properties", {}))
    return merged


def _items(document: dict[str, Any], schema: Any) -> Optional[Any]:
    """The item schema of an array schema; None for a schema that is no array."""
    return next((branch["items"] for branch in _branches(document, schema)
                 if branch.get("type") == "array"), None)


def xml_value(document: dict[str, Any], element: Any, schema: Any) -> Any:
    """An XML element in the JSON wire shape its schema describes: attributes and child elements
    as members, repeated children of an array member as its items, text as a string."""
    properties = _properties(document, schema)
    children = [child for child in element if isinstance(child.tag, str)]
    if properties is None and not children and not element.attrib:
        return element.text or ""
    data: dict[str, Any] = dict(element.attrib)
    grouped: dict[str, list[Any]] = {}
    for child in children:
        grouped.setdefault(etree.QName(child).localname, []).append(child)
    for name, elements in grouped.items():
        member = (properties or {}).get(name, {})
        items = _items(document, member)
        if items is not None:
            data[name] = [xml_value(document, e, items) for e in elements]
        elif len(elements) == 1:
            data[name] = xml_value(document, elements[0], member)
        else:
            data[name] = [xml_value(document, e, member) for e in elements]
    return data


@schemathesis.deserializer("application/xml")
def xml_answer(ctx: schemathesis.DeserializationContext, response: schemathesis.Response) -> Any:
    """An XML answer read as its documented schema describes it; its root element must be the
    one the schema names."""
    document = ctx.operation.schema.raw_schema
    responses = ctx.operation.definition.raw.get("responses", {})
    answer = _resolve(document, responses.get(str(response.status_code)) or responses.get("default") or {})
    schema = answer.get("content", {}).get("application/xml", {}).get("schema", {})
    if all(branch.get("type") == "string" for branch in _branches(document, schema)):
        return response.content.decode("utf-8")
    root = etree.fromstring(response.content, _PARSER)
    expected = next((b["xml"]["name"] for b in _branches(document, schema) if "name" in b.get("xml", {})), None)
    tag = etree.QName(root).localname
    if expected is not None and tag != expected:
        raise ValueError(f"the root element is <{tag}>, the document names <{expected}>")
    return xml_value(document, root, schema)


class Ids:
    """Real ids for the path parameters of the engine's paths, found by listing the collections
    above each path (JSON, as the administrator)."""

    def __init__(self, session: requests.Session, root: str) -> None:
        self.session, self.root = session, root
        self._listed: dict[str, list[str]] = {}

    def forget(self) -> None:
        self._listed.clear()

    def _ids(self, path: str) -> list[str]:
        if path not in self._listed:
            answer = self.session.get(self.root + path, headers={"Accept": "application/json"})
            body = answer.json() if answer.status_code == 200 else {}
            items = next((value for value in body.values() if isinstance(value, list)), [])
            self._listed[path] = [item["id"] for item in items if isinstance(item, dict) and item.get("id")]
        return self._listed[path]

    def _walk(self, segments: list[str], done: list[str], values: dict[str, str]) -> Optional[dict[str, str]]:
        for position in range(len(done), len(segments)):
            variable = _VARIABLE.fullmatch(segments[position])
            if variable is None:
                done = [*done, segments[position]]
                continue
            for ident in self._ids("/".join(done))[:8]:
                found = self._walk(segments, [*done, ident], {**values, variable.group(1): ident})
                if found is not None:
                    return found
            return None
        return values

    def of(self, template: str) -> dict[str, str]:
        """Values for the variables of ``template`` naming entities that exist; the deepest that
        do, and :data:`MISSING` for the rest."""
        names = _VARIABLE.findall(template)
        segments = template.split("/")
        for length in range(len(segments), 0, -1):
            if not _VARIABLE.fullmatch(segments[length - 1]) and length != len(segments):
                continue
            found = self._walk(segments[:length], [], {})
            if found is not None:
                return {name: found.get(name, MISSING) for name in names}
        return {name: MISSING for name in names}


class Run:
    """One run of schemathesis over chosen operations: each with its examples and checks, the
    failures collected by operation."""

    def __init__(self, engine: Any) -> None:
        parts = urlsplit(engine.url)
        self.root = f"{parts.scheme}://{parts.netloc}"
        self.session = requests.Session()
        self.session.auth = (engine.username, engine.password)
        self.ids = Ids(self.session, self.root)
        self.schema = schemathesis.openapi.from_url(self.root + DOCUMENT_URL)
        self.schema.config.update(base_url=self.root)
        self.schema.config.generation.update(modes=[GenerationMode.POSITIVE], allow_x00=False)
        self.failures: dict[str, str] = {}
        self.statuses: dict[str, list[int]] = {}
        self._links: dict[str, Optional[str]] = {}
        self._adapter = engine.app.url_map.bind("localhost")

    def operations(self, method: str) -> list[Any]:
        """The operations of the document with ``method``, but the controls'."""
        chosen = self.schema.include(method=method).exclude(path_regex=f"^{CONTROL_ROOT}/")
        return [result.ok() for result in chosen.get_all_operations()]

    def generic(self, operation: Any, values: dict[str, str]) -> bool:
        """Whether the generic store serves an operation (it stores whatever its schema allows)."""
        concrete = _VARIABLE.sub(lambda match: values[match.group(1)], operation.path)
        try:
            endpoint, _ = self._adapter.match(concrete, method=operation.method.upper())
        except HTTPException:
            return False
        return endpoint.startswith("generic.")

    def _link(self, path: str) -> Optional[str]:
        """A link that the engine follows on the entity at ``path`` (or the first listed there):
        a valid ``follow``."""
        if path not in self._links:
            answer = self.session.get(self.root + path, headers={"Accept": "application/json"})
            body = answer.json() if answer.status_code == 200 else {}
            if "id" not in body:
                body = next((value[0] for value in body.values() if isinstance(value, list) and value), {})
            rels = [link["rel"] for link in body.get("link", [])] if isinstance(body, dict) else []
            self._links[path] = next((rel for rel in rels if self.session.get(
                self.root + path, params={"follow": rel, "max": "1"}).status_code == 200), None)
        return self._links[path]

    def run(self, operation: Any, examples: int, checks: list[Callable[..., Any]],
            accepts: Iterable[str] = ("application/json",)) -> None:
        values = self.ids.of(operation.path)
        concrete = _VARIABLE.sub(lambda match: values[match.group(1)], operation.path)
        statuses = self.statuses.setdefault(operation.label, [])
        strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=values)

        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        @given(case=strategy)
        def exercise(case: Any) -> None:
            if case.query and "follow" in case.query:
                link = self._link(concrete)
                if link is None:
                    del case.query["follow"]
                else:
                    case.query["follow"] = link
            for accept in accepts:
                answer = case.call_and_validate(session=self.session, headers={"Accept": accept}, checks=checks)
                statuses.append(answer.status_code)

        try:
            exercise()
        except (Exception, BaseExceptionGroup) as failure:
            self.failures[operation.label] = str(failure)

    def report(self) -> str:
        return "\n\n".join(f"{label}:\n{text}" for label, text in sorted(self.failures.items()))


@pytest.fixture
def run(engine: Any) -> Run:
    return Run(engine)


def test_every_read_conforms_and_accepts_what_it_documents(run: Run) -> None:
    reads = run.operations("GET")
    for operation in reads:
        run.run(operation, READ_EXAMPLES, ACCEPTANCE, accepts=("application/xml", "application/json"))
    assert not run.failures, run.report()
    assert len(reads) > 400
    found = [label for label, statuses in run.statuses.items() if 200 in statuses]
    assert len(found) > 180, "the reads of the demo's entities should find them"
    assert run.statuses["GET /ovirt-engine/api/vms"] and set(run.statuses["GET /ovirt-engine/api/vms"]) == {200}


def _writes(run: Run) -> list[tuple[str, Any]]:
    """Each write of each service once, at its shortest path, in the order they run: adds,
    updates, actions, removes (deepest first), then the SSO services'."""
    model = load()
    located = ModelOperations(model)
    chosen: dict[tuple[str, Optional[str], str], Any] = {}
    services = []
    for method in ("POST", "PUT", "DELETE"):
        for operation in run.operations(method):
            place = located.locate(operation.path)
            if place is None:
                services.append(("service", operation))
                continue
            key = (place[1].name, place[2], method)
            current = chosen.get(key)
            if current is None or (operation.path.count("/"), operation.path) < (current.path.count("/"), current.path):
                chosen[key] = operation
    kinds = {("POST", False): "add", ("PUT", False): "update", ("POST", True): "action", ("DELETE", False): "remove"}
    ordered = [(kinds[(method, segment is not None)], operation) for (_, segment, method), operation in chosen.items()]
    rank = {"add": 0, "update": 1, "action": 2, "remove": 3}
    ordered.sort(key=lambda item: (rank[item[0]], -item[1].path.count("/") if item[0] == "remove" else 0,
                                   item[1].path))
    return ordered + services


def test_every_service_writes_conform(run: Run) -> None:
    writes = _writes(run)
    kinds = [kind for kind, _ in writes]
    assert all(kinds.count(kind) > 40 for kind in ("add", "action", "remove")), kinds
    listed_after_adds = False
    for kind, operation in writes:
        if kind != "add" and not listed_after_adds:
            run.ids.forget()
            listed_after_adds = True
        values = run.ids.of(operation.path)
        checks = ACCEPTANCE if kind == "service" or run.generic(operation, values) else CONFORMANCE
        run.run(operation, WRITE_EXAMPLES, checks)
    assert not run.failures, run.report()
    answered = {label: statuses for label, statuses in run.statuses.items() if statuses}
    assert len(answered) == len(writes)
    assert any(201 in statuses for label, statuses in answered.items() if label.startswith("POST"))
    assert any(200 in statuses for label, statuses in answered.items() if label.startswith("DELETE"))


def test_what_schemathesis_found_is_answered_with_faults(engine: Any, http: Any) -> None:
    """An add to the VMs a storage domain holds (the API model has none: they are imported) is a
    405 fault, not a 500; an action of a VM's graphics console finds the console."""
    base, json_only = engine.url, {"Accept": "application/json"}
    domain = http.get(f"{base}/storagedomains", headers=json_only).json()["storage_domain"][0]["id"]
    refused = http.post(f"{base}/storagedomains/{domain}/vms", json={}, headers=json_only)
    assert refused.status_code == 405 and refused.json()["reason"] == "Method Not Allowed"
    assert "POST" not in refused.headers["Allow"]
    vm = http.get(f"{base}/vms", params={"search": "status=up"}, headers=json_only).json()["vm"][0]["id"]
    console = http.get(f"{base}/vms/{vm}/graphicsconsoles", headers=json_only).json()["graphics_console"][0]["id"]
    ticket = http.post(f"{base}/vms/{vm}/graphicsconsoles/{console}/proxyticket", json={}, headers=json_only)
    assert ticket.status_code == 200 and ticket.json()["status"] == "complete"
    unknown = http.post(f"{base}/vms/{vm}/graphicsconsoles/x{console}/proxyticket", json={}, headers=json_only)
    assert unknown.status_code == 404 and unknown.json()["detail"] == f"Entity not found: GraphicsConsole: id=x{console}"
