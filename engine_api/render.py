"""Service results to wire data: the type's schema dumps, followed links are inlined.

With a projection (``projection=name,nics.mac.address``), an answer holds only what it selects
(see :mod:`push.projection`): the wire data is projected before a codec writes it, so a projected
XML answer has the elements of the whole answer, less those left out. An answer copied from
stored documents is written anew from their JSON wire shape (dates, which JSON keeps as epoch
milliseconds, read back as dates for XML).
"""
from __future__ import annotations

import json
from typing import Any, Optional

from engine_api.services.crud import schema_instance
from engine_api.services.results import (
    ActionResult,
    CollectionResult,
    DocumentResult,
    DocumentsResult,
    EntityResult,
    WireResult,
)
from engine_api.types import TypeSchema
from engine_api.types.links import link_target
from engine_api.wire.codec import Codec
from engine_api.wire.values import from_epoch_millis
from push.projection import Projection, project


def entity_data(schema_cls: type[TypeSchema], entity: Any, node: Any = None, followed: Any = None) -> dict[str, Any]:
    data = schema_cls.dump_entity(entity, schema_instance(schema_cls))
    if node is not None and followed is not None:
        for child in node.children:
            if not followed.has(entity, child.key):
                continue
            target = link_target(schema_cls, child.key)
            if target is None:
                continue
            value = followed.get(entity, child.key)
            if target.is_list:
                items = [entity_data(target.schema, item, child, followed) for item in value or ()]
                data[target.attribute] = {target.schema.type_name: items}
            elif value is not None:
                data[target.attribute] = entity_data(target.schema, value, child, followed)
    return data


def with_additions(data: dict[str, Any], additions: Optional[dict[str, Any]]) -> dict[str, Any]:
    """An entity's wire data with what the engine adds to it; a structure both have is merged."""
    for key, value in (additions or {}).items():
        kept = data.get(key)
        data[key] = with_additions(dict(kept), value) if isinstance(kept, dict) and isinstance(value, dict) else value
    return data


def render(result: Any, codec: Codec, projection: Optional[Projection] = None) -> bytes:
    """The body of ``result`` as ``codec`` writes it; with ``projection``, only what it selects
    (an action's answer is never projected)."""
    if isinstance(result, EntityResult):
        schema = result.schema
        data = entity_data(schema, result.entity, result.follow_tree, result.followed)
        return codec.render(schema.type_name, _projected(with_additions(data, result.additions), projection))
    if isinstance(result, CollectionResult):
        schema = result.schema
        additions = result.additions or [None] * len(result.items)
        items = [with_additions(entity_data(schema, item, result.follow_tree, result.followed), added)
                 for item, added in zip(result.items, additions, strict=True)]
        return codec.render_collection(schema.plural, schema.type_name, _projected(items, projection))
    if isinstance(result, ActionResult):
        data = dict(result.extra)
        data["status"] = result.status
        return codec.render("action", data)
    if isinstance(result, WireResult):
        return codec.render(result.tag, _projected(result.data, projection))
    raise TypeError(f"cannot render {type(result).__name__}")


def _projected(data: Any, projection: Optional[Projection]) -> Any:
    return data if projection is None else project(data, projection)


def render_documents(result: DocumentResult | DocumentsResult, codec: Codec, projection: Projection) -> bytes:
    """The body of an answer from stored documents read in their JSON wire shape
    (``result.representation`` is ``json``), with only what ``projection`` selects."""
    if result.representation != "json":
        raise ValueError("a projected answer is written from the documents' JSON renderings")
    if isinstance(result, DocumentResult):
        if result.tag is None:
            raise ValueError("a projected entity needs its element")
        return codec.render(result.tag, typed_wire(project(json.loads(result.fragment), projection)))
    if result.body is not None:
        items = json.loads(result.body).get(result.singular, [])
    else:
        items = json.loads(f"[{','.join(result.fragments)}]")
    return codec.render_collection(result.plural, result.singular, typed_wire(project(items, projection)))


def typed_wire(data: Any) -> Any:
    """JSON wire data (what documents store) in the typed wire shape the codecs write: the JSON
    numbers, which only dates are there (every other number and boolean is a string), as dates."""
    if isinstance(data, dict):
        return {key: typed_wire(value) for key, value in data.items()}
    if isinstance(data, list):
        return [typed_wire(value) for value in data]
    if isinstance(data, int) and not isinstance(data, bool):
        return from_epoch_millis(data)
    return data
