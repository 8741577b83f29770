"""The collections the API serves, and how each one lists, adds, updates and removes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from sqlalchemy import Select, inspect, select

from engine_api.types.base import TypeSchema

if TYPE_CHECKING:
    from engine_api.services.context import RequestContext

ListQuery = Callable[["RequestContext", Optional[str]], Select[Any]]
AddHook = Callable[["RequestContext", dict[str, Any], Optional[str]], Any]
UpdateHook = Callable[["RequestContext", Any, dict[str, Any]], Any]
RemoveHook = Callable[["RequestContext", Any, Optional[str]], None]
ActionHook = Callable[["RequestContext", Any, dict[str, Any]], Any]


@dataclass
class CollectionDef:
    """One collection of the API, top-level (``/vms``) or nested (``/vms/{id}/nics``).

    ``parent_key`` names the model attribute that holds the parent's id; ``id_attribute`` the
    one that holds the entity's wire id. Hooks replace the generic behaviour where an engine
    does more than store a row.
    """

    rel: str
    schema: type[TypeSchema]
    model: type
    label: str
    parent: Optional["CollectionDef"] = None
    parent_key: Optional[str] = None
    id_attribute: str = "id"
    order_by: tuple[str, ...] = ("name",)
    list_query: Optional[ListQuery] = None
    add: Optional[AddHook] = None
    update: Optional[UpdateHook] = None
    remove: Optional[RemoveHook] = None
    actions: dict[str, ActionHook] = field(default_factory=dict)
    search: Any = None
    read_only: bool = False
    removable: bool = True
    attach: bool = False

    @property
    def key(self) -> str:
        """The registry key: ``vms`` or ``vms/nics``."""
        return f"{self.parent.rel}/{self.rel}" if self.parent else self.rel

    def order_columns(self) -> list[Any]:
        """The default order: ``order_by`` names, ``-name`` for descending, then the primary key,
        so that rows which tie keep one order from request to request."""
        columns = []
        for name in self.order_by:
            column = getattr(self.model, name.lstrip("-"))
            columns.append(column.desc() if name.startswith("-") else column)
        columns.extend(column for column in inspect(self.model).primary_key
                       if column.key not in {name.lstrip("-") for name in self.order_by})
        return columns

    def id_column(self) -> Any:
        return getattr(self.model, self.id_attribute)

    def base_query(self, ctx: "RequestContext", parent_id: Optional[str]) -> Select[Any]:
        if self.list_query is not None:
            return self.list_query(ctx, parent_id)
        stmt = select(self.model)
        if self.parent_key is not None:
            stmt = stmt.where(getattr(self.model, self.parent_key) == parent_id)
        return stmt


class Registry:
    """All collections by key, and top-level collections by rel (for reference lookups)."""

    def __init__(self) -> None:
        self._by_key: dict[str, CollectionDef] = {}

    def add(self, collection: CollectionDef) -> CollectionDef:
        self._by_key[collection.key] = collection
        return collection

    def get(self, key: str) -> CollectionDef:
        return self._by_key[key]

    def top_level(self, rel: str) -> Optional[CollectionDef]:
        coll = self._by_key.get(rel)
        return coll if coll is not None and coll.parent is None else None

    def for_model(self, model: type) -> Optional[CollectionDef]:
        """The top-level collection of a model, else its first nested one."""
        nested = None
        for coll in self._by_key.values():
            if coll.model is model:
                if coll.parent is None:
                    return coll
                nested = nested or coll
        return nested

    def children_of(self, parent: CollectionDef) -> list[CollectionDef]:
        return [c for c in self._by_key.values() if c.parent is parent]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_key.values())


REGISTRY = Registry()


def attach_search_specs() -> None:
    """Give every top-level collection that has one its search description."""
    from engine_api.services.search_specs import BY_COLLECTION

    for rel, spec in BY_COLLECTION.items():
        coll = REGISTRY.top_level(rel)
        if coll is not None:
            coll.search = spec
