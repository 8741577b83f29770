"""Every loadable field of every type refuses a value of the wrong shape with a validation error.

A dict or a list where a scalar belongs, a scalar where a structure belongs, floats, numbers
beyond 64 bits: each is a :class:`~marshmallow.ValidationError` naming the attribute (a 400
fault on the wire), never a ``TypeError`` or an ``OverflowError`` from inside a field.
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest
from marshmallow import Schema, ValidationError, fields

from engine_api.api import registry
from engine_api.types.actions import ActionParameters
from engine_api.types.fields import Boolean, Inline, Integer, Struct

HOSTILE_VALUES: list[Any] = [
    {"a": 1}, {"a": {"b": [1]}}, [], [1, 2], [{"a": 1}], 1.5, 1e300, float("inf"), float("nan"),
    10**30, -(10**30), 2**63, -(2**63) - 1, True, 0, "", "x" * 1000, "9" * 5000, "-", "1e5", "١٢",
]


def _leaves(schema: Schema, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], fields.Field]]:
    """Every loadable field of a schema, with the keys leading to it, nested structures included."""
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        key = field.data_key or name
        yield path + (key,), field
        if isinstance(field, (Inline, Struct)) and len(path) < 4:
            yield from _leaves(field.schema, path + (key,))


def _nest(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data: Any = value
    for key in reversed(path):
        data = {key: data}
    return data


CASES = [(schema, path) for schema in (*registry().entity_types, ActionParameters) for path, _ in _leaves(schema())]


@pytest.mark.parametrize("schema_cls, path", CASES, ids=[f"{s.__name__}.{'.'.join(p)}" for s, p in CASES])
def test_hostile_values_are_validation_errors(schema_cls, path):
    schema = schema_cls(partial=True)
    for value in HOSTILE_VALUES:
        try:
            schema.load(_nest(path, value))
        except ValidationError as error:
            assert path[0] in error.messages, (value, error.messages)


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30, "99999999999999999999999", 1e19, "9" * 5000])
def test_integers_beyond_64_bits_are_refused(value):
    with pytest.raises(ValidationError):
        Integer().deserialize(value)


@pytest.mark.parametrize("value, number", [("12", 12), (" -3 ", -3), (7, 7), (4.0, 4), (2**63 - 1, 2**63 - 1),
                                           (str(-(2**63)), -(2**63))])
def test_integers_in_range_are_read(value, number):
    assert Integer().deserialize(value) == number


@pytest.mark.parametrize("value", [{"a": 1}, [True], 1, 0, 1.0, None, "yes"])
def test_booleans_are_only_true_or_false(value):
    with pytest.raises(ValidationError):
        Boolean().deserialize(value)
