"""Tags: the tree under the root tag, and assigning tags to VMs, hosts, templates and users.

A tag's name is unique. A new tag goes under the parent it names (by id or name), else under the
root; moving a tag (changing its parent) carries its subtree, and a tag can be moved below
neither itself nor a tag of its own subtree. Removing a tag removes its subtree and its
assignments. The root tag can be neither changed nor removed.

An object lists the tags assigned to it (a computed view of the assignments); adding one names
an existing tag by id or name, and removing it detaches the tag. Searching ``tag=web`` finds the
objects tagged ``web`` or any tag below it, as the engine's search does.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine_api import models as m
from engine_api.faults import BadRequest, Conflict, NotFound
from engine_api.services.context import RequestContext
from engine_api.system import events
from engine_api.system.events import acting_user
from engine_api.types.fields import API_PREFIX

# Audit log codes (the engine's AuditLogType).
USER_UPDATE_TAG = 430
USER_ADD_TAG = 432
USER_REMOVE_TAG = 434
USER_MOVE_TAG = 555
#: Per kind of object: its row, the attach event's code and wording, the detach event's.
_OBJECTS = {
    "vms": (m.Vm, 440, "was attached to VM(s)", 446, "was detached from VM(s)"),
    "hosts": (m.Host, 442, "was attached to Host(s)", 444, "was detached from Host(s)"),
    "templates": (m.Template, 183, "was attached to Templates(s)", 185, "was detached from Template(s)"),
    "users": (m.User, 436, "was attached to User(s)", 448, "detached from User(s)"),
}


def ensure_root_tag(session: Session) -> None:
    """The root tag every engine has."""
    if session.get(m.Tag, m.ROOT_TAG_ID) is None:
        session.add(m.Tag(id=m.ROOT_TAG_ID, name=m.ROOT_TAG_NAME, description=m.ROOT_TAG_NAME, parent_id=None,
                          path=f"{m.ROOT_TAG_ID}/"))
        session.flush()


def _named(ctx: RequestContext, spec: Any, what: str) -> m.Tag:
    """The tag a ``<parent>`` or an assigned ``<tag>`` names by id or name."""
    spec = spec if isinstance(spec, dict) else {}
    tag_id, name = spec.get("id"), spec.get("name")
    found = None
    if isinstance(tag_id, str) and tag_id:
        found = ctx.session.get(m.Tag, tag_id)
    elif isinstance(name, str) and name:
        found = ctx.session.scalars(select(m.Tag).where(m.Tag.name == name)).first()
    else:
        raise BadRequest(f"{what} [id|name] required", reason="Incomplete parameters")
    if found is None:
        raise Conflict("[The specified Tag does not exist.]")
    return found


def _parent_of(ctx: RequestContext, data: dict[str, Any]) -> m.Tag:
    parent_id = data.pop("parent_id", None)
    if parent_id is None:
        return ctx.session.get(m.Tag, m.ROOT_TAG_ID) or _missing_root()
    parent = ctx.session.get(m.Tag, parent_id)
    if parent is None:
        raise Conflict("[The specified Tag does not exist.]")
    return parent


def _missing_root() -> m.Tag:
    raise NotFound("Entity not found: Tag: root")


def _unique(ctx: RequestContext, name: str, exclude: Optional[str] = None) -> None:
    stmt = select(m.Tag.id).where(m.Tag.name == name)
    if exclude is not None:
        stmt = stmt.where(m.Tag.id != exclude)
    if ctx.session.scalars(stmt.limit(1)).first() is not None:
        raise Conflict("[The specified Tag name already exists.]")


def add_tag(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Tag:
    if not data.get("name"):
        raise BadRequest("Tag [name] required for add", reason="Incomplete parameters")
    _unique(ctx, data["name"])
    parent = _parent_of(ctx, data)
    tag = m.Tag(id=m.new_id(), name=data["name"], description=data.get("description"), parent_id=parent.id)
    tag.path = f"{parent.path}{tag.id}/"
    ctx.session.add(tag)
    events.record_event(ctx, USER_ADD_TAG, f"New Tag {tag.name} was created by {acting_user(ctx)}.")
    return tag


def update_tag(ctx: RequestContext, tag: m.Tag, data: dict[str, Any]) -> m.Tag:
    if tag.id == m.ROOT_TAG_ID:
        raise Conflict("[Cannot edit readonly tag.]")
    if "name" in data and data["name"] != tag.name:
        _unique(ctx, data["name"], exclude=tag.id)
        tag.name = data["name"]
    if "description" in data:
        tag.description = data["description"]
    if "parent_id" in data and data["parent_id"] != tag.parent_id:
        old = ctx.session.get(m.Tag, tag.parent_id or "")
        parent = _parent_of(ctx, data)
        if parent.path.startswith(tag.path):
            raise Conflict("[Operation canceled, recursive Tag hierarchy cannot be defined.]")
        old_path, new_path = tag.path, f"{parent.path}{tag.id}/"
        for below in ctx.session.scalars(select(m.Tag).where(m.Tag.path.startswith(old_path))):
            below.path = new_path + below.path[len(old_path):]
        tag.parent_id = parent.id
        events.record_event(ctx, USER_MOVE_TAG, f"Tag {tag.name} was moved from {old.name if old else ''} to "
                            f"{parent.name} by {acting_user(ctx)}.")
    events.record_event(ctx, USER_UPDATE_TAG, f"Tag {tag.name} configuration was updated by {acting_user(ctx)}.")
    return tag


def remove_tag(ctx: RequestContext, tag: m.Tag, parent_id: Optional[str]) -> None:
    if tag.id == m.ROOT_TAG_ID:
        raise Conflict("[Cannot remove tag. The root tag cannot be removed.]")
    subtree = list(ctx.session.scalars(select(m.Tag).where(m.Tag.path.startswith(tag.path))
                                       .order_by(m.Tag.path.desc())))
    ids = [below.id for below in subtree]
    ctx.session.execute(delete(m.TagAssignment).where(m.TagAssignment.tag_id.in_(ids)))
    for below in subtree:
        ctx.session.delete(below)
        ctx.session.flush()
    events.record_event(ctx, USER_REMOVE_TAG, f"Tag {tag.name} was removed by {acting_user(ctx)}.")


# -- tags on objects ----------------------------------------------------------------------------

@dataclass(frozen=True)
class AssignedTagEntity:
    id: str
    href: str
    name: str
    description: Optional[str]
    parent_id: Optional[str]
    vm: Optional[dict[str, str]] = None
    host: Optional[dict[str, str]] = None
    template: Optional[dict[str, str]] = None
    user: Optional[dict[str, str]] = None


_OWNER_ATTRIBUTE = {"vms": "vm", "hosts": "host", "templates": "template", "users": "user"}


def _entity(object_type: str, object_id: str, tag: m.Tag) -> AssignedTagEntity:
    owner = f"{API_PREFIX}/{object_type}/{object_id}"
    return AssignedTagEntity(id=tag.id, href=f"{owner}/tags/{tag.id}", name=tag.name, description=tag.description,
                             parent_id=tag.parent_id, **{_OWNER_ATTRIBUTE[object_type]: {"href": owner,
                                                                                           "id": object_id}})


def tags_of(object_type: str) -> Any:
    """The compute hook of the tags below one kind of object (one statement for all objects)."""
    def compute(ctx: RequestContext, owners: Sequence[Any]) -> list[list[AssignedTagEntity]]:
        found: dict[str, list[AssignedTagEntity]] = {owner.id: [] for owner in owners}
        for object_id, tag in ctx.session.execute(
                select(m.TagAssignment.object_id, m.Tag).join(m.Tag, m.Tag.id == m.TagAssignment.tag_id)
                .where(m.TagAssignment.object_type == object_type, m.TagAssignment.object_id.in_(list(found)))
                .order_by(m.Tag.name)):
            found[object_id].append(_entity(object_type, object_id, tag))
        return [found[owner.id] for owner in owners]
    return compute


def _owner_name(ctx: RequestContext, object_type: str, object_id: str) -> str:
    row = ctx.session.get(_OBJECTS[object_type][0], object_id)
    return str(getattr(row, "user_name", None) or getattr(row, "name", object_id)) if row is not None else object_id


def assign(object_type: str) -> Any:
    """The add hook that attaches an existing tag to one kind of object."""
    def add(ctx: RequestContext, data: dict[str, Any], object_id: Optional[str]) -> AssignedTagEntity:
        tag = _named(ctx, data, "Tag")
        owner = object_id or ""
        exists = ctx.session.scalars(select(m.TagAssignment.pk).where(
            m.TagAssignment.tag_id == tag.id, m.TagAssignment.object_type == object_type,
            m.TagAssignment.object_id == owner)).first()
        if exists is not None:
            raise Conflict(f"[Cannot attach Tag. The tag {tag.name} is already attached.]")
        ctx.session.add(m.TagAssignment(tag_id=tag.id, object_type=object_type, object_id=owner))
        _, code, wording, _, _ = _OBJECTS[object_type]
        events.record_event(ctx, code, f"Tag {tag.name} {wording} {_owner_name(ctx, object_type, owner)} by "
                                       f"{acting_user(ctx)}.", **_refs(object_type, owner))
        return _entity(object_type, owner, tag)
    return add


def unassign(object_type: str) -> Any:
    """The remove hook that detaches a tag from one kind of object."""
    def remove(ctx: RequestContext, assigned: AssignedTagEntity, object_id: Optional[str]) -> None:
        owner = object_id or ""
        ctx.session.execute(delete(m.TagAssignment).where(
            m.TagAssignment.tag_id == assigned.id, m.TagAssignment.object_type == object_type,
            m.TagAssignment.object_id == owner))
        _, _, _, code, wording = _OBJECTS[object_type]
        events.record_event(ctx, code, f"Tag {assigned.name} {wording} {_owner_name(ctx, object_type, owner)} by "
                                       f"{acting_user(ctx)}.", **_refs(object_type, owner))
    return remove


def _refs(object_type: str, object_id: str) -> dict[str, str]:
    return {"vms": {"vm_id": object_id}, "hosts": {"host_id": object_id},
            "templates": {"template_id": object_id}}.get(object_type, {})


def forget_object(ctx: RequestContext, object_type: str, object_id: str) -> None:
    """A removed object's tag assignments go with it."""
    ctx.session.execute(delete(m.TagAssignment).where(m.TagAssignment.object_type == object_type,
                                                      m.TagAssignment.object_id == object_id))
