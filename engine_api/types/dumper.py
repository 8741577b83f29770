"""Fast dumping compiled from the marshmallow schemas.

Marshmallow walks every field through its generic machinery on each dump; listing a thousand
VMs with their disks and NICs spends most of its time there. :func:`compile_dumper` reads a
schema's declared fields once and returns a closure that produces exactly what
``schema.dump(obj)`` produces (tests compare the two over every type), so the schemas stay the
single description of each type.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any, Callable

from marshmallow import Schema, fields

from engine_api.types.fields import DateTime, Inline, Ref, Struct, WrappedList, href_of

Dumper = Callable[[Any], dict[str, Any]]
Getter = Callable[[Any], Any]

_UTC = dt.timezone.utc


def _value_converter(field: fields.Field) -> Callable[[Any], Any]:
    """How one non-None attribute value becomes its wire value."""
    if isinstance(field, Ref):
        collection = field.collection
        return lambda value: {"href": href_of(collection, value), "id": value}
    if isinstance(field, DateTime):
        return lambda value: value if value.tzinfo is not None else value.replace(tzinfo=_UTC)
    if isinstance(field, WrappedList):
        inner = _value_converter(field.inner)
        item = field.item_name
        return lambda value: {item: [inner(v) for v in value]}
    if isinstance(field, fields.Boolean):
        return bool
    if isinstance(field, fields.Integer):
        return int
    if isinstance(field, fields.String):
        return str
    return lambda value: value


def _getter(field: fields.Field, name: str) -> Getter:
    attribute = field.attribute or name
    if "." in attribute:
        raise ValueError(f"dotted attributes are not supported: {attribute}")

    def get(obj: Any) -> Any:
        if isinstance(obj, dict):
            return obj.get(attribute)
        return getattr(obj, attribute, None)

    return get


@lru_cache(maxsize=None)
def compile_dumper(schema_cls: type[Schema]) -> Dumper:
    """A function equivalent to ``schema_cls().dump`` for the dump-able fields."""
    schema = schema_cls()
    steps: list[tuple[str, Callable[[Any], Any]]] = []
    for name, field in schema.dump_fields.items():
        key = field.data_key or name
        if isinstance(field, Inline):
            nested = compile_dumper(type(field.schema))

            def inline(obj: Any, nested: Dumper = nested) -> Any:
                dumped = nested(obj)
                for value in dumped.values():
                    if value is not None:
                        return dumped
                return None

            steps.append((key, inline))
        elif isinstance(field, Struct):
            nested_struct = compile_dumper(type(field.schema))
            get_struct = _getter(field, name)

            def struct(obj: Any, nested: Dumper = nested_struct, get: Getter = get_struct) -> Any:
                value = get(obj)
                return None if value is None else nested(value)

            steps.append((key, struct))
        else:
            get = _getter(field, name)
            convert = _value_converter(field)

            def plain(obj: Any, get: Getter = get, convert: Callable[[Any], Any] = convert) -> Any:
                value = get(obj)
                return None if value is None else convert(value)

            steps.append((key, plain))

    def dump(obj: Any) -> dict[str, Any]:
        return {key: step(obj) for key, step in steps}

    return dump
