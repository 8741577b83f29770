"""The OpenAPI document, generated from the API model and the routes.

The routes give each operation its summary; :class:`ModelOperations` documents every operation
of a path the API model describes from the model (its query parameters with their types, its
request body, and its answers as the engine gives them), and the engine's services outside the
API (SSO, PKI) as they answer. Each struct type of the model is a component in the JSON wire
shape, with the hints that give its XML shape:

- an integer, boolean or decimal is written as a string in JSON answers (``"memory": "1024"``)
  and may be sent as a number or such a string; a date is epoch milliseconds in JSON and ISO 8601
  in XML (the ``Integer``, ``Boolean``, ``Decimal`` and ``Date`` components);
- ``id`` and ``href`` are XML attributes; a list is an object wrapping the array of its items
  (``"nics": {"nic": [...]}``, ``<nics><nic/>...</nics>``);
- an entity answered by a read, an add or an update carries its ``href`` and ``id``; the model
  tells nothing an add must carry, so no member of a request body is required;
- a list answers ``{"vm": [...]}`` (``{}`` when empty) and ``<vms><vm/>...</vms>``; an add ``201``
  with ``Location``; an action ``200`` (complete) or ``202`` (pending) with an ``action``, and a
  failed action an ``action`` with its ``fault``; any other failure a ``fault``, but those of the
  SSO services (``{error_code, error}``) and of the PKI resource (``{error}``);
- a read has no request body, and neither has a remove.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Optional

from apispec import APISpec, BasePlugin

from engine_api import limits
from engine_api.control import CONTROL_ROOT
from engine_api.generic.paths import entity_types
from engine_api.model import Action, ApiModel, Method, Parameter, Service
from engine_api.types import API_PREFIX
from engine_api.wire.values import epoch_millis
from follow.tree import DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODES
from push.projection import MAX_DEPTH, MAX_LENGTH, MAX_NAME, MAX_PATHS

DOCUMENT = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"

SSO_TOKEN = "/ovirt-engine/sso/oauth/token"
SSO_LOGOUT = "/ovirt-engine/services/sso-logout"
PKI_RESOURCE = "/ovirt-engine/services/pki-resource"

_XML = "application/xml"
_JSON = "application/json"

DESCRIPTION = (
    "The oVirt engine REST API v4 as engine-emu serves it, with its SSO and PKI services.\n\n"
    "Every operation answers XML (`Accept: application/xml`, the default) or JSON "
    "(`Accept: application/json`) and reads request bodies in either (`Content-Type`). In JSON "
    "answers integers, booleans and decimals are strings and dates are epoch milliseconds; "
    "requests may send them as JSON numbers and booleans too. A list is wrapped by the element "
    "of its items: `{\"vm\": [...]}` (`{}` when empty), `<vms><vm/>...</vms>`. Every error of "
    "the API is an oVirt `fault` (`{\"reason\", \"detail\"}`); a failed action answers an `action` "
    "holding its `fault`; the SSO and PKI services answer theirs in JSON of their own. No text may "
    "hold the character U+0000 (a 400 fault).\n\n"
    "Requests to `/ovirt-engine/api` authenticate with HTTP Basic credentials "
    "(`admin@internal`) or with a Bearer token from the SSO token service.")

_PRIMITIVES = {
    "string": {"type": "string"},
    "integer": {"type": "integer", "format": "int64"},
    "decimal": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date-time"},
}
"""Query parameters by model type: query values are text, read as these types."""


def _at_most(limit: str) -> str:
    """A regular expression of the decimal numbers from 0 to ``limit``, without leading zeros:
    the shorter ones, then for each digit of ``limit`` those that share the digits before it and
    have a smaller one there, then ``limit`` itself."""
    alternatives = ["0"] + ([f"[1-9][0-9]{{0,{len(limit) - 2}}}"] if len(limit) > 1 else [])
    for position, digit in enumerate(limit):
        low = 1 if position == 0 else 0
        rest = len(limit) - position - 1
        if int(digit) > low:
            alternatives.append(limit[:position] + f"[{low}-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return "|".join([*alternatives, limit])


INT64_TEXT = f"^({_at_most(str(limits.INT64[1]))}|-({_at_most(str(-limits.INT64[0]))}))$"
"""The text of a 64-bit integer, the range the engine reads integers of bodies in."""

DECIMAL_TEXT = (r"^-?([0-9]{1,308}(\.[0-9]+)?"
                r"|[0-9](\.[0-9]+)?([eE]\+?([0-9]{1,2}|[12][0-9]{2}|30[0-7])|[eE]-[0-9]{1,3}))$")
"""The text of a finite decimal as the engine writes one (``0.5``, ``1e+16``, ``5e-324``) and
reads it: digits without an exponent, or one digit before the point with an exponent below 308."""

_EPOCH_MILLIS = (epoch_millis(datetime.min.replace(tzinfo=timezone.utc)),
                 epoch_millis(datetime.max.replace(tzinfo=timezone.utc)))
"""The dates the engine holds, in epoch milliseconds: the years 1 to 9999."""
_ISO_DATE = r"^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-5][0-9]"
"""An ISO 8601 date of the years 1 to 9999, without the leap second the engine cannot hold."""

WIRE_VALUES: dict[str, dict[str, Any]] = {
    "Integer": {
        "description": "A 64-bit integer: a string of decimal digits in JSON answers and XML; a request "
                       "may send a JSON number or such a string.",
        "anyOf": [{"type": "integer", "format": "int64"}, {"type": "string", "pattern": INT64_TEXT}],
    },
    "Boolean": {
        "description": "A boolean: the string `true` or `false` in JSON answers and XML; a request "
                       "may send a JSON boolean or such a string.",
        "anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}],
    },
    "Decimal": {
        "description": "A finite decimal number: a string in JSON answers and XML; a request may send "
                       "a JSON number or such a string.",
        "anyOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL_TEXT}]},
    "Date": {
        "description": "A date from the year 1 to 9999: epoch milliseconds in JSON answers, ISO 8601 "
                       "with an offset in XML (`2016-09-08T09:53:35.138+02:00`); a request may send either.",
        "anyOf": [{"type": "integer", "format": "int64", "minimum": _EPOCH_MILLIS[0], "maximum": _EPOCH_MILLIS[1]},
                  {"type": "string", "format": "date-time", "pattern": _ISO_DATE}],
    },
}
"""The components of the primitive types of the model as they travel in bodies."""

_WIRE_TYPES = {"integer": "Integer", "boolean": "Boolean", "decimal": "Decimal", "date": "Date"}

_LINK = {
    "type": "object",
    "description": "A link to a sub-collection (`rel` is its URL segment) or to an action.",
    "required": ["href", "rel"],
    "properties": {"href": {"type": "string", "xml": {"attribute": True}},
                   "rel": {"type": "string", "xml": {"attribute": True}}},
    "xml": {"name": "link"},
}
_ACTIONS = {
    "type": "object",
    "description": "The links of the actions of an entity.",
    "properties": {"link": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}},
    "xml": {"name": "actions"},
}
_SSO_ERROR = {
    "type": "object",
    "description": "A failure of the SSO services.",
    "required": ["error_code", "error"],
    "properties": {
        "error_code": {"type": "string", "enum": ["access_denied", "invalid_request", "invalid_scope",
                                                  "server_error", "unsupported_grant_type"]},
        "error": {"type": "string"},
    },
}
_PKI_ERROR = {
    "type": "object",
    "description": "A failure of the PKI resource service.",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}
_SERVICE_COMPONENTS = {"Link": _LINK, "Actions": _ACTIONS, "SsoError": _SSO_ERROR, "PkiError": _PKI_ERROR}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {_XML: {"schema": schema}, _JSON: {"schema": schema}}


_FAULT_SCHEMA = {"allOf": [_ref("Fault"), {"required": ["reason", "detail"]}]}
RESPONSES: dict[str, dict[str, Any]] = {
    "Fault": {"description": "A fault: why the request failed", "content": _content(_FAULT_SCHEMA)},
    "Unauthorized": {
        "description": "No valid credentials: a fault, with the schemes the API takes",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True,
                                         "description": "`Bearer realm=\"ovirt-engine\", Basic realm=\"ovirt-engine\"`"}},
        "content": _content(_FAULT_SCHEMA),
    },
    "ActionFailed": {
        "description": "The action failed: an `action` with status `failed` and its fault",
        "content": _content({"allOf": [_ref("Action"), {
            "required": ["status", "fault"],
            "properties": {"status": {"type": "string", "enum": ["failed"]}, "fault": _FAULT_SCHEMA}}]}),
    },
}
"""Answers shared by the operations, as response components."""

_SMOREST_UNPROCESSABLE = ("UNPROCESSABLE_ENTITY", {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"})
_FAULTS = {"401": {"$ref": "#/components/responses/Unauthorized"}, "default": {"$ref": "#/components/responses/Fault"}}

SECURITY_SCHEMES = {
    "basic": {"type": "http", "scheme": "basic", "description": "A user name such as `admin@internal` and its password"},
    "sso": {"type": "oauth2", "description": "A Bearer token from the SSO token service (OAuth 2 password grant)",
            "flows": {"password": {"tokenUrl": SSO_TOKEN, "scopes": {"ovirt-app-api": "The REST API"}}}},
}

_VARIABLE = re.compile(r"\{[^}]+\}")
_VERBS = {"put": "update", "delete": "remove"}
_NAME = rf"[A-Za-z_][A-Za-z0-9_]{{0,{MAX_NAME - 1}}}"
_PATH = rf" *{_NAME}(\.{_NAME}){{0,{MAX_DEPTH - 1}}} *"
PROJECTION = {
    "name": "projection", "in": "query", "required": False,
    "description": (
        "The attributes to answer, as comma-separated paths of dot-separated attribute names "
        "(`name,status,nics.mac.address`). `href` and `id` are always kept; a path through a list "
        "applies to each item; an attribute the entity lacks is absent; `link` and `actions` only "
        "when named. A value with an empty path or name, more than "
        f"{MAX_PATHS} paths, a path of more than {MAX_DEPTH} names or more than {MAX_LENGTH} "
        "characters is a 400 fault."),
    "schema": {"type": "string", "maxLength": MAX_LENGTH, "pattern": f"^{_PATH}(,{_PATH}){{0,{MAX_PATHS - 1}}}$"},
}
"""The query parameter of every read that selects the attributes it answers (an engine-emu
extension: no engine has it)."""

_LINK_NAME = "_*[A-Za-z0-9][A-Za-z0-9_]*"
_LINK_PATH = rf" *{_LINK_NAME}( *\. *{_LINK_NAME}){{0,{DEFAULT_MAX_DEPTH - 1}}} *"
FOLLOW_PATTERN = f"^{_LINK_PATH}(,{_LINK_PATH}){{0,{DEFAULT_MAX_NODES // DEFAULT_MAX_DEPTH - 1}}}$"
"""Follow paths as the follower reads them: names of letters, digits and underscores, at most
:data:`~follow.tree.DEFAULT_MAX_DEPTH` deep, and so few that the tree cannot hold more than
:data:`~follow.tree.DEFAULT_MAX_NODES` links."""
FOLLOW_DESCRIPTION = (
    "The links to inline, as comma-separated paths of dot-separated names of links or references "
    "of the entity (`disk_attachments.disk,nics`), in either spelling (`diskattachments`), at most "
    f"{DEFAULT_MAX_DEPTH} deep and {DEFAULT_MAX_NODES} links in all. A name "
    "the engine does not follow on the entity it applies to is a 400 fault; it follows the "
    "references and the sub-collections it serves with behaviour of its own, not those it keeps "
    "as stored documents only (a vNIC profile's `permissions`, a host NIC's `networklabels`).")


def _wire_value(model: ApiModel, type_name: Optional[str]) -> dict[str, Any]:
    """The schema of an attribute's value in a body: a component for a primitive other than a
    string, an enum's values, a struct type's component."""
    if type_name is None or type_name == "string":
        return {"type": "string"}
    if type_name in model.enums:
        return {"type": "string", "enum": list(model.enum(type_name).values)}
    if type_name in model.types:
        return _ref(type_name)
    return _ref(_WIRE_TYPES[type_name])


def _query_value(model: ApiModel, type_name: Optional[str]) -> dict[str, Any]:
    if type_name is None:
        return {"type": "string"}
    if type_name in model.enums:
        return {"type": "string", "enum": list(model.enum(type_name).values)}
    return dict(_PRIMITIVES.get(type_name, {"type": "string"}))


def _is_entity(model: ApiModel, type_name: str) -> bool:
    return any(attribute.name == "id" for attribute in model.attributes(type_name))


def model_schema(model: ApiModel, type_name: str) -> dict[str, Any]:
    """The JSON schema of a struct type of the API model: its XML elements as properties, a list
    as the object that wraps its items; an entity's sub-collection and action links besides."""
    properties: dict[str, Any] = {}
    for attribute in (*model.common_attributes, *model.attributes(type_name)):
        value = _wire_value(model, attribute.type)
        if attribute.list:
            value = {"type": "object", "properties": {attribute.item: {"type": "array", "items": value}}}
        elif attribute.xml_attribute:
            value = {**value, "xml": {"attribute": True}}
        properties[attribute.element] = value
    if _is_entity(model, type_name) or type_name == "Api":
        properties["link"] = {"type": "array", "items": _ref("Link")}
        properties["actions"] = _ref("Actions")
    return {"type": "object", "properties": properties, "xml": {"name": model.type(type_name).element}}


def register_components(spec: APISpec) -> None:
    """The components of the wire values, links and error shapes that the types and the
    operations refer to."""
    for name, component in {**WIRE_VALUES, **_SERVICE_COMPONENTS}.items():
        if name not in spec.components.schemas:
            spec.components.schema(name, component=component)


def register_model_components(spec: APISpec, model: ApiModel, type_names: Iterable[str]) -> None:
    """Components for ``type_names`` and every struct type they refer to, from the API model."""
    pending = sorted(set(type_names) | {"Action", "Api", "Fault"})
    while pending:
        name = pending.pop()
        if name in spec.components.schemas:
            continue
        spec.components.schema(name, component=model_schema(model, name))
        pending.extend(a.type for a in model.attributes(name)
                       if a.type in model.types and a.type not in spec.components.schemas)


def shape(template: str) -> str:
    """A path template with its variables unnamed: ``vms/{}/nics/{}`` for ``vms/{vm}/nics/{nic}``
    and for ``vms/{parent_id}/nics/{entity_id}`` alike."""
    return _VARIABLE.sub("{}", template)


def served_entity(model: ApiModel, type_name: str) -> dict[str, Any]:
    """The schema of a struct as an answer gives it: an entity (a type with an ``id``) with its
    ``href`` and ``id``."""
    if not _is_entity(model, type_name):
        return _ref(type_name)
    return {"allOf": [_ref(type_name), {"required": ["href", "id"]}]}


def list_schema(model: ApiModel, type_name: str, item: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The schema of a list of a struct type: ``{"vm": [...]}`` in JSON, ``<vms><vm/>...</vms>``
    in XML; its items ``item`` (the type's component by default)."""
    struct = model.type(type_name)
    return {"type": "object", "properties": {struct.element: {"type": "array", "items": item or _ref(type_name)}},
            "xml": {"name": struct.plural}}


def _parameter_columns() -> dict[str, Any]:
    """The columns whose limits the engine checks query parameters against, by parameter."""
    from engine_api.models import Event

    return {"from": Event.id, "correlation_id": Event.correlation_id}


def _column_limits(column: Any) -> dict[str, Any]:
    """The JSON schema keywords of the values a column holds (an integer's range, a text's length)."""
    limit = limits.ColumnLimit.of(column.key, column.expression)
    if limit is None:
        return {}
    if limit.text:
        return {"maxLength": limit.length} if limit.length is not None else {}
    return {"minimum": limit.minimum, "maximum": limit.maximum}


def query_parameter(model: ApiModel, parameter: Parameter) -> dict[str, Any]:
    """The OpenAPI query parameter of a model parameter (a list as repeated values), with the
    limits the engine checks it against."""
    schema = _query_value(model, parameter.type)
    column = _parameter_columns().get(parameter.wire)
    if column is not None and not parameter.list:
        schema.update(_column_limits(column))
    if parameter.list:
        schema = {"type": "array", "items": schema}
    if parameter.default is not None and schema.get("type") == "boolean":
        schema["default"] = parameter.default == "true"
    documented: dict[str, Any] = {"name": parameter.wire, "in": "query", "required": False, "schema": schema}
    if parameter.wire == "follow":
        documented["description"] = FOLLOW_DESCRIPTION
        documented["schema"] = {**schema, "pattern": FOLLOW_PATTERN}
    return documented


_SSO_PARAMETERS = {
    "grant_type": {"type": "string", "enum": ["password"], "default": "password"},
    "scope": {"type": "string", "description": "Space-separated scopes, of which `ovirt-app-api` is one"},
    "username": {"type": "string", "description": "A user name such as `admin@internal`"},
    "password": {"type": "string"},
}


_SSO_FAILURE = {"description": "Any other failure (a method it does not take, a request it cannot read)",
                "content": {_JSON: {"schema": _ref("SsoError")}}}


def _sso_token_operation(method: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "parameters": [{"name": name, "in": "query", "required": False, "schema": schema}
                       for name, schema in _SSO_PARAMETERS.items()],
        "responses": {
            "200": {"description": "The access token", "content": {_JSON: {"schema": {
                "type": "object", "required": ["access_token", "scope", "token_type", "exp"],
                "properties": {"access_token": {"type": "string"}, "scope": {"type": "string"},
                               "token_type": {"type": "string", "enum": ["bearer"]},
                               "exp": {"type": "string", "pattern": "^[0-9]+$",
                                       "description": "When the token expires, in epoch milliseconds"}}}}}},
            "400": {"description": "No token: the grant, the scope or the credentials are refused, "
                                   "or the user name or password is missing",
                    "content": {_JSON: {"schema": _ref("SsoError")}}},
            "default": _SSO_FAILURE,
        },
    }
    if method == "post":
        operation["requestBody"] = {"required": False, "content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": dict(_SSO_PARAMETERS)}}}}
        operation["description"] = ("The parameters may come in the form body (the SDK) or in the query "
                                    "(moVirt); the body's win.")
    return operation


def _sso_logout_operation(method: str) -> dict[str, Any]:
    token = {"type": "string", "description": "The access token to revoke"}
    operation: dict[str, Any] = {
        "parameters": [{"name": "token", "in": "query", "required": False, "schema": token},
                       {"name": "scope", "in": "query", "required": False, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The token is revoked (or was not known): an empty object",
                              "content": {_JSON: {"schema": {"type": "object", "maxProperties": 0}}}},
                      "default": _SSO_FAILURE},
    }
    if method == "post":
        operation["requestBody"] = {"required": False, "content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": {"token": token, "scope": {"type": "string"}}}}}}
    return operation


def _pki_operation(method: str) -> dict[str, Any]:
    return {
        "parameters": [
            {"name": "resource", "in": "query", "required": False,
             "schema": {"type": "string", "enum": ["ca-certificate", "engine-certificate"], "default": "ca-certificate"}},
            {"name": "format", "in": "query", "required": False,
             "schema": {"type": "string", "enum": ["X509-PEM-CA", "X509-PEM"], "default": "X509-PEM-CA"}},
        ],
        "responses": {
            "200": {"description": "The CA certificate in PEM",
                    "content": {"application/x-x509-ca-cert": {"schema": {"type": "string"}}}},
            "400": {"description": "An unknown resource or format", "content": {_JSON: {"schema": _ref("PkiError")}}},
            "404": {"description": "The engine serves plain HTTP and has no CA",
                    "content": {_JSON: {"schema": _ref("PkiError")}}},
            "default": {"description": "Any other failure (a method it does not take, a request it cannot read)",
                        "content": {_JSON: {"schema": _ref("PkiError")}}},
        },
    }


SERVICES = {SSO_TOKEN: _sso_token_operation, SSO_LOGOUT: _sso_logout_operation, PKI_RESOURCE: _pki_operation}
"""The engine's services outside the API, by path: what each operation takes and answers. They
need no authentication."""


class ModelOperations(BasePlugin):
    """Documents each operation of a path of the API model from the model, whichever route serves
    it, and each of the engine's services outside the API.

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

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        for name, scheme in SECURITY_SCHEMES.items():
            spec.components.security_scheme(name, scheme)
        for name, response in RESPONSES.items():
            spec.components.response(name, response)
        spec.options.setdefault("info", {})["description"] = DESCRIPTION
        spec.options["security"] = [{"basic": []}, {"sso": ["ovirt-app-api"]}]

    def locate(self, path: str) -> Optional[tuple[str, Service, Optional[str]]]:
        """The model template, service and action segment (None for the service itself) of an
        OpenAPI path; None for a path the model does not describe."""
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            return None
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
        path = path or ""
        located = self.locate(path)
        for method, operation in (operations or {}).items():
            if method in ("get", "delete", "head"):
                operation.pop("requestBody", None)
            if path in SERVICES:
                operation.update(SERVICES[path](method))
                operation["security"] = []
                continue
            if located is None:
                if path.startswith((API_PREFIX + "/", CONTROL_ROOT + "/")):
                    responses = operation.setdefault("responses", {})
                    for code in (422, "422"):  # the engine answers a body its schemas refuse with a 400 fault
                        if responses.get(code) in _SMOREST_UNPROCESSABLE:
                            del responses[code]
                    responses.update(_FAULTS)
                continue
            template, service, segment = located
            if method == "get" and segment is None:
                self._parameters(operation, [], {PROJECTION["name"]: dict(PROJECTION)})
            if segment is not None:
                self._action(service, segment, operation)
            else:
                self._method(template, service, method, operation)

    def verb(self, service: Service, method: str) -> Optional[str]:
        """The model verb an HTTP method of a service's path is (``list`` or ``get`` for GET)."""
        verbs = {m.verb for m in self.model.methods(service.name).values()}
        if method == "get":
            wanted = "list" if "list" in verbs else "get"
        else:
            wanted = {"post": "add", **_VERBS}.get(method, "")
        return wanted if wanted in verbs else None

    def _method(self, template: str, service: Service, method: str, operation: dict[str, Any]) -> None:
        """Document the operation as the model's method for it; one the model lacks (a route of
        engine-emu's own) as the method its HTTP method is on the path's entity type."""
        verb = self.verb(service, method)
        if verb is not None:
            methods = [m for m in self.model.methods(service.name).values() if m.verb == verb]
            self._parameters(operation, [p for m in methods for p in m.query_parameters])
            type_name = self._type(template, methods[0], verb)
            listed_body = methods[0].body is not None and methods[0].body.list
        else:
            verb = "list" if method == "get" and not template.endswith("}") else \
                {"get": "get", "post": "add", **_VERBS}.get(method, "get")
            type_name = self.types.get(template)
            listed_body = False
            operation["description"] = "engine-emu serves this method, which the API model does not give the service."
        operation.pop("requestBody", None)
        responses: dict[str, Any] = {}
        if type_name is not None:
            self.referenced.add(type_name)
            entity = served_entity(self.model, type_name)
            if verb in ("add", "update"):
                body = list_schema(self.model, type_name) if listed_body else _ref(type_name)
                operation["requestBody"] = {"required": True, "content": _content(body)}
            if verb == "list":
                responses["200"] = {"description": f"The {self.model.type(type_name).plural}",
                                    "content": _content(list_schema(self.model, type_name, entity))}
            elif verb == "add" and listed_body:
                responses["201"] = {"description": "Added, each item answered",
                                    "content": _content(list_schema(self.model, type_name, entity))}
            elif verb == "add":
                responses["201"] = {"description": "Added", "content": _content(entity), "headers": {
                    "Location": {"description": "The path of the added entity", "required": True,
                                 "schema": {"type": "string"}}}}
            elif verb in ("get", "update"):
                responses["200"] = {"description": "OK", "content": _content(entity)}
        if verb == "remove":
            responses["200"] = {"description": "Removed: an empty body"}
        responses.setdefault("200" if verb != "add" else "201", {"description": "OK"})
        operation["responses"] = {**responses, **_FAULTS}

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
        operation["requestBody"] = {"required": True, "content": _content(self._action_body(actions))}
        answer = {"allOf": [_ref("Action"), {"required": ["status"]}]}
        operation["responses"] = {
            "200": {"description": "The action completed (status `complete`)", "content": _content(answer)},
            "202": {"description": "The action was accepted and runs asynchronously (status `pending`)",
                    "content": _content(answer)},
            "401": _FAULTS["401"],
            "404": {"$ref": "#/components/responses/Fault"},
            "default": {"$ref": "#/components/responses/ActionFailed"},
        }

    def _action_body(self, actions: list[Action]) -> dict[str, Any]:
        """The ``<action>`` body of the actions at one segment: their parameters as its members."""
        properties: dict[str, Any] = {}
        for parameter in sorted({p.wire: p for a in actions for p in a.parameters}.values(), key=lambda p: p.wire):
            value = _wire_value(self.model, parameter.type)
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


def _referenced(node: Any, found: set[str]) -> None:
    pending = [node]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                found.add(ref)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def _without_unreferenced(spec: dict[str, Any]) -> dict[str, Any]:
    """The document without the components nothing refers to (flask-smorest's error response
    and its schemas, which the engine never answers)."""
    components = spec.get("components", {})
    found: set[str] = set()
    _referenced(spec.get("paths", {}), found)
    reached: set[str] = set()
    while found - reached:
        ref = (found - reached).pop()
        reached.add(ref)
        _, _, section, name = ref.split("/", 3)
        if name in components.get(section, {}):
            _referenced(components[section][name], found)
    for section in ("schemas", "responses", "parameters", "headers"):
        if section in components:
            components[section] = {name: value for name, value in components[section].items()
                                   if f"#/components/{section}/{name}" in reached}
            if not components[section]:
                del components[section]
    return spec


def document(app: Any) -> dict[str, Any]:
    """The OpenAPI document of an engine application."""
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return _without_unreferenced(api.spec.to_dict())


def render_document(app: Any) -> str:
    """The OpenAPI document as the committed file holds it."""
    return json.dumps(document(app), indent=2, sort_keys=True) + "\n"
