"""Request bodies read as the API model types them.

A body decoded by the wire codecs (the shared wire shape: text everywhere from XML, strings,
numbers and booleans from JSON) is read against a model type into the same shape with typed
values: ``int`` for integers, ``float`` for decimals, ``bool``, timezone-aware ``datetime``,
enum values in lower case, nested structs as dicts and lists wrapped under their item element
(``{"device": ["hd"]}``). Elements the type does not define are dropped, as the engine ignores
them; a value the type refuses is an :class:`~engine_api.faults.InvalidValue` naming the
attribute. Stored documents (JSON wire shape) read back the same way.
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Optional

from engine_api import limits
from engine_api.faults import InvalidValue
from engine_api.model import Action, ApiModel, Attribute, Parameter, load
from engine_api.wire.values import parse_datetime

_TRUE, _FALSE = "true", "false"


@lru_cache(maxsize=None)
def attributes_of(type_name: str) -> tuple[Attribute, ...]:
    """The attributes of a struct type as they travel, ``href`` included."""
    model = load()
    return (*model.common_attributes, *model.attributes(type_name))


def _refuse(path: str, value: Any, expected: str) -> InvalidValue:
    shown = value if isinstance(value, str) else type(value).__name__
    return InvalidValue(f"Invalid value '{shown}' for '{path}': expected {expected}")


def read_struct(type_name: str, data: Any, path: str) -> dict[str, Any]:
    """A struct of ``type_name`` from wire data; ``path`` names it in faults (``vm.cpu``)."""
    if data is None or data == "":
        return {}
    if not isinstance(data, dict):
        raise _refuse(path, data, f"a '{load().type(type_name).element}' element with attributes")
    found: dict[str, Any] = {}
    for attribute in attributes_of(type_name):
        if attribute.element in data:
            value = data[attribute.element]
            if value is not None:
                found[attribute.element] = read_attribute(attribute, value, f"{path}.{attribute.element}")
    return found


def read_attribute(attribute: Attribute, value: Any, path: str) -> Any:
    """The value of one attribute (a list wrapped under its item element)."""
    if not attribute.list:
        return read_value(attribute.type, value, path)
    item = attribute.item or attribute.element
    return {item: [read_value(attribute.type, entry, f"{path}.{item}") for entry in _items(value, item, path)]}


def _items(value: Any, item: str, path: str) -> list[Any]:
    """The items of a list in the wire shape: ``{"item": [..]}``, ``{"item": x}`` (one XML child),
    a bare JSON array, or nothing (``<list/>``)."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        entries = value.get(item, [])
        return entries if isinstance(entries, list) else [entries]
    raise _refuse(path, value, f"a list of '{item}' elements")


def read_value(type_name: str, value: Any, path: str) -> Any:
    """A single value of a primitive, enum or struct type."""
    model = load()
    if type_name in model.types:
        return read_struct(type_name, value, path)
    if type_name in model.enums:
        return _enum(model, type_name, value, path)
    return _PRIMITIVES[type_name](value, path)


def _enum(model: ApiModel, type_name: str, value: Any, path: str) -> str:
    values = model.enum(type_name).values
    if isinstance(value, str) and value.strip().lower() in values:
        return value.strip().lower()
    raise _refuse(path, value, f"one of {', '.join(values)}")


def _string(value: Any, path: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return _TRUE if value else _FALSE
    if isinstance(value, (int, float)):
        return str(value)
    raise _refuse(path, value, "text")


def _integer(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _refuse(path, value, "an integer")
    try:
        number = int(value.strip()) if isinstance(value, str) else value
    except ValueError:
        raise _refuse(path, value, "an integer") from None
    if not limits.INT64[0] <= number <= limits.INT64[1]:
        raise _refuse(path, str(value), f"an integer from {limits.INT64[0]} to {limits.INT64[1]}")
    return number


def _decimal(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _refuse(path, value, "a decimal number")
    try:
        number = float(value)
    except ValueError:
        raise _refuse(path, value, "a decimal number") from None
    if not math.isfinite(number):
        raise _refuse(path, str(value), "a finite decimal number")
    return number


def _boolean(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (_TRUE, _FALSE):
        return value.strip().lower() == _TRUE
    raise _refuse(path, value, "true or false")


def _date(value: Any, path: str) -> Any:
    try:
        return parse_datetime(value)
    except (ValueError, OverflowError, OSError):
        raise _refuse(path, value if isinstance(value, str) else str(value),
                      "a date such as 2016-09-08T09:53:35.138+02:00") from None


_PRIMITIVES = {"string": _string, "integer": _integer, "decimal": _decimal, "boolean": _boolean, "date": _date}


def read_parameters(actions: tuple[Action, ...], data: Any, path: str = "action") -> dict[str, Any]:
    """The parameters of an ``<action>`` body for any of ``actions`` (the SDK's actions that share
    one URL), typed as the model declares each; members that are no parameter are dropped."""
    if data is None or data == "":
        return {}
    if not isinstance(data, dict):
        raise _refuse(path, data, "an 'action' element")
    parameters: dict[str, Parameter] = {p.wire: p for action in actions for p in action.parameters}
    found: dict[str, Any] = {}
    for wire, value in data.items():
        parameter = parameters.get(wire)
        if parameter is None or parameter.type is None or value is None:
            continue
        where = f"{path}.{wire}"
        if parameter.list:
            item = _item_element(parameter.type)
            found[wire] = {item: [read_value(parameter.type, entry, f"{where}.{item}")
                                  for entry in _items(value, item, where)]}
        else:
            found[wire] = read_value(parameter.type, value, where)
    return found


def _item_element(type_name: str) -> str:
    model = load()
    return model.type(type_name).element if type_name in model.types else type_name.lower()


def merged(stored: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """``stored`` with the attributes ``given`` sets: structs merged attribute by attribute,
    lists and values replaced."""
    result = dict(stored)
    for key, value in given.items():
        previous: Optional[Any] = result.get(key)
        if isinstance(value, dict) and isinstance(previous, dict) and not _is_list(value):
            result[key] = merged(previous, value)
        else:
            result[key] = value
    return result


def _is_list(value: dict[str, Any]) -> bool:
    """Whether a dict of the typed shape is a wrapped list (one key holding a Python list)."""
    return len(value) == 1 and isinstance(next(iter(value.values())), list)
