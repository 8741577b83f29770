"""What a link name means on a type: a sub-collection, a reference, or a list of references."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from engine_api.types import TypeSchema
from engine_api.types.fields import Ref, WrappedList


@lru_cache(maxsize=1)
def _by_type_name() -> dict[str, type[TypeSchema]]:
    from engine_api.api import registry

    return {schema.type_name: schema for schema in registry().entity_types}


@lru_cache(maxsize=1)
def _by_collection() -> dict[str, type[TypeSchema]]:
    """The schema a reference to a top-level collection names. Nested collections share a rel
    with top-level ones (``nics``), so the top-level one's type wins."""
    by_name = _by_type_name()
    found = {schema.collection: schema for schema in by_name.values() if schema.collection}
    found.update({"nics": by_name["nic"], "hosts": by_name["host"]})
    return found


@dataclass(frozen=True)
class LinkTarget:
    """``attribute``: the element the followed data is inlined under; ``schema``: the item type.

    ``kind`` is ``collection`` (a sub-collection such as ``nics``), ``reference`` (one entity,
    such as ``cluster``; ``source`` is the attribute holding its id) or ``references`` (a list
    of ids, such as a disk's ``storage_domains``).
    """

    attribute: str
    schema: type[TypeSchema]
    kind: str
    rel: str = ""
    source: str = ""
    collection: str = ""

    @property
    def is_list(self) -> bool:
        return self.kind != "reference"


def _normalized(name: str) -> str:
    return name.replace("_", "").lower()


@lru_cache(maxsize=None)
def link_target(schema_cls: type[TypeSchema], key: str) -> Optional[LinkTarget]:
    """The link ``key`` (either spelling) of a type, or None when the type has no such link."""
    wanted = _normalized(key)
    for rel, attribute, item_type in schema_cls.links:
        if rel == wanted:
            return LinkTarget(attribute, _by_type_name()[item_type], "collection", rel=rel)
    registered = _registered_collection(schema_cls, wanted)
    if registered is not None:
        return registered
    by_collection = _by_collection()
    for name, field in schema_cls().fields.items():
        if field.load_only or _normalized(name) != wanted:
            continue
        if isinstance(field, Ref) and field.collection in by_collection:
            return LinkTarget(name, by_collection[field.collection], "reference",
                              source=field.attribute or name, collection=field.collection)
        if isinstance(field, WrappedList) and isinstance(field.inner, Ref):
            inner = field.inner.collection
            if inner in by_collection:
                return LinkTarget(name, by_collection[inner], "references",
                                  source=field.attribute or name, collection=inner)
    return None


def _registered_collection(schema_cls: type[TypeSchema], rel: str) -> Optional[LinkTarget]:
    """A sub-collection the registry serves below entities of the type that its schema does not
    name (a VM's ``permissions`` and ``tags``, a user's ``permissions``), inlined under the element
    the API model gives the link."""
    from engine_api.api import registry
    from engine_api.model import load

    nested = next((coll for coll in registry() if coll.parent is not None and coll.rel == rel
                   and coll.parent.schema is schema_cls), None)
    if nested is None:
        return None
    model = load()
    try:
        type_name = model.type_of_element(schema_cls.type_name).name
    except KeyError:
        return None
    element = next((a.element for a in model.links(type_name) if a.link == rel), None)
    return LinkTarget(element, nested.schema, "collection", rel=rel) if element is not None else None
