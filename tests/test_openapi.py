"""The committed OpenAPI document is the one the API model and the routes generate and the one the
engine serves, and it documents every path of the model the engine serves as the engine answers
it: query parameters, wire values, list wrappers, XML and JSON, faults, actions, SSO and PKI; the
engine serves it with a Swagger UI page of its own."""
from __future__ import annotations

import json
import re
from typing import Optional
from urllib.parse import urlsplit

import requests
from werkzeug.exceptions import HTTPException

from engine_api.model import Parameter, load
from engine_api.openapi import DOCUMENT, INT64_TEXT, WIRE_VALUES, render_document
from engine_api.routes.apidocs import ASSETS, DOCS_URL, DOCUMENT_URL, swagger_ui_dist
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


def _item_type(schema: dict) -> str:
    """The component an answer's schema is, directly or as the first branch of an ``allOf``."""
    ref = schema.get("$ref") or next(iter(schema.get("allOf", [])), {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1]


def _required(schema: dict) -> set[str]:
    return {name for branch in schema.get("allOf", [schema]) for name in branch.get("required", [])}


def _is_entity(model, type_name: str) -> bool:
    return any(attribute.name == "id" for attribute in model.attributes(type_name))


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
                item = next(iter(wrapper.values()), {}).get("items", {})
                items = _item_type(item)
                if schema.get("type") != "object" or len(wrapper) != 1 or items not in model.types \
                        or model.type(items).element not in wrapper \
                        or next(iter(wrapper.values()))["type"] != "array" \
                        or schema.get("xml", {}).get("name") != model.type(items).plural:
                    problems.append(f"{where}: the list is not wrapped by its element: {schema}")
                elif _is_entity(model, items) and _required(item) != {"href", "id"}:
                    problems.append(f"{where}: the items need not carry href and id: {item}")
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


def _document(live_engine) -> dict:
    return json.loads(render_document(live_engine.app))


def _all_operations(document: dict):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in _METHODS:
                yield path, method, operation


def _resolved(document: dict, answer: dict) -> dict:
    ref = answer.get("$ref")
    return document["components"]["responses"][ref.rsplit("/", 1)[-1]] if ref else answer


def test_no_read_or_remove_has_a_request_body(live_engine):
    document = _document(live_engine)
    with_body = [f"{method} {path}" for path, method, operation in _all_operations(document)
                 if method in ("get", "delete") and "requestBody" in operation]
    assert not with_body
    assert any("requestBody" in operation for _, method, operation in _all_operations(document) if method == "put")


_XML_ONLY = {"/ovirt-engine/api/vms/{vm_id}/domainxml", "/ovirt-engine/api/vms/{vm_id}/reporteddomainxml"}
"""The libvirt Domain XML, which is XML whatever the client accepts."""


def test_every_api_operation_answers_and_reads_xml_and_json_and_faults(live_engine):
    """Every operation below the API root takes and answers both formats, and documents its 401
    and its faults."""
    document = _document(live_engine)
    problems, checked = [], 0
    for path, method, operation in _all_operations(document):
        if not path.startswith(API_PREFIX):
            continue
        checked += 1
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        if responses.get("401") != {"$ref": "#/components/responses/Unauthorized"} or "default" not in responses:
            problems.append(f"{where}: no 401 or no default fault")
        for status, answer in responses.items():
            content = set(_resolved(document, answer).get("content", {}))
            if content and content != {"application/xml", "application/json"} and path not in _XML_ONLY:
                problems.append(f"{where} {status}: answers {sorted(content)}")
        body = set(operation.get("requestBody", {}).get("content", {}))
        if body and body != {"application/xml", "application/json"} and path not in _XML_ONLY:
            problems.append(f"{where}: reads {sorted(body)}")
    assert not problems, "\n".join(problems)
    assert checked > 900


def test_answered_entities_carry_href_and_id_and_no_body_member_is_required(live_engine):
    document = _document(live_engine)
    schemas = document["components"]["schemas"]
    model = load()
    one = document["paths"]["/ovirt-engine/api/vms/{entity_id}"]
    for method in ("get", "put"):
        answer = one[method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert _item_type(answer) == "Vm" and _required(answer) == {"href", "id"}
    added = document["paths"]["/ovirt-engine/api/vms"]["post"]
    assert _required(added["responses"]["201"]["content"]["application/xml"]["schema"]) == {"href", "id"}
    assert added["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Vm"}
    required = {name for name in model.types if name in schemas and schemas[name].get("required")}
    assert not required, "the API model tells no member a body must carry"
    assert schemas["Vm"]["properties"]["id"]["xml"] == {"attribute": True}
    assert schemas["Vm"]["properties"]["nics"]["properties"]["nic"]["type"] == "array"
    assert schemas["Vm"]["xml"] == {"name": "vm"}
    assert _item_type(document["paths"][API_PREFIX]["get"]["responses"]["200"]["content"]["application/json"]["schema"]) == "Api"


def test_wire_values_are_as_the_engine_writes_them(live_engine):
    """Integers, booleans and decimals are strings in JSON answers and may be sent as numbers;
    dates are epoch milliseconds or ISO 8601."""
    schemas = _document(live_engine)["components"]["schemas"]
    assert schemas["Vm"]["properties"]["memory"] == {"$ref": "#/components/schemas/Integer"}
    assert schemas["Vm"]["properties"]["stateless"] == {"$ref": "#/components/schemas/Boolean"}
    assert schemas["Vm"]["properties"]["creation_time"] == {"$ref": "#/components/schemas/Date"}
    for name, component in WIRE_VALUES.items():
        assert schemas[name] == component
    integer = re.compile(INT64_TEXT)
    for text in ("0", "4294967296", str(2**63 - 1), str(-2**63), "-1"):
        assert integer.match(text), text
    for text in (str(2**63), str(-2**63 - 1), "1e3", "", "12a", "+1"):
        assert not integer.match(text), text


def test_faults_and_action_answers(live_engine):
    document = _document(live_engine)
    responses = document["components"]["responses"]
    for name in ("Fault", "Unauthorized"):
        for media in ("application/xml", "application/json"):
            assert _required(responses[name]["content"][media]["schema"]) == {"reason", "detail"}
    assert responses["Unauthorized"]["headers"]["WWW-Authenticate"]["required"] is True
    failed = responses["ActionFailed"]["content"]["application/json"]["schema"]
    assert _item_type(failed) == "Action" and _required(failed) == {"status", "fault"}
    assert document["components"]["schemas"]["Fault"]["xml"] == {"name": "fault"}
    start = document["paths"]["/ovirt-engine/api/vms/{entity_id}/start"]["post"]
    assert start["responses"]["default"] == {"$ref": "#/components/responses/ActionFailed"}
    assert start["responses"]["404"] == {"$ref": "#/components/responses/Fault"}
    for status in ("200", "202"):
        assert _required(start["responses"][status]["content"]["application/xml"]["schema"]) == {"status"}
    assert start["requestBody"]["content"]["application/xml"]["schema"]["xml"] == {"name": "action"}
    assert "Error" not in document["components"]["schemas"]
    assert "DEFAULT_ERROR" not in json.dumps(document)


def test_sso_and_pki_are_documented_as_they_answer(live_engine):
    document = _document(live_engine)
    schemas = document["components"]["schemas"]
    token = document["paths"]["/ovirt-engine/sso/oauth/token"]
    for method in ("get", "post"):
        assert token[method]["security"] == []
        refused = token[method]["responses"]["400"]["content"]
        assert set(refused) == {"application/json"}
        assert refused["application/json"]["schema"] == {"$ref": "#/components/schemas/SsoError"}
        granted = token[method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert set(granted["required"]) == {"access_token", "scope", "token_type", "exp"}
        assert token[method]["responses"]["default"]["content"]["application/json"]["schema"] == \
            {"$ref": "#/components/schemas/SsoError"}
    assert schemas["SsoError"]["required"] == ["error_code", "error"]
    assert "username" in token["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["properties"]
    pki = document["paths"]["/ovirt-engine/services/pki-resource"]["get"]
    assert pki["security"] == []
    assert set(pki["responses"]["200"]["content"]) == {"application/x-x509-ca-cert"}
    for status in ("400", "404", "default"):
        assert pki["responses"][status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PkiError"}
    assert schemas["PkiError"]["required"] == ["error"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["sso"]["flows"]["password"]["tokenUrl"] == "/ovirt-engine/sso/oauth/token"
    assert schemes["basic"] == {**schemes["basic"], "type": "http", "scheme": "basic"}
    assert document["security"] == [{"basic": []}, {"sso": ["ovirt-app-api"]}]


def _root(live_engine) -> str:
    parts = urlsplit(live_engine.url)
    return f"{parts.scheme}://{parts.netloc}"


def test_the_engine_serves_its_document_without_authentication(live_engine):
    answer = requests.get(_root(live_engine) + DOCUMENT_URL)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.text == render_document(live_engine.app) == DOCUMENT.read_text()
    assert DOCUMENT_URL not in answer.json()["paths"] and "/ovirt-engine/emu/docs" not in answer.json()["paths"]


def test_the_docs_page_and_its_assets_come_from_the_engine(live_engine):
    root = _root(live_engine)
    for url in (DOCS_URL, DOCS_URL + "/"):
        page = requests.get(root + url)
        assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert f'url: "{DOCUMENT_URL}"' in page.text
        for asset in ASSETS:
            assert f'"{DOCS_URL}/{asset}"' in page.text, asset
    types = {".css": "text/css", ".js": "text/javascript", ".png": "image/png"}
    for asset in ASSETS:
        answer = requests.get(f"{root}{DOCS_URL}/{asset}")
        assert answer.status_code == 200, asset
        assert answer.headers["Content-Type"].split(";")[0] == types[asset[asset.rindex("."):]]
        assert answer.content == (swagger_ui_dist() / asset).read_bytes()
    assert b"SwaggerUIBundle" in (swagger_ui_dist() / "swagger-ui-bundle.js").read_bytes()
    missing = requests.get(f"{root}{DOCS_URL}/index.html")
    assert missing.status_code == 404 and "<fault>" in missing.text


def test_sso_and_pki_answer_every_failure_in_their_own_shape(live_engine):
    """A request the SSO or PKI services cannot take at all (a method they do not serve, a
    U+0000 in the query) is answered as their own failures are, not as an oVirt fault."""
    root = _root(live_engine)
    refused = requests.put(root + "/ovirt-engine/sso/oauth/token")
    assert refused.status_code == 405 and refused.headers["Content-Type"] == "application/json"
    assert refused.json()["error_code"] == "invalid_request" and "PUT" in refused.json()["error"]
    nul = requests.get(root + "/ovirt-engine/sso/oauth/token", params={"username": "a\x00b", "password": "x"},
                       headers={"Accept": "application/xml"})
    assert nul.status_code == 400 and set(nul.json()) == {"error_code", "error"}
    logout = requests.delete(root + "/ovirt-engine/services/sso-logout")
    assert logout.status_code == 405 and set(logout.json()) == {"error_code", "error"}
    pki = requests.post(root + "/ovirt-engine/services/pki-resource")
    assert pki.status_code == 405 and set(pki.json()) == {"error"}
    api = requests.put(root + "/ovirt-engine/api", auth=(live_engine.username, live_engine.password))
    assert api.status_code == 405 and "<fault>" in api.text
