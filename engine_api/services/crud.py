"""Generic list, get, add, update, remove and action over any registered collection."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

from marshmallow import ValidationError
from sqlalchemy import select

from engine_api import limits
from engine_api.faults import BadRequest, InvalidValue, MethodNotAllowed, NotFound
from engine_api.permissions import access
from engine_api.services import following, searching
from engine_api.services.context import RequestContext
from engine_api.services.refs import resolve_refs
from engine_api.services.registry import CollectionDef
from engine_api.services.results import (
    ActionResult,
    CollectionResult,
    DocumentResult,
    DocumentsResult,
    EntityResult,
)
from engine_api.types import extras
from engine_api.types.actions import ActionParameters
from engine_api.types.base import StructSchema


@lru_cache(maxsize=None)
def schema_instance(schema_cls: type[StructSchema], partial: bool = False) -> StructSchema:
    return schema_cls(partial=partial) if partial else schema_cls()


def _messages(error: ValidationError) -> str:
    def walk(prefix: str, value: Any) -> list[str]:
        if isinstance(value, dict):
            out: list[str] = []
            for key, inner in value.items():
                out += walk(f"{prefix}.{key}" if prefix else str(key), inner)
            return out
        if isinstance(value, list):
            return [f"{prefix}: {' '.join(str(v) for v in value)}"]
        return [f"{prefix}: {value}"]

    return "; ".join(walk("", error.messages))


def load_body(
    schema_cls: type[StructSchema], body: tuple[Optional[str], Any], *, partial: bool = False
) -> dict[str, Any]:
    """Validate a decoded body against a type's schema: a 400 fault naming what is wrong."""
    tag, data = body
    expected = getattr(schema_cls, "type_name", None)
    if tag is not None and expected and tag != expected:
        raise InvalidValue(f"Expected a '{expected}' element, got '{tag}'")
    if data == "":
        data = {}
    if not isinstance(data, dict):
        raise InvalidValue(f"Expected a '{expected}' object")
    try:
        return dict(schema_instance(schema_cls, partial).load(data))
    except ValidationError as error:
        raise InvalidValue(f"Invalid value in '{expected}': {_messages(error)}") from None


def find_parent(ctx: RequestContext, coll: CollectionDef, parent_id: Optional[str]) -> Any:
    if coll.parent is None:
        return None
    return get_or_404(ctx, coll.parent, parent_id, None)


def get_or_404(ctx: RequestContext, coll: CollectionDef, entity_id: Optional[str], parent_id: Optional[str]) -> Any:
    """The entity a URL names; a 404 fault when there is none (or the id cannot be one)."""
    key = limits.key_value(coll.id_column(), entity_id) if entity_id is not None else None
    entity = None
    if key is not None:
        stmt = access.visible(ctx, coll, coll.base_query(ctx, parent_id).where(coll.id_column() == key))
        entity = ctx.session.scalars(stmt.limit(1)).first()
    if entity is None:
        if coll.parent is not None:
            find_parent(ctx, coll, parent_id)
        raise NotFound(f"Entity not found: {coll.label}: id={entity_id}")
    return entity


def computed(ctx: RequestContext, coll: CollectionDef, parent_id: Optional[str]) -> list[Any]:
    """The entities of a computed collection below the parent a URL names."""
    assert coll.compute is not None
    return coll.compute(ctx, [find_parent(ctx, coll, parent_id)])[0]


def computed_one(ctx: RequestContext, coll: CollectionDef, entity_id: str, parent_id: Optional[str]) -> Any:
    """The entity of a computed collection a URL names; a 404 fault when there is none."""
    if coll.find is not None:
        found = coll.find(ctx, find_parent(ctx, coll, parent_id), entity_id)
        if found is None:
            raise NotFound(f"Entity not found: {coll.label}: id={entity_id}")
        return found
    return one_of(computed(ctx, coll, parent_id), coll, entity_id)


def one_of(items: list[Any], coll: CollectionDef, entity_id: str) -> Any:
    """The item of ``items`` (entities of ``coll``) with the id ``entity_id``; a 404 fault when none has it."""
    for item in items:
        if str(getattr(item, coll.id_attribute)) == entity_id:
            return item
    raise NotFound(f"Entity not found: {coll.label}: id={entity_id}")


def at_most(ctx: RequestContext, items: list[Any]) -> list[Any]:
    """The first ``max`` of ``items`` when the request limits them."""
    return items if ctx.params.max is None else items[:max(ctx.params.max, 0)]


def find_entity(ctx: RequestContext, coll: CollectionDef, entity_id: str, parent_id: Optional[str]) -> Any:
    """The entity a URL names, computed or from its row; a 404 fault when there is none."""
    if coll.compute is not None:
        return computed_one(ctx, coll, entity_id, parent_id)
    return get_or_404(ctx, coll, entity_id, parent_id)


def list_entities(ctx: RequestContext, coll: CollectionDef,
                  parent_id: Optional[str] = None) -> CollectionResult | DocumentsResult:
    if coll.compute is not None:
        return CollectionResult(coll.schema, at_most(ctx, computed(ctx, coll, parent_id)))
    if coll.parent is not None:
        find_parent(ctx, coll, parent_id)
    stmt = access.visible(ctx, coll, coll.base_query(ctx, parent_id))
    stmt = searching.apply(ctx, coll, stmt)
    if stmt is None:
        return CollectionResult(coll.schema, [])
    if ctx.params.all_content and coll.all_content is not None:
        items = list(ctx.session.scalars(stmt).unique())
        tree, followed = following.follow(ctx, coll, items)
        return CollectionResult(coll.schema, items, tree, followed, additions=coll.all_content(ctx, items))
    from engine_api.documents.store import read_collection

    documents = read_collection(ctx.session, coll, stmt, ctx.representation, ctx.params.follow,
                                ctx.listings, _listing_key(ctx, coll, parent_id))
    if documents is not None:
        return documents
    items = list(ctx.session.scalars(stmt).unique())
    tree, followed = following.follow(ctx, coll, items)
    return CollectionResult(coll.schema, items, tree, followed)


def _listing_key(ctx: RequestContext, coll: CollectionDef, parent_id: Optional[str]) -> Optional[tuple[Any, ...]]:
    """Everything a listing depends on besides the documents; None for one with a search (the
    search language reads rows, whose every change need not show in a document). A projected
    listing reads the documents as JSON (``ctx.representation``), so it shares the whole JSON
    listing's key; its projected body is kept beside it (:mod:`engine_api.routes.http`)."""
    params = ctx.params
    if params.search is not None:
        return None
    return (coll.key, parent_id, ctx.representation, ctx.user_id, params.max, params.follow, params.all_content,
            params.filter, params.from_, params.case_sensitive)


def get_entity(
    ctx: RequestContext, coll: CollectionDef, entity_id: str, parent_id: Optional[str] = None
) -> EntityResult | DocumentResult:
    """One entity: its stored document when documents can answer, else from its row."""
    if coll.compute is not None:
        item = computed_one(ctx, coll, entity_id, parent_id)
        answer = coll.get(ctx, item) if coll.get is not None else None
        return answer if answer is not None else EntityResult(coll.schema, item)
    from engine_api.documents.store import read_entity

    everything = ctx.params.all_content and coll.all_content is not None
    if access.filtered(ctx):
        get_or_404(ctx, coll, entity_id, parent_id)
    if not everything:
        document = read_entity(ctx.session, coll, entity_id, ctx.representation, parent_id, ctx.params.follow)
        if document is not None:
            return document
    entity = get_or_404(ctx, coll, entity_id, parent_id)
    tree, followed = following.follow(ctx, coll, [entity])
    additions = coll.all_content(ctx, [entity])[0] if everything and coll.all_content is not None else None
    return EntityResult(coll.schema, entity, follow_tree=tree, followed=followed, additions=additions)


def add_entity(
    ctx: RequestContext, coll: CollectionDef, body: tuple[Optional[str], Any], parent_id: Optional[str] = None
) -> EntityResult:
    if coll.read_only:
        raise MethodNotAllowed(f"{coll.label} entities cannot be added", allow=["GET"])
    find_parent(ctx, coll, parent_id)
    data = resolve_refs(ctx, load_body(coll.schema, body))
    access.authorize(ctx, coll, "add", parent_id=parent_id, data=data)
    unmapped = extras.given(coll.schema, body)
    if coll.attach:
        data["_ref"] = _attached_id(ctx, coll, body)
    if coll.add is not None:
        entity = coll.add(ctx, data, parent_id)
    else:
        entity = coll.model(**data)
        if coll.parent_key is not None:
            setattr(entity, coll.parent_key, parent_id)
        ctx.session.add(entity)
    if unmapped and hasattr(entity, "model_extras"):
        entity.model_extras = extras.stored(unmapped)
    ctx.session.flush()
    return EntityResult(coll.schema, entity, status=201, location=coll.schema.href(entity))


def _attached_id(ctx: RequestContext, coll: CollectionDef, body: tuple[Optional[str], Any]) -> str:
    from engine_api.services.refs import resolve_ref
    from engine_api.types.fields import RefSpec

    _, raw = body
    raw = raw if isinstance(raw, dict) else {}
    ref_id, name = raw.get("id"), raw.get("name")
    if not isinstance(ref_id, (str, type(None))) or not isinstance(name, (str, type(None))) or not (ref_id or name):
        raise BadRequest(f"{coll.label} [id|name] required for add", reason="Incomplete parameters")
    return resolve_ref(ctx, RefSpec(coll.rel, ref_id, name)).id


def update_entity(
    ctx: RequestContext,
    coll: CollectionDef,
    entity_id: str,
    body: tuple[Optional[str], Any],
    parent_id: Optional[str] = None,
) -> EntityResult:
    if coll.compute is not None and coll.update is None:
        raise MethodNotAllowed(f"{coll.label} entities cannot be updated", allow=["GET"])
    entity = find_entity(ctx, coll, entity_id, parent_id)
    data = resolve_refs(ctx, load_body(coll.schema, body, partial=True))
    access.authorize(ctx, coll, "update", entity, parent_id)
    unmapped = extras.given(coll.schema, body)
    if coll.update is not None:
        entity = coll.update(ctx, entity, data) or entity
    else:
        for key, value in data.items():
            setattr(entity, key, value)
    if unmapped and hasattr(entity, "model_extras"):
        entity.model_extras = extras.stored(unmapped, entity.model_extras)
    ctx.session.flush()
    return EntityResult(coll.schema, entity)


def remove_entity(
    ctx: RequestContext, coll: CollectionDef, entity_id: str, parent_id: Optional[str] = None
) -> None:
    if not coll.removable:
        raise MethodNotAllowed(f"{coll.label} entities cannot be removed", allow=["GET"])
    entity = find_entity(ctx, coll, entity_id, parent_id)
    access.authorize(ctx, coll, "remove", entity, parent_id)
    if coll.remove is not None:
        coll.remove(ctx, entity, parent_id)
    else:
        ctx.session.delete(entity)
    if coll.parent is None:
        for forget in ctx.registry.forgetters:
            forget(ctx, coll.key, entity_id)
    ctx.session.flush()


def run_action(
    ctx: RequestContext,
    coll: CollectionDef,
    entity_id: str,
    action: str,
    body: tuple[Optional[str], Any],
    parent_id: Optional[str] = None,
) -> ActionResult:
    hook = coll.actions.get(action)
    if hook is None:
        raise NotFound(f"{coll.label} has no action '{action}'")
    entity = find_entity(ctx, coll, entity_id, parent_id)
    params = load_body(ActionParameters, body)
    access.authorize(ctx, coll, action, entity, parent_id)
    result = hook(ctx, entity, params)
    ctx.session.flush()
    if isinstance(result, ActionResult):
        return result
    asynchronous = bool(params.get("async_") or ctx.params.async_)
    return ActionResult(status="pending" if asynchronous else "complete", http_status=202 if asynchronous else 200,
                        extra=dict(result) if isinstance(result, dict) else {})


_WIRE_NAMES = {
    "source_vm_id": "vm",
    "storage_type": "storage.type",
    "storage_path": "storage.path",
    "storage_domain_ids": "storage_domains",
}


def require(data: dict[str, Any], label: str, *names: str) -> None:
    """The engine's check of mandatory attributes on add."""
    missing = [_WIRE_NAMES.get(n, n.removesuffix("_id")) for n in names if data.get(n) in (None, "")]
    if missing:
        raise BadRequest(
            f"{label} [{', '.join(missing)}] required for add",
            reason="Incomplete parameters",
        )


def unique_name(ctx: RequestContext, model: type, name: str, message: str, *, exclude_id: Optional[str] = None,
                **scope: Any) -> None:
    """Refuse a duplicate name with the engine's validation ``message`` (409, ``[message]``)."""
    from engine_api.faults import Conflict

    stmt = select(model.id).where(model.name == name)
    for key, value in scope.items():
        stmt = stmt.where(getattr(model, key) == value)
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    if ctx.session.scalars(stmt.limit(1)).first() is not None:
        raise Conflict(f"[{message}]")


def rename_checked(ctx: RequestContext, entity: Any, data: dict[str, Any], message: str, **scope: Any) -> Any:
    """An update that applies ``data`` to ``entity`` once a new name in it is no other one's (409 ``[message]``)."""
    name = data.get("name")
    if name and name != entity.name:
        unique_name(ctx, type(entity), name, message, exclude_id=entity.id, **scope)
    for key, value in data.items():
        setattr(entity, key, value)
    return entity


def name_already_used(action: str, type_label: str) -> str:
    """The engine's ``ACTION_TYPE_FAILED_NAME_ALREADY_USED`` for ``$action`` and ``$type``."""
    return (f"Cannot {action} {type_label}. The {type_label} name is already in use, "
            "please choose a unique name and try again.")

