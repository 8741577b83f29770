"""Marshmallow fields for the oVirt type model.

Dumping produces the shared wire shape with typed Python values; loading accepts what both
wire formats produce: XML gives text everywhere, JSON gives strings or native values.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from marshmallow import Schema, ValidationError, fields

from engine_api.wire.values import parse_datetime

API_PREFIX = "/ovirt-engine/api"


class String(fields.String):
    pass


INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class Integer(fields.Integer):
    """A 64-bit signed integer (the engine's ``long``); accepts decimal text as XML and the
    engine's JSON send it, and JSON numbers without a fraction."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strict", False)
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ValidationError("Not a valid integer.")
        if isinstance(value, float) and not value.is_integer():
            raise ValidationError("Not a valid integer.")
        if isinstance(value, str) and not _is_decimal(value.strip()):
            raise ValidationError("Not a valid integer.")
        number = super()._deserialize(value, attr, data, **kwargs)
        if not INT64_MIN <= number <= INT64_MAX:
            raise ValidationError(f"Number out of range: the allowed range is {INT64_MIN} to {INT64_MAX}.")
        return number


def _is_decimal(text: str) -> bool:
    """``12`` or ``-12``, in ASCII digits."""
    digits = text[1:] if text.startswith("-") else text
    return digits.isascii() and digits.isdigit()


class Boolean(fields.Boolean):
    """``true``/``false`` (any case), as text or as a JSON boolean."""

    truthy = {"true", True}
    falsy = {"false", False}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, str):
            value = value.strip().lower()
        elif not isinstance(value, bool):
            raise ValidationError("Not a valid boolean: expected true or false.")
        if value in self.truthy:
            return True
        if value in self.falsy:
            return False
        raise ValidationError("Not a valid boolean: expected true or false.")


class DateTime(fields.Field):
    """A timestamp; dumps a ``datetime`` the codecs format, loads ISO text or epoch ms."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        try:
            return parse_datetime(value)
        except (ValueError, OverflowError, OSError):
            raise ValidationError("Not a valid date.") from None


class Enum(fields.String):
    """One of a fixed set of lowercase snake_case values; input is case-insensitive."""

    def __init__(self, values: Iterable[str], **kwargs: Any) -> None:
        self.values = tuple(values)
        metadata = dict(kwargs.pop("metadata", {}) or {})
        metadata["enum"] = list(self.values)
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if text not in self.values:
            raise ValidationError(
                f"Invalid value '{value}'. Valid values are: {', '.join(self.values)}."
            )
        return text


@dataclass(frozen=True)
class RefSpec:
    """A reference from a request body: by id, by name, or both."""

    collection: str
    id: str | None = None
    name: str | None = None

    def describe(self) -> str:
        return f"id={self.id}" if self.id else f"name={self.name}"


def href_of(collection: str, entity_id: str) -> str:
    return f"{API_PREFIX}/{collection}/{entity_id}"


class Ref(fields.Field):
    """A reference to another entity, ``<cluster href="…" id="…"/>`` on the wire.

    The object attribute holds the referenced id. Loading gives a :class:`RefSpec` the
    service resolves by id or by name.
    """

    def __init__(self, collection: str, **kwargs: Any) -> None:
        self.collection = collection
        metadata = dict(kwargs.pop("metadata", {}) or {})
        metadata["ref"] = collection
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return {"href": href_of(self.collection, value), "id": value}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> RefSpec:
        if not isinstance(value, Mapping):
            raise ValidationError("A reference must be an object with an id or a name.")
        ref_id, name = value.get("id"), value.get("name")
        if ref_id is None and isinstance(value.get("href"), str):
            ref_id = value["href"].rstrip("/").rsplit("/", 1)[-1]
        if ref_id is not None and not isinstance(ref_id, str) or name is not None and not isinstance(name, str):
            raise ValidationError("A reference's id and name must be text.")
        if not ref_id and not name:
            raise ValidationError("A reference needs an id or a name.")
        return RefSpec(self.collection, ref_id or None, name or None)


class WrappedList(fields.Field):
    """A list wrapped by its singular element name: ``<devices><device>hd</device></devices>``."""

    def __init__(self, item_name: str, inner: fields.Field, **kwargs: Any) -> None:
        self.item_name = item_name
        self.inner = inner
        metadata = dict(kwargs.pop("metadata", {}) or {})
        metadata["item_name"] = item_name
        super().__init__(metadata=metadata, **kwargs)

    def _bind_to_schema(self, field_name: str, schema: Any) -> None:
        super()._bind_to_schema(field_name, schema)
        self.inner._bind_to_schema(field_name, self)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return {self.item_name: [self.inner._serialize(v, None, None) for v in value]}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if value == "" or value == {}:
            return []
        if isinstance(value, Mapping):
            if set(value) - {self.item_name}:
                raise ValidationError(f"Expected a list of '{self.item_name}' elements.")
            value = value.get(self.item_name, [])
        if not isinstance(value, list):
            value = [value]
        return [self.inner.deserialize(v) for v in value]


class Inline(fields.Nested):
    """A nested structure whose fields read and write attributes of the parent object.

    ``cpu = Inline(CpuSchema)`` with ``CpuSchema.topology = Inline(TopologySchema)`` and
    ``TopologySchema.sockets = Integer(attribute="cpu_sockets")`` dumps
    ``{"cpu": {"topology": {"sockets": 2}}}`` from ``vm.cpu_sockets`` and loads into the flat
    ``{"cpu_sockets": 2}`` (merged into the parent by :class:`TypeSchema`).
    """

    def _serialize(self, nested_obj: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        dumped = self.schema.dump(obj)
        for value in dumped.values():
            if value is not None:
                return dumped
        return None

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return obj

    def _deserialize(self, value: Any, attr: str | None, data: Any, partial: Any = None, **kwargs: Any) -> Any:
        if value == "":
            value = {}
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)


class Struct(fields.Nested):
    """A nested structure kept as one value (a dict) on the parent object."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, partial: Any = None, **kwargs: Any) -> Any:
        if value == "":
            value = {}
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)


def flatten_inline(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """Merge the loaded values of :class:`Inline` fields into the parent dict."""
    for name, field in schema.fields.items():
        if isinstance(field, Inline):
            key = field.attribute or name
            if key in data:
                nested = data.pop(key) or {}
                data.update(nested)
    return data


class ModelStruct(fields.Field):
    """A structure the API model types (``HostStorage``…): read and checked by the model (a bad
    value is a 400 fault naming it) and loaded in its JSON wire shape."""

    def __init__(self, type_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.type_name = type_name

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        from engine_api.faults import InvalidValue
        from engine_api.generic.values import read_struct
        from engine_api.wire.codec import JsonCodec

        try:
            return JsonCodec.wire(read_struct(self.type_name, value, attr or self.type_name))
        except InvalidValue as invalid:
            raise ValidationError(invalid.detail) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        from engine_api.generic.values import read_struct

        return read_struct(self.type_name, value, attr or self.type_name) if value else None
