"""The committed OpenAPI document is the one the type model, the API model and the routes
generate, and it documents every path of the model the engine serves as the model describes it."""
from __future__ import annotations

import json
import re
from typing import Optional

from werkzeug.exceptions import HTTPException

from engine_api.model import Parameter, load
from engine_api.openapi import DOCUMENT, render_document
from engine_api.types import API_PREFIX


def test_openapi_document_is_current(live_engine):
    generated = render_document(live_engine.app)
    committed = DOCUMENT.read_text()
    assert committed == generated, "openapi/openapi.json is stale: run `engine-emu openapi`"


def test_openapi_describes_types_and_paths(live_engine):
    document = json.loads(render_document(live_engine.app))
    schemas = document["components"]["schemas"]
    assert {"Vm", "Disk", "DiskAttachment", "Nic", "Host", "Cluster", "DataCenter", "Fault"} <= set(schemas)
    assert schemas["Vm"]["properties"]["status"]["enum"][0] == "down"
    assert "/ovirt-engine/api/vms/{entity_id}/start" in document["paths"]
    assert "post" in document["paths"]["/ovirt-engine/api/vms"]
    watchdogs = document["paths"]["/ovirt-engine/api/vms/{vm}/watchdogs"]
    assert {"get", "post"} <= set(watchdogs) and "201" in watchdogs["post"]["responses"]
    snapshots = document["paths"]["/ovirt-engine/api/vms/{parent_id}/snapshots"]
    assert {"get", "post"} <= set(snapshots) and "201" in snapshots["post"]["responses"]
    assert "/ovirt-engine/api/vms/{vm}/clone" in document["paths"]
    assert schemas["Snapshot"]["properties"]["snapshot_status"]["enum"] == ["in_preview", "locked", "ok"]


_VARIABLE = re.compile(r"\{[^}]+\}")
_METHODS = {"get": "GET", "post": "POST", "put": "PUT", "delete": "DELETE"}
_SCHEMA_TYPES = {"string": "string", "integer": "integer", "decimal": "number", "boolean": "boolean",
                 "date": "string"}


def _shape(path: str) -> str:
    return _VARIABLE.sub("{}", path.removeprefix(API_PREFIX).strip("/"))


def _operations(document: dict) -> dict[str, dict]:
    """The document's operations by path shape (``vms/{}/nics``), its variables unnamed."""
    return {_shape(path): operations for path, operations in document["paths"].items()
            if path == API_PREFIX or path.startswith(API_PREFIX + "/")}


def _model_paths() -> dict[str, tuple[str, object, Optional[str]]]:
    """Every path of the API model by shape: its template, its service and, for an action, the
    action's segment."""
    model = load()
    found = {"": ("", model.root_service, None)}
    for template, service in model.walk_paths():
        found[_shape(template)] = (template, service, None)
        for action in model.actions(service.name).values():
            found.setdefault(_shape(f"{template}/{action.path}"), (template, service, action.path))
    return found


def _verb(service: object, method: str) -> Optional[str]:
    verbs = {m.verb for m in load().methods(service.name).values()}
    wanted = {"get": "list" if "list" in verbs else "get", "post": "add", "put": "update", "delete": "remove"}[method]
    return wanted if wanted in verbs else None


def _schema_type(parameter: Parameter) -> str:
    if parameter.list:
        return "array"
    return _SCHEMA_TYPES.get(parameter.type, "string") if parameter.type not in load().types else "object"


def _sample(template: str) -> str:
    return _VARIABLE.sub("x", template)


def test_every_path_the_engine_serves_of_the_model_is_documented(live_engine):
    """Each model path and method a route serves (bespoke or generic) is an operation of the document."""
    operations = _operations(json.loads(render_document(live_engine.app)))
    adapter = live_engine.app.url_map.bind("localhost")
    missing, served = [], 0
    for path_shape, (template, service, segment) in sorted(_model_paths().items()):
        concrete = f"{API_PREFIX}/{_sample(template)}" + (f"/{segment}" if segment else "")
        for method, http in _METHODS.items():
            if segment is not None and method != "post":
                continue
            try:
                adapter.match(concrete.rstrip("/"), method=http)
            except HTTPException:
                continue
            served += 1
            if method not in operations.get(path_shape, {}):
                missing.append(f"{http} {path_shape}")
    assert not missing, missing
    assert served > 850


def test_operations_carry_the_model_query_parameters_wrappers_and_answers(live_engine):
    """Against the model, for every operation of a model path: every query parameter of the
    method with its type, a list answered as ``{"vm": [...]}``, an add with 201 and ``Location``,
    an action with 200 and 202 and its parameters as the body's members."""
    model = load()
    paths = _model_paths()
    problems, checked = [], 0
    for path_shape, operations in sorted(_operations(json.loads(render_document(live_engine.app))).items()):
        if path_shape not in paths:
            continue
        template, service, segment = paths[path_shape]
        for method, operation in sorted(operations.items()):
            if method not in _METHODS:
                continue
            checked += 1
            where = f"{method.upper()} {path_shape}"
            responses = operation["responses"]
            if segment is not None:
                if not {"200", "202"} <= set(responses):
                    problems.append(f"{where}: answers {sorted(responses)}")
                members = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
                wanted = {p.wire for a in model.actions(service.name).values() if a.path == segment
                          for p in a.parameters}
                if wanted - set(members):
                    problems.append(f"{where}: no body members {sorted(wanted - set(members))}")
                continue
            verb = _verb(service, method)
            if verb is None:
                continue
            methods = [m for m in model.methods(service.name).values() if m.verb == verb]
            given = {p["name"]: p["schema"] for p in operation.get("parameters", []) if p["in"] == "query"}
            for parameter in (p for m in methods for p in m.query_parameters):
                if parameter.wire not in given:
                    problems.append(f"{where}: no query parameter {parameter.wire!r}")
                elif given[parameter.wire].get("type", "object") != _schema_type(parameter):
                    problems.append(f"{where}: {parameter.wire!r} is {given[parameter.wire]}, not "
                                    f"{_schema_type(parameter)}")
            if verb == "list" or verb == "add" and methods[0].body is not None and methods[0].body.list:
                answer = responses.get("200" if verb == "list" else "201", {})
                schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
                wrapper = schema.get("properties", {})
                items = next(iter(wrapper.values()), {}).get("items", {}).get("$ref", "").rsplit("/", 1)[-1]
                if schema.get("type") != "object" or len(wrapper) != 1 or items not in model.types \
                        or model.type(items).element not in wrapper \
                        or next(iter(wrapper.values()))["type"] != "array":
                    problems.append(f"{where}: the list is not wrapped by its element: {schema}")
                elif methods[0].returns and methods[0].returns != items:
                    problems.append(f"{where}: lists {items}, the model {methods[0].returns}")
            elif verb == "add" and "Location" not in responses.get("201", {}).get("headers", {}):
                problems.append(f"{where}: answers {sorted(responses)} without a Location")
            elif verb in ("get", "update", "remove") and "200" not in responses:
                problems.append(f"{where}: answers {sorted(responses)}")
    assert not problems, "\n".join(problems)
    assert checked > 850


def test_every_read_of_the_model_documents_projection(live_engine):
    """``projection`` is a query parameter of every GET of a model path, the root included, and of
    no other method."""
    operations = _operations(json.loads(render_document(live_engine.app)))
    paths = _model_paths()
    missing, reads = [], 0
    for path_shape, methods in operations.items():
        if path_shape not in paths or paths[path_shape][2] is not None:
            continue
        for method, operation in methods.items():
            if method not in _METHODS:
                continue
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            if method == "get":
                reads += 1
                if "projection" not in names:
                    missing.append(path_shape)
            else:
                assert "projection" not in names, f"{method} {path_shape}"
    assert not missing, missing
    assert reads > 400
    root = operations[""]["get"]["parameters"]
    assert any(p["name"] == "projection" and p["schema"]["type"] == "string" for p in root)
