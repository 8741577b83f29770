"""Service results to wire data: the type's schema dumps, followed links are inlined."""
from __future__ import annotations

from typing import Any, Optional

from engine_api.services.crud import schema_instance
from engine_api.services.results import ActionResult, CollectionResult, EntityResult, WireResult
from engine_api.types import BY_TYPE_NAME, TypeSchema
from engine_api.types.fields import Ref
from engine_api.wire.codec import Codec

_BY_COLLECTION = {schema.collection: schema for schema in BY_TYPE_NAME.values()}


def link_target(schema_cls: type[TypeSchema], key: str) -> Optional[tuple[str, type[TypeSchema], bool]]:
    """What a follow link names on a type: ``(attribute, item schema, is a list)`` or None."""
    normalized = key.replace("_", "").lower()
    for rel, attribute, item_type in schema_cls.links:
        if rel == normalized:
            return attribute, BY_TYPE_NAME[item_type], True
    for name, field in schema_instance(schema_cls).fields.items():
        if isinstance(field, Ref) and not field.load_only and name.replace("_", "").lower() == normalized:
            target = _BY_COLLECTION.get(field.collection)
            if target is not None:
                return name, target, False
    return None


def entity_data(schema_cls: type[TypeSchema], entity: Any, node: Any = None, followed: Any = None) -> dict[str, Any]:
    data = schema_cls.dump_entity(entity, schema_instance(schema_cls))
    if node is not None and followed is not None:
        for child in node.children.values():
            if not followed.has(entity, child.key):
                continue
            target = link_target(schema_cls, child.key)
            if target is None:
                continue
            attribute, item_schema, is_list = target
            value = followed.get(entity, child.key)
            if is_list:
                items = [entity_data(item_schema, item, child, followed) for item in value or ()]
                data[attribute] = {item_schema.type_name: items}
            elif value is not None:
                data[attribute] = entity_data(item_schema, value, child, followed)
    return data


def render(result: Any, codec: Codec) -> bytes:
    if isinstance(result, EntityResult):
        schema = result.schema
        return codec.render(schema.type_name, entity_data(schema, result.entity, result.follow_tree, result.followed))
    if isinstance(result, CollectionResult):
        schema = result.schema
        items = [entity_data(schema, item, result.follow_tree, result.followed) for item in result.items]
        return codec.render_collection(schema.plural, schema.type_name, items)
    if isinstance(result, ActionResult):
        data = dict(result.extra)
        data["status"] = result.status
        return codec.render("action", data)
    if isinstance(result, WireResult):
        return codec.render(result.tag, result.data)
    raise TypeError(f"cannot render {type(result).__name__}")
