"""What a link name means on a type: a sub-collection, a reference, or a list of references."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from engine_api.types import BY_TYPE_NAME, TypeSchema
from engine_api.types.fields import Ref, WrappedList

_BY_COLLECTION = {schema.collection: schema for schema in BY_TYPE_NAME.values() if schema.collection}
# Nested collections share a rel with top-level ones (``nics``); references name top-level ones.
_BY_COLLECTION.update({"nics": BY_TYPE_NAME["nic"], "hosts": BY_TYPE_NAME["host"]})


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
            return LinkTarget(attribute, BY_TYPE_NAME[item_type], "collection", rel=rel)
    for name, field in schema_cls().fields.items():
        if field.load_only or _normalized(name) != wanted:
            continue
        if isinstance(field, Ref) and field.collection in _BY_COLLECTION:
            return LinkTarget(name, _BY_COLLECTION[field.collection], "reference",
                              source=field.attribute or name, collection=field.collection)
        if isinstance(field, WrappedList) and isinstance(field.inner, Ref):
            inner = field.inner.collection
            if inner in _BY_COLLECTION:
                return LinkTarget(name, _BY_COLLECTION[inner], "references",
                                  source=field.attribute or name, collection=inner)
    return None
