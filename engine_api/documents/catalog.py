"""Which collection stores the document of a row, and how to render it.

A model's documents live in its canonical collection: the top-level one (``/vms``, ``/disks``)
or, for entities that exist only under a parent (NICs, disk attachments, host NICs), the nested
collection whose parent the row names. Other collections of the same model are views of those
documents (``/datacenters/{id}/clusters``) and store nothing of their own.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Optional

from sqlalchemy import inspect

from engine_api.services.registry import CollectionDef, Registry
from engine_api.types.fields import API_PREFIX
from engine_api.wire.codec import JsonCodec, XmlCodec

JSON, XML = JsonCodec(), XmlCodec()


@dataclass(frozen=True)
class Stored:
    """One canonical collection: the documents of its model's rows."""

    collection: CollectionDef

    @property
    def key(self) -> str:
        return self.collection.key

    def owns(self, row: Any) -> bool:
        parent_key = self.collection.parent_key
        return parent_key is None or getattr(row, parent_key, None) is not None

    def entity_id(self, row: Any) -> str:
        return str(getattr(row, self.collection.id_attribute))

    def href(self, row: Any) -> str:
        return self.collection.schema.href(row)

    def parent_href(self, row: Any) -> Optional[str]:
        coll = self.collection
        if coll.parent is None or coll.parent_key is None:
            return None
        return f"{API_PREFIX}/{coll.parent.rel}/{getattr(row, coll.parent_key)}"

    def render(self, row: Any) -> "Rendered":
        from engine_api.render import entity_data

        data = entity_data(self.collection.schema, row)
        tag = self.collection.schema.type_name
        return Rendered(JSON.wire(data), JSON.fragment(tag, data), XML.fragment(tag, data))


@dataclass(frozen=True)
class Rendered:
    """A document: its JSON wire shape (to compare and patch) and its two renderings."""

    wire: dict[str, Any]
    json: str
    xml: str


class Catalog:
    """The canonical collections of every model the API shows: those of ``registry``, by default
    the registry of the process (:func:`engine_api.api.registry`)."""

    def __init__(self, registry: Optional[Registry] = None) -> None:
        self._registry = registry

    @cached_property
    def registry(self) -> Registry:
        if self._registry is None:
            from engine_api.api import registry

            self._registry = registry()
        return self._registry

    @cached_property
    def by_model(self) -> dict[type, list[Stored]]:
        collections = list(self.registry)
        top_level = {c.model for c in collections if c.parent is None}
        found: dict[type, list[Stored]] = {}
        for coll in collections:
            if coll.compute is not None:
                continue
            if coll.parent is None or coll.model not in top_level:
                found.setdefault(coll.model, []).append(Stored(coll))
        return found

    @cached_property
    def by_table(self) -> dict[str, type]:
        return {inspect(model).local_table.name: model for model in self.by_model}

    @cached_property
    def collections(self) -> dict[str, Stored]:
        return {stored.key: stored for entries in self.by_model.values() for stored in entries}

    def shown(self, model: type) -> bool:
        return model in self.by_model

    def stored_for(self, row: Any) -> Optional[Stored]:
        """The canonical collection of ``row``, None when the API does not show it."""
        for stored in self.by_model.get(type(row), ()):
            if stored.owns(row):
                return stored
        return None

    def keys_of(self, model: type) -> list[str]:
        return [stored.key for stored in self.by_model.get(model, ())]


CATALOG = Catalog()
