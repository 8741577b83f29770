"""Resolution of references from request bodies: ``<cluster id="…"/>`` or ``<cluster><name>…``."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine_api import limits
from engine_api.faults import BadRequest, entity_not_found
from engine_api.services.context import RequestContext
from engine_api.types.fields import RefSpec


def resolve_ref(ctx: RequestContext, spec: RefSpec) -> Any:
    """The entity a reference names; a 400 fault naming it when there is none."""
    coll = ctx.registry.top_level(spec.collection)
    if coll is None:
        raise BadRequest(f"References to {spec.collection} are not supported")
    model = coll.model
    if spec.id is not None:
        key = limits.key_value(coll.id_column(), spec.id)
        entity = ctx.session.get(model, key) if key is not None else None
        if entity is None or spec.name is not None and entity.name != spec.name:
            raise entity_not_found(coll.label, spec.describe())
        return entity
    found = ctx.session.scalars(select(model).where(model.name == spec.name).limit(2)).all()
    if not found:
        raise entity_not_found(coll.label, spec.describe())
    return found[0]


def resolve_refs(ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    """Replace every :class:`RefSpec` (alone or in a list) in loaded data by the entity's id."""
    for key, value in list(data.items()):
        if isinstance(value, RefSpec):
            data[key] = resolve_ref(ctx, value).id
        elif isinstance(value, list) and value and all(isinstance(v, RefSpec) for v in value):
            data[key] = [resolve_ref(ctx, v).id for v in value]
    return data
