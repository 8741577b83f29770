"""The attributes of a bespoke entity that its schema does not map to columns, kept as the model types them.

A hand-written schema says which column holds an attribute; the API model defines many more
(a VM's ``serial_number``, ``lease`` or ``console``, a host's ``power_management``). What a client
sets of those is read by the model (validated, a bad value a 400 fault naming it), kept with the
row in the JSON wire shape (``model_extras``), and rendered back with the entity, so a client reads
what it set. Attributes the schema has (even read-only ones the engine computes, such as ``status``)
are the schema's alone.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

#: What the model lists on every entity but no client sets.
_NEVER = frozenset({"id", "href", "link", "actions"})


@lru_cache(maxsize=None)
def _model_type(element: str) -> Optional[str]:
    from engine_api.model import load

    try:
        return load().type_of_element(element).name
    except KeyError:
        return None


@lru_cache(maxsize=None)
def _links(type_name: str) -> frozenset[str]:
    """The elements of a type's links: sub-collections, listed and added through their own paths,
    never kept inline."""
    from engine_api.model import load

    return frozenset(a.element for a in load().links(type_name))


@lru_cache(maxsize=None)
def _schema_elements(schema_cls: type) -> frozenset[str]:
    """The elements a schema reads or writes itself, under either spelling of its fields."""
    names = set()
    for name, field in schema_cls().fields.items():
        names.add(field.data_key or name)
        names.add(name)
    return frozenset(names)


def given(schema_cls: type, body: tuple[Optional[str], Any]) -> dict[str, Any]:
    """The model attributes a decoded request body sets that ``schema_cls`` has no field for,
    typed as the model types them (a 400 fault for a value the model refuses)."""
    from engine_api.generic.values import read_struct

    type_name = _model_type(schema_cls.type_name)
    _, data = body
    if type_name is None or not isinstance(data, dict):
        return {}
    skipped = _schema_elements(schema_cls) | _links(type_name) | _NEVER
    unmapped = {key: value for key, value in data.items() if key not in skipped}
    if not unmapped:
        return {}
    return read_struct(type_name, unmapped, schema_cls.type_name)


def stored(typed: dict[str, Any], previous: Optional[dict[str, Any]] = None) -> Optional[dict[str, Any]]:
    """What to keep in ``model_extras``: ``typed`` merged over what was kept, in the JSON wire shape."""
    from engine_api.generic.values import merged
    from engine_api.wire.codec import JsonCodec

    if not typed:
        return previous
    wire = JsonCodec.wire(typed)
    return merged(previous or {}, wire) if previous else wire


def rendered(schema_cls: type, kept: Optional[dict[str, Any]]) -> dict[str, Any]:
    """The kept attributes typed again for rendering (dates as dates, numbers as numbers)."""
    from engine_api.generic.values import read_struct

    type_name = _model_type(schema_cls.type_name)
    if not kept or type_name is None:
        return {}
    return read_struct(type_name, kept, schema_cls.type_name)
