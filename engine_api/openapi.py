"""The OpenAPI document, generated from the type model, the API model and the routes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from engine_api.model import ApiModel

from engine_api.types import ENTITY_TYPES, ActionParameters, Api, Fault

DOCUMENT = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def register_components(spec: Any) -> None:
    for schema in (*ENTITY_TYPES, Api, Fault, ActionParameters):
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


def _value_schema(model: ApiModel, type_name: str) -> dict[str, Any]:
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


def document(app: Any) -> dict[str, Any]:
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return api.spec.to_dict()


def render_document(app: Any) -> str:
    return json.dumps(document(app), indent=2, sort_keys=True) + "\n"
