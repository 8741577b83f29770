"""Service results to wire data: the type's schema dumps, followed links are inlined."""
from __future__ import annotations

from typing import Any, Optional

from engine_api.services.crud import schema_instance
from engine_api.services.results import (
    ActionResult,
    CollectionResult,
    EntityResult,
    WireResult,
)
from engine_api.types import TypeSchema
from engine_api.types.links import link_target
from engine_api.wire.codec import Codec


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


def render(result: Any, codec: Codec) -> bytes:
    if isinstance(result, EntityResult):
        schema = result.schema
        data = entity_data(schema, result.entity, result.follow_tree, result.followed)
        return codec.render(schema.type_name, with_additions(data, result.additions))
    if isinstance(result, CollectionResult):
        schema = result.schema
        additions = result.additions or [None] * len(result.items)
        items = [with_additions(entity_data(schema, item, result.follow_tree, result.followed), added)
                 for item, added in zip(result.items, additions, strict=True)]
        return codec.render_collection(schema.plural, schema.type_name, items)
    if isinstance(result, ActionResult):
        data = dict(result.extra)
        data["status"] = result.status
        return codec.render("action", data)
    if isinstance(result, WireResult):
        return codec.render(result.tag, result.data)
    raise TypeError(f"cannot render {type(result).__name__}")
