"""The OpenAPI document, generated from the type model, the API model and the routes.

The routes give each operation its summary; :class:`ModelOperations` documents every operation
of a path the API model describes from the model: its query parameters with their types, its
request body, and its answers as the engine gives them (a list wrapped by its element name in
JSON, ``201`` with ``Location`` for an add, ``200`` or ``202`` for an action, a fault otherwise).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable, Optional

from apispec import BasePlugin

from engine_api.generic.paths import entity_types
from engine_api.model import Action, ApiModel, Method, Parameter, Service
from engine_api.system.schemas import Api
from engine_api.types import API_PREFIX
from engine_api.types.actions import ActionParameters, Fault
from push.projection import MAX_DEPTH, MAX_LENGTH, MAX_PATHS

DOCUMENT = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def register_components(spec: Any) -> None:
    from engine_api.api import registry

    for schema in (*registry().entity_types, Api, Fault, ActionParameters):
        name = schema.__name__
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)


_PRIMITIVES = {
    "string": {"type": "string"},
    "integer": {"type": "integer", "format": "int64"},
    "decimal": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date-time"},
}


def _value_schema(model: ApiModel, type_name: Optional[str]) -> dict[str, Any]:
    if type_name is None:
        return {"type": "string"}
    if type_name in model.enums:
        return {"type": "string", "enum": list(model.enum(type_name).values)}
    if type_name in model.types:
        return {"$ref": f"#/components/schemas/{type_name}"}
    return dict(_PRIMITIVES[type_name])


def model_schema(model: ApiModel, type_name: str) -> dict[str, Any]:
    """The JSON schema of a struct type of the API model (its XML elements as properties; a list
    as the object that wraps its items)."""
    properties: dict[str, Any] = {}
    for attribute in (*model.common_attributes, *model.attributes(type_name)):
        value = _value_schema(model, attribute.type)
        if attribute.list:
            value = {"type": "object", "properties": {attribute.item: {"type": "array", "items": value}}}
        properties[attribute.element] = value
    return {"type": "object", "properties": properties}


def register_model_components(spec: Any, model: ApiModel, type_names: Iterable[str]) -> None:
    """Components for ``type_names`` and every struct type they refer to, from the API model;
    a type that has a schema of the type model already keeps it."""
    pending = sorted(set(type_names))
    while pending:
        name = pending.pop()
        if name in spec.components.schemas:
            continue
        spec.components.schema(name, component=model_schema(model, name))
        pending.extend(a.type for a in model.attributes(name)
                       if a.type in model.types and a.type not in spec.components.schemas)


_VARIABLE = re.compile(r"\{[^}]+\}")
_FAULT = {"description": "A fault",
          "content": {"application/xml": {"schema": {"$ref": "#/components/schemas/Fault"}},
                      "application/json": {"schema": {"$ref": "#/components/schemas/Fault"}}}}
_VERBS = {"put": "update", "delete": "remove"}
PROJECTION = {
    "name": "projection", "in": "query", "required": False,
    "description": (
        "The attributes to answer, as comma-separated paths of dot-separated attribute names "
        "(`name,status,nics.mac.address`). `href` and `id` are always kept; a path through a list "
        "applies to each item; an attribute the entity lacks is absent; `link` and `actions` only "
        "when named. A value with an empty path or name, more than "
        f"{MAX_PATHS} paths, a path of more than {MAX_DEPTH} names or more than {MAX_LENGTH} "
        "characters is a 400 fault."),
    "schema": {"type": "string", "maxLength": MAX_LENGTH},
}
"""The query parameter of every read that selects the attributes it answers (an engine-emu
extension: no engine has it)."""


def shape(template: str) -> str:
    """A path template with its variables unnamed: ``vms/{}/nics/{}`` for ``vms/{vm}/nics/{nic}``
    and for ``vms/{parent_id}/nics/{entity_id}`` alike."""
    return _VARIABLE.sub("{}", template)


def _content(schema: dict[str, Any], xml: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    return {"application/xml": {"schema": xml or schema}, "application/json": {"schema": schema}}


def list_schema(model: ApiModel, type_name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON and XML schemas of a list of a struct type: ``{"vm": [...]}`` and ``<vms><vm/>...</vms>``."""
    struct = model.type(type_name)
    ref = {"$ref": f"#/components/schemas/{type_name}"}
    return ({"type": "object", "properties": {struct.element: {"type": "array", "items": ref}}},
            {"type": "array", "items": ref, "xml": {"name": struct.plural, "wrapped": True}})


def query_parameter(model: ApiModel, parameter: Parameter) -> dict[str, Any]:
    """The OpenAPI query parameter of a model parameter (a list as repeated values)."""
    schema = _value_schema(model, parameter.type)
    if parameter.list:
        schema = {"type": "array", "items": schema}
    if parameter.default is not None and schema.get("type") == "boolean":
        schema["default"] = parameter.default == "true"
    return {"name": parameter.wire, "in": "query", "required": False, "schema": schema}


class ModelOperations(BasePlugin):
    """Documents each operation of a path of the API model from the model, whichever route serves it.

    ``referenced`` collects the struct types the operations refer to, whose components are to be
    registered (:func:`register_model_components`).
    """

    def __init__(self, model: ApiModel) -> None:
        super().__init__()
        self.model = model
        self.types = entity_types(model)
        self.services = {shape(template): (template, service) for template, service in model.walk_paths()}
        self.services[""] = ("", model.root_service)
        self.referenced: set[str] = {"Action"}

    def locate(self, path: str) -> Optional[tuple[str, Service, Optional[str]]]:
        """The model template, service and action segment (None for the service itself) of an
        OpenAPI path; None for a path the model does not describe."""
        relative = shape(path.removeprefix(API_PREFIX).strip("/"))
        if relative in self.services:
            return (*self.services[relative], None)
        owner, _, segment = relative.rpartition("/")
        if owner in self.services and "{" not in segment:
            template, service = self.services[owner]
            if any(action.path == segment for action in self.model.actions(service.name).values()):
                return template, service, segment
        return None

    def operation_helper(self, path: Optional[str] = None, operations: Optional[dict[str, Any]] = None,
                         **kwargs: Any) -> None:
        located = self.locate(path or "")
        for method, operation in (operations or {}).items():
            if method == "get" and located is not None and located[2] is None:
                self._parameters(operation, [], {PROJECTION["name"]: dict(PROJECTION)})
            if located is None:
                operation.setdefault("responses", {}).setdefault("default", _FAULT)
                continue
            template, service, segment = located
            if segment is not None:
                self._action(service, segment, operation)
            elif not self._method(template, service, method, operation):
                operation.pop("requestBody", None)
                operation["responses"] = {
                    "200": {"description": "OK (the API model gives this service no such method)"},
                    "default": _FAULT}

    def verb(self, service: Service, method: str) -> Optional[str]:
        """The model verb an HTTP method of a service's path is (``list`` or ``get`` for GET)."""
        verbs = {m.verb for m in self.model.methods(service.name).values()}
        if method == "get":
            wanted = "list" if "list" in verbs else "get"
        else:
            wanted = {"post": "add", **_VERBS}.get(method, "")
        return wanted if wanted in verbs else None

    def _method(self, template: str, service: Service, method: str, operation: dict[str, Any]) -> bool:
        """Document the operation as the model's method for it; False when the model has none."""
        verb = self.verb(service, method)
        if verb is None:
            return False
        methods = [m for m in self.model.methods(service.name).values() if m.verb == verb]
        self._parameters(operation, [p for m in methods for p in m.query_parameters])
        type_name = self._type(template, methods[0], verb)
        operation.pop("requestBody", None)
        responses: dict[str, Any] = {}
        if type_name is not None:
            self.referenced.add(type_name)
            ref = {"$ref": f"#/components/schemas/{type_name}"}
            body = methods[0].body
            if verb in ("add", "update") and body is not None and body.list:
                operation["requestBody"] = {"content": _content(*list_schema(self.model, type_name))}
            elif verb in ("add", "update"):
                operation["requestBody"] = {"content": _content(ref)}
            if verb == "list":
                responses["200"] = {"description": f"The {self.model.type(type_name).plural}",
                                    "content": _content(*list_schema(self.model, type_name))}
            elif verb == "add" and body is not None and body.list:
                responses["201"] = {"description": "Added, each item answered",
                                    "content": _content(*list_schema(self.model, type_name))}
            elif verb == "add":
                responses["201"] = {"description": "Added", "content": _content(ref), "headers": {
                    "Location": {"description": "The path of the added entity", "schema": {"type": "string"}}}}
            elif verb in ("get", "update"):
                responses["200"] = {"description": "OK", "content": _content(ref)}
        if verb == "remove":
            responses["200"] = {"description": "Removed"}
        responses.setdefault("200" if verb != "add" else "201", {"description": "OK"})
        operation["responses"] = {**responses, "default": _FAULT}
        return True

    def _type(self, template: str, method: Method, verb: str) -> Optional[str]:
        """The struct type a method lists, adds, reads or updates."""
        body = method.body
        if verb in ("add", "update") and body is not None and body.type in self.model.types:
            return body.type
        if method.returns in self.model.types:
            return method.returns
        return self.types.get(template) if template else None

    def _action(self, service: Service, segment: str, operation: dict[str, Any]) -> None:
        actions = [a for a in self.model.actions(service.name).values() if a.path == segment]
        operation["requestBody"] = {"content": _content(self._action_body(actions))}
        answer = _content({"$ref": "#/components/schemas/Action"})
        operation["responses"] = {
            "200": {"description": "The action completed", "content": answer},
            "202": {"description": "The action was accepted and runs asynchronously", "content": answer},
            "default": _FAULT,
        }

    def _action_body(self, actions: list[Action]) -> dict[str, Any]:
        """The ``<action>`` body of the actions at one segment: their parameters as its members."""
        properties: dict[str, Any] = {}
        for parameter in sorted({p.wire: p for a in actions for p in a.parameters}.values(), key=lambda p: p.wire):
            value = _value_schema(self.model, parameter.type)
            if parameter.type in self.model.types:
                self.referenced.add(parameter.type)
            if parameter.list:
                item = (self.model.type(parameter.type).element if parameter.type in self.model.types
                        else (parameter.type or "string").lower())
                value = {"type": "object", "properties": {item: {"type": "array", "items": value}}}
            properties[parameter.wire] = value
        return {"type": "object", "properties": properties, "xml": {"name": "action"}}

    def _parameters(self, operation: dict[str, Any], parameters: list[Parameter],
                    extra: Optional[dict[str, dict[str, Any]]] = None) -> None:
        given = {p["name"]: p for p in operation.get("parameters", []) if p.get("in") == "query"}
        given.update(extra or {})
        for parameter in parameters:
            given.setdefault(parameter.wire, query_parameter(self.model, parameter))
        others = [p for p in operation.get("parameters", []) if p.get("in") != "query"]
        operation["parameters"] = others + [given[name] for name in sorted(given)]
        if not operation["parameters"]:
            del operation["parameters"]


def document(app: Any) -> dict[str, Any]:
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return api.spec.to_dict()


def render_document(app: Any) -> str:
    return json.dumps(document(app), indent=2, sort_keys=True) + "\n"
