"""The generic store's services: list, add, get, update, remove and actions of any model path.

Entities are documents only (see :mod:`engine_api.generic.documents`), written through the
recorder (:meth:`~engine_api.documents.recorder.Recorder.put`). A document's href is its path;
its ``parent_href`` the href of the nearest entity above it (for an entity a bespoke route
serves, that entity's own href), so that removing an entity removes what the store keeps beneath
it. Actions are validated by the model and answered as the engine answers them, with an event
saying they were accepted with no other effect.
"""
from __future__ import annotations

import re
import uuid
from typing import Any, Optional

from engine_api.documents.recorder import Recorder
from engine_api.documents.store import read_document
from engine_api.faults import Conflict, InvalidValue, NotFound
from engine_api.generic import documents
from engine_api.generic.paths import GenericPath, collection_key, concrete, variables
from engine_api.generic.values import (
    merged,
    read_attribute,
    read_parameters,
    read_struct,
)
from engine_api.model import Attribute, load
from engine_api.services import crud
from engine_api.services.context import RequestContext
from engine_api.services.results import (
    ActionResult,
    DocumentResult,
    DocumentsResult,
    WireResult,
)
from engine_api.system.events import acting_user, record_event
from engine_api.types.fields import API_PREFIX

Body = tuple[Optional[str], Any]
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
#: The event code of an action the emulator accepts without any effect of its own.
ACCEPTED_EVENT = 0


def _href(template: str, values: dict[str, str]) -> str:
    return f"{API_PREFIX}/{concrete(template, values)}"


def entity_href(ctx: RequestContext, template: str, values: dict[str, str], bespoke: bool) -> str:
    """The href of the entity at a member template, checked to exist (a 404 fault otherwise).

    For an entity a bespoke route serves, it is found as that route finds it (so a cluster under
    a data center belongs to it) and its own href is answered: ``/clusters/{id}`` for
    ``datacenters/{dc}/clusters/{id}``.
    """
    if bespoke:
        key = collection_key(template)
        names = variables(template)
        try:
            coll = ctx.registry.get(key)
        except KeyError:
            coll = None
        if coll is not None:
            parent_id = values[names[-2]] if coll.parent is not None else None
            find = crud.computed_one if coll.compute is not None else crud.get_or_404
            return coll.schema.href(find(ctx, coll, values[names[-1]], parent_id))
    href = _href(template, values)
    if not _ID.fullmatch(values[variables(template)[-1]]) or not documents.exists(ctx.session, href):
        raise NotFound(f"Entity not found: {href.removeprefix(API_PREFIX + '/')}")
    return href


def _owner_href(ctx: RequestContext, path: GenericPath, values: dict[str, str]) -> Optional[str]:
    if path.owner is None:
        return None
    return entity_href(ctx, path.owner, values, path.owner_bespoke)


def _member_service(path: GenericPath) -> Any:
    model = load()
    return model.member_service(path.service.name) if not path.member else path.service


def _document(path: GenericPath, href: str, entity_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """The wire shape of an entity: href and id, its attributes, its actions and the links to
    the sub-collections both its type and its service have."""
    model = load()
    data: dict[str, Any] = {"href": href, "id": entity_id}
    data.update((key, value) for key, value in attributes.items() if key not in ("href", "id"))
    service = _member_service(path)
    if service is not None:
        segments = model.action_paths(service.name)
        if segments:
            data["actions"] = {"link": [{"href": f"{href}/{segment}", "rel": segment} for segment in segments]}
        rels = model.located_links(path.type, service.name)
        if rels:
            data["link"] = [{"href": f"{href}/{rel}", "rel": rel} for rel in rels]
    return data


def _label(path: GenericPath, attributes: dict[str, Any], entity_id: str) -> str:
    name = attributes.get("name")
    return f"{path.type} {name!r}" if isinstance(name, str) and name else f"{path.type} {entity_id}"


def _read_body(path: GenericPath, verb: str, body: Body) -> dict[str, Any]:
    """A request body read as the model types the body of ``verb``; the root element must be the
    type's element (or a subtype's)."""
    model = load()
    tag, data = body
    type_name = path.body_type(verb)
    expected = model.type(type_name)
    if tag is not None and tag != expected.element:
        given = next((t for t in model.types.values() if t.element == tag), None)
        if given is None or not model.is_subtype(given.name, type_name):
            raise InvalidValue(f"Expected a '{expected.element}' element, got '{tag}'")
    return read_struct(type_name, data, expected.element)


def list_entities(ctx: RequestContext, path: GenericPath, values: dict[str, str]) -> DocumentsResult:
    """The collection at ``path``: its documents in the order they were added."""
    owner = _owner_href(ctx, path, values)
    params = ctx.params
    fragments, head = documents.listing(ctx.session, path.key, owner, path.type, ctx.representation,
                                        search=params.search, max_=params.max,
                                        case_sensitive=params.case_sensitive)
    struct = load().type(path.type)
    return DocumentsResult(struct.plural, struct.element, fragments, ctx.representation, head)


def add_entity(ctx: RequestContext, path: GenericPath, values: dict[str, str], body: Body) -> WireResult:
    """A new entity of the collection at ``path``: 201 with its document and ``Location``; for a
    collection whose ``add`` takes a list (gluster bricks), each item added, the list answered.

    An entity's id is the one the body gives (an entity added by reference keeps the referenced
    id), else a new UUID.
    """
    owner = _owner_href(ctx, path, values)
    struct = load().type(path.type)
    if _adds_a_list(path):
        added = [_add(ctx, path, values, owner, attributes) for attributes in _read_list_body(path, body)]
        return WireResult(struct.plural, {struct.element: added}, status=201)
    data = _add(ctx, path, values, owner, _read_body(path, "add", body))
    return WireResult(struct.element, data, status=201, location=data["href"])


def _adds_a_list(path: GenericPath) -> bool:
    method = path.methods.get("add")
    return method is not None and method.body is not None and method.body.list


def _read_list_body(path: GenericPath, body: Body) -> list[dict[str, Any]]:
    struct = load().type(path.body_type("add"))
    tag, data = body
    if tag not in (None, struct.plural):
        raise InvalidValue(f"Expected a '{struct.plural}' element, got '{tag}'")
    items = read_attribute(Attribute(struct.plural, struct.name, struct.plural, struct.name, list=True,
                                     item=struct.element), data, struct.plural)
    return items[struct.element]


def _add(ctx: RequestContext, path: GenericPath, values: dict[str, str], owner: Optional[str],
         attributes: dict[str, Any]) -> dict[str, Any]:
    given = attributes.get("id")
    entity_id = given if isinstance(given, str) and _ID.fullmatch(given) else str(uuid.uuid4())
    href = f"{_href(path.template, values)}/{entity_id}"
    if documents.exists(ctx.session, href):
        raise Conflict(f"[Cannot add {path.type}. An entity with id {entity_id} exists already.]")
    data = _document(path, href, entity_id, attributes)
    Recorder.of(ctx.session).put(ctx.session, path.key, href, owner, entity_id, load().type(path.type).element, data)
    record_event(ctx, ACCEPTED_EVENT, f"{_label(path, attributes, entity_id)} was added by {acting_user(ctx)}.")
    return data


def get_entity(ctx: RequestContext, path: GenericPath, values: dict[str, str]) -> DocumentResult:
    href = _href(path.template, values)
    found = read_document(ctx.session, href, ctx.representation)
    if found is None:
        raise NotFound(f"Entity not found: {path.type}: id={values[path.identifier or '']}")
    return DocumentResult(found[0], ctx.representation, found[1], tag=load().type(path.type).element)


def update_entity(ctx: RequestContext, path: GenericPath, values: dict[str, str], body: Body) -> WireResult:
    """The entity with the attributes the body gives merged into it."""
    href = _href(path.template, values)
    previous = documents.stored(ctx.session, href)
    if previous is None:
        raise NotFound(f"Entity not found: {path.type}: id={values[path.identifier or '']}")
    stored, parent_href = previous
    element = load().type(path.type).element
    given = _read_body(path, "update", body)
    given.pop("id", None)
    attributes = merged(read_struct(path.type, stored, element), given)
    data = _document(path, href, stored["id"], attributes)
    Recorder.of(ctx.session).put(ctx.session, path.key, href, parent_href, stored["id"], element, data)
    return WireResult(element, data)


def remove_entity(ctx: RequestContext, path: GenericPath, values: dict[str, str]) -> None:
    """Remove the entity and whatever the store keeps beneath it."""
    href = _href(path.template, values)
    previous = documents.stored(ctx.session, href)
    if previous is None:
        raise NotFound(f"Entity not found: {path.type}: id={values[path.identifier or '']}")
    stored, _ = previous
    Recorder.of(ctx.session).delete(ctx.session, href)
    record_event(ctx, ACCEPTED_EVENT, f"{_label(path, stored, stored['id'])} was removed by {acting_user(ctx)}.")


def run_action(ctx: RequestContext, path: GenericPath, segment: str, values: dict[str, str],
               body: Body) -> ActionResult:
    """An action of the model at ``path``: its parameters validated, answered ``complete``
    (``pending`` with 202 when asked to run asynchronously), with an event that says it had no
    other effect."""
    if path.member:
        href = entity_href(ctx, path.template, values, path.bespoke)
    else:
        href = _owner_href(ctx, path, values) or API_PREFIX
    tag, data = body
    if tag not in (None, "action"):
        raise InvalidValue(f"Expected an 'action' element, got '{tag}'")
    parameters = read_parameters(path.actions[segment], data)
    record_event(ctx, ACCEPTED_EVENT,
                 f"The {segment} action on {href.removeprefix(API_PREFIX + '/')} was accepted by "
                 f"{acting_user(ctx)}; engine-emu stores no other effect of it.")
    asynchronous = bool(parameters.get("async") or ctx.params.async_)
    return ActionResult(status="pending" if asynchronous else "complete", http_status=202 if asynchronous else 200)
