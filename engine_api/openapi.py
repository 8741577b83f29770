"""The OpenAPI document, generated from the type model and the routes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine_api.types import ENTITY_TYPES, ActionParameters, Api, Fault

DOCUMENT = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def register_components(spec: Any) -> None:
    for schema in (*ENTITY_TYPES, Api, Fault, ActionParameters):
        name = schema.__name__
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)


def document(app: Any) -> dict[str, Any]:
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return api.spec.to_dict()


def render_document(app: Any) -> str:
    return json.dumps(document(app), indent=2, sort_keys=True) + "\n"
