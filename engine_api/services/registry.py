"""The collections the API serves with behaviour of its own, and how each lists, adds, updates and removes.

A :class:`Registry` is built by :func:`engine_api.api.build_registry` from the concept packages'
declarations; nothing registers itself on import.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from sqlalchemy import Select, inspect, select

from engine_api.types.base import TypeSchema
from follow import HandlerRegistry

if TYPE_CHECKING:
    from engine_api.services.context import RequestContext

ListQuery = Callable[["RequestContext", Optional[str]], Select[Any]]
AddHook = Callable[["RequestContext", dict[str, Any], Optional[str]], Any]
UpdateHook = Callable[["RequestContext", Any, dict[str, Any]], Any]
RemoveHook = Callable[["RequestContext", Any, Optional[str]], None]
ActionHook = Callable[["RequestContext", Any, dict[str, Any]], Any]
#: ``get(ctx, entity)``: what a GET of one entity answers instead of the entity, or None for the entity.
GetHook = Callable[["RequestContext", Any], Any]
#: ``all_content(ctx, entities)``: what the engine adds to each entity read with ``all_content=true``, in the
#: wire shape, one mapping per entity.
AllContent = Callable[["RequestContext", Sequence[Any]], list[dict[str, Any]]]
#: ``compute(ctx, parents)``: the entities of a computed collection below each parent, in order.
Compute = Callable[["RequestContext", Sequence[Any]], list[list[Any]]]
Find = Callable[["RequestContext", Any, str], Any]
#: ``handler(ctx, entity_id, step, payload)`` applies one step of a transition; it may schedule the next.
StepHandler = Callable[["RequestContext", str, str, dict[str, Any]], None]
#: ``forget(ctx, collection, entity_id)`` drops what a concept keeps about a removed top-level entity.
Forget = Callable[["RequestContext", str, str], None]
#: ``lock(session, entity_id)`` takes the row lock of the entity a transition belongs to.
EntityLock = Callable[[Any, str], None]


@dataclass(frozen=True)
class StepKind:
    """A kind of transition (``vm``, ``disk``…): what applies its steps, and what locks its entity."""

    handler: StepHandler
    lock: Optional[EntityLock] = None


@dataclass
class CollectionDef:
    """One collection of the API, top-level (``/vms``) or nested (``/vms/{id}/nics``).

    ``parent_key`` names the model attribute that holds the parent's id; ``id_attribute`` the
    one that holds the entity's wire id. Hooks replace the generic behaviour where an engine
    does more than store a row.

    A ``compute`` collection (a VM's statistics) has no rows: its entities are made from their
    parent each time they are read, so they are never stored, logged or searched.
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
    compute: Optional[Compute] = None
    get: Optional[GetHook] = None
    all_content: Optional[AllContent] = None
    find: Optional[Find] = None
    """For a ``compute`` collection whose listing leaves some of its entities out: the one entity
    of a parent with an id, or None."""

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
    """All collections by key, the optimized ``follow=`` handlers, and the kinds of transitions."""

    def __init__(self) -> None:
        self._by_key: dict[str, CollectionDef] = {}
        self.handlers = HandlerRegistry()
        """The optimized ``follow=`` handlers, by (collection, link path)."""
        self.steps: dict[str, StepKind] = {}
        """The kinds of transitions, by name."""
        self.forgetters: list[Forget] = []
        """What runs when a top-level entity is removed: the concepts that keep things about any
        entity (its permissions, its tags) drop them."""

    def add(self, collection: CollectionDef) -> CollectionDef:
        if collection.key in self._by_key:
            raise ValueError(f"collection {collection.key!r} is declared twice")
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

    @property
    def entity_types(self) -> tuple[type[TypeSchema], ...]:
        """The schema of every entity type the collections serve, each once, in declaration order."""
        return tuple(dict.fromkeys(coll.schema for coll in self._by_key.values()))

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_key.values())


#: An optimized ``follow=`` handler's registration: (collection key, link path, handler).
FollowRegistration = tuple[str, str, Callable[..., list[Any]]]


@dataclass(frozen=True)
class Concept:
    """What one concept package (``engine_api.vms``…) serves: its collections, the ``follow=``
    paths it answers with optimized handlers, and the kinds of transitions it schedules."""

    name: str
    description: str
    collections: tuple[CollectionDef, ...]
    follow: tuple[FollowRegistration, ...] = ()
    steps: dict[str, StepKind] = field(default_factory=dict)
    forget: tuple[Forget, ...] = ()
