"""URL rules for every registered collection (list, add, get, update, remove and actions), and
for the read-only views nested below an entity (list and one)."""
from __future__ import annotations

import re
from typing import Any, Callable

from flask import request
from flask_smorest import Blueprint

from engine_api.routes.http import call
from engine_api.services import crud
from engine_api.services.registry import CollectionDef


def _doc(summary: str) -> dict[str, Any]:
    """The documentation a route gives an operation: its summary; the OpenAPI document takes the
    rest from the API model (:class:`~engine_api.openapi.ModelOperations`)."""
    return {"summary": summary}


def _view(blp: Blueprint, fn: Callable[..., Any], endpoint: str, doc: dict[str, Any]) -> Callable[..., Any]:
    fn.__name__ = endpoint
    return blp.doc(**doc)(fn)


def register_collection(blp: Blueprint, coll: CollectionDef) -> None:
    """Add the URL rules of one collection to a blueprint (whose prefix is the API root)."""
    if coll.parent is None:
        base = f"/{coll.rel}"
        name = coll.rel
    else:
        base = f"/{coll.parent.rel}/<parent_id>/{coll.rel}"
        name = f"{coll.parent.rel}_{coll.rel}"

    def list_or_add(parent_id: str | None = None) -> Any:
        if request.method == "POST":
            return call(lambda ctx, decoded: crud.add_entity(ctx, coll, decoded, parent_id), body=True)
        return call(crud.list_entities, coll, parent_id)

    def entity(entity_id: str, parent_id: str | None = None) -> Any:
        if request.method == "PUT":
            return call(lambda ctx, decoded: crud.update_entity(ctx, coll, entity_id, decoded, parent_id), body=True)
        if request.method == "DELETE":
            return call(crud.remove_entity, coll, entity_id, parent_id)
        return call(crud.get_entity, coll, entity_id, parent_id)

    collection_methods = ["GET"] if coll.read_only else ["GET", "POST"]
    updatable = not coll.read_only and (coll.compute is None or coll.update is not None)
    entity_methods = ["GET"] + (["PUT"] if updatable else []) + (["DELETE"] if coll.removable else [])

    blp.add_url_rule(base, view_func=_view(blp, list_or_add, f"{name}_collection",
                                           _doc(f"List or add {coll.label} entities")),
                     methods=collection_methods)
    blp.add_url_rule(f"{base}/<entity_id>", view_func=_view(blp, entity, f"{name}_entity",
                                                            _doc(f"One {coll.label}")),
                     methods=entity_methods)
    for action in sorted(set(coll.actions) | set(coll.schema.actions)):
        def run(entity_id: str, parent_id: str | None = None, _action: str = action) -> Any:
            return call(lambda ctx, decoded: crud.run_action(ctx, coll, entity_id, _action, decoded, parent_id),
                        body=True)

        blp.add_url_rule(f"{base}/<entity_id>/{action}",
                         view_func=_view(blp, run, f"{name}_{action}", _doc(f"The {action} action of a {coll.label}")),
                         methods=["POST"])


_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def register_list_and_one(blp: Blueprint, path: str, *, item: str, endpoint: str, summaries: tuple[str, str],
                          services: tuple[Callable[..., Any], Callable[..., Any]], bound: tuple[Any, ...] = ()) -> None:
    """Add the two read-only URL rules of a view nested below an entity: ``path`` lists it (endpoint
    ``{endpoint}s``) and ``path/<item>`` gives one of it (endpoint ``endpoint``), documented with
    ``summaries``. Each is one call of its service of ``services``, given ``bound`` and then the
    URL's variables in their order."""
    names = _VARIABLE.findall(path)
    listing, one = services

    def list_view(**variables: str) -> Any:
        return call(listing, *bound, *(variables[name] for name in names))

    def one_view(**variables: str) -> Any:
        return call(one, *bound, *(variables[name] for name in names), variables[item])

    blp.add_url_rule(path, view_func=_view(blp, list_view, f"{endpoint}s", _doc(summaries[0])), methods=["GET"])
    blp.add_url_rule(f"{path}/<{item}>", view_func=_view(blp, one_view, endpoint, _doc(summaries[1])),
                     methods=["GET"])
