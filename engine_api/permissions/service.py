"""Roles and permissions: the engine's predefined roles, adding and removing permissions on
objects, and custom roles with their permits.

The predefined roles, their ids and permits are the engine's (``roles.json``, from its database
seed: 37 roles over 99 permits). The administrator holds ``SuperUser`` on the system from the
moment the schema exists.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from engine_api import models as m
from engine_api.faults import BadRequest, Conflict, NotFound
from engine_api.permissions import access
from engine_api.services.context import RequestContext
from engine_api.system import events
from engine_api.system.events import acting_user
from engine_api.types.fields import API_PREFIX

SUPER_USER_ROLE_ID = "00000000-0000-0000-0000-000000000001"
#: Audit log codes (the engine's AuditLogType).
USER_ADD_PERMISSION = 850
USER_REMOVE_PERMISSION = 852
USER_REMOVE_ROLE = 858
USER_ADD_ROLE_WITH_ACTION_GROUP = 864
#: The objects a permission may be given on: the attribute of its body that names one, and the
#: collection it lives below.
OBJECTS = (
    ("vm_id", "vms"), ("template_id", "templates"), ("host_id", "hosts"), ("cluster_id", "clusters"),
    ("data_center_id", "datacenters"), ("storage_domain_id", "storagedomains"), ("disk_id", "disks"),
)
_TYPE_LABELS = {"vms": "VM", "templates": "Template", "hosts": "Host", "clusters": "Cluster",
                "datacenters": "Data Center", "storagedomains": "Storage", "disks": "Disk"}
_MODELS = {"vms": m.Vm, "templates": m.Template, "hosts": m.Host, "clusters": m.Cluster,
           "datacenters": m.DataCenter, "storagedomains": m.StorageDomain, "disks": m.Disk}


@dataclass(frozen=True)
class PermitInfo:
    id: int
    name: str
    administrative: bool


@cache
def _data() -> dict[str, Any]:
    return json.loads((Path(__file__).with_name("roles.json")).read_text())


@cache
def permits() -> dict[int, PermitInfo]:
    """Every permit the engine knows, by id."""
    return {int(p["id"]): PermitInfo(int(p["id"]), p["name"], bool(p["administrative"])) for p in _data()["permits"]}


@cache
def permit_ids() -> dict[str, int]:
    return {info.name: info.id for info in permits().values()}


def ensure_roles(session: Session) -> None:
    """The engine's predefined roles, added when the database lacks them."""
    known = set(session.scalars(select(m.Role.id)))
    for role in _data()["roles"]:
        if role["id"] not in known:
            session.add(m.Role(id=role["id"], name=role["name"], description=role["description"],
                               administrative=role["administrative"], mutable=role["mutable"],
                               permits=list(role["permits"])))
    session.flush()


def ensure_super_user(session: Session, user_id: str) -> None:
    """``SuperUser`` on the system for ``user_id`` (the administrator), unless he holds it."""
    ensure_roles(session)
    held = session.scalars(select(m.Permission.id).where(
        m.Permission.user_id == user_id, m.Permission.role_id == SUPER_USER_ROLE_ID,
        m.Permission.object_type == m.SYSTEM)).first()
    if held is None:
        session.add(m.Permission(role_id=SUPER_USER_ROLE_ID, user_id=user_id, object_type=m.SYSTEM,
                                 object_id=m.SYSTEM))
        session.flush()


# -- permissions --------------------------------------------------------------------------------

def _object_label(ctx: RequestContext, object_type: str, object_id: str) -> str:
    if object_type == m.SYSTEM:
        return "System"
    row = ctx.session.get(_MODELS[object_type], object_id)
    return f"{_TYPE_LABELS[object_type]} {getattr(row, 'name', None) or object_id}"


def _add(ctx: RequestContext, data: dict[str, Any], object_type: str, object_id: str) -> m.Permission:
    role = ctx.session.get(m.Role, data.get("role_id") or "")
    if role is None:
        raise BadRequest("Permission [role.id|name] required for add", reason="Incomplete parameters")
    user_id = data.get("user_id")
    group_id = (data.get("group") or {}).get("id")
    if not user_id and not group_id:
        raise BadRequest("Permission [user|group.id] required for add", reason="Incomplete parameters")
    if role.administrative and not _super_user(ctx):
        raise Conflict("[Cannot add permission, only system super user can give permissions with admin Role.]")
    existing = ctx.session.scalars(select(m.Permission).where(
        m.Permission.role_id == role.id, m.Permission.object_type == object_type, m.Permission.object_id == object_id,
        (m.Permission.user_id == user_id) if user_id else (m.Permission.group_id == group_id))).first()
    if existing is not None:
        raise Conflict("[Cannot add Permission. Permission already exists.]")
    permission = m.Permission(role_id=role.id, user_id=user_id or None, group_id=group_id or None,
                              object_type=object_type, object_id=object_id)
    ctx.session.add(permission)
    ctx.session.flush()
    holder = ctx.session.get(m.User, user_id).user_name if user_id else f"group {group_id}"
    events.record_event(ctx, USER_ADD_PERMISSION, f"User/Group {holder}, Namespace *, Authorization provider: "
                        f"internal-authz was granted permission for Role {role.name} on "
                        f"{_object_label(ctx, object_type, object_id)}, by {acting_user(ctx)}.")
    return permission


def _super_user(ctx: RequestContext) -> bool:
    if ctx.user is None:
        return True
    return ctx.session.scalars(select(m.Permission.id).where(
        m.Permission.user_id == ctx.user.id, m.Permission.role_id == SUPER_USER_ROLE_ID,
        m.Permission.object_type == m.SYSTEM)).first() is not None


def add_on_object(object_type: str) -> Any:
    """The add hook of the permissions below one kind of object."""
    def add(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Permission:
        return _add(ctx, data, object_type, parent_id or "")
    return add


def object_permissions(object_type: str) -> Any:
    """The list query of the permissions below one kind of object: those on it, and those it
    inherits from the objects above it (its cluster, data center, the system), as the engine lists them."""
    def query(ctx: RequestContext, parent_id: Optional[str]) -> Any:
        held = [and_(m.Permission.object_type == kind, m.Permission.object_id == key)
                for kind, key in access.chain(ctx.session, object_type, parent_id)]
        return select(m.Permission).where(or_(*held))
    return query


def system_permissions(ctx: RequestContext, parent_id: Optional[str]) -> Any:
    return select(m.Permission).where(m.Permission.object_type == m.SYSTEM)


def add_system_permission(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Permission:
    return _add(ctx, data, m.SYSTEM, m.SYSTEM)


def add_user_permission(ctx: RequestContext, data: dict[str, Any], user_id: Optional[str]) -> m.Permission:
    """``POST /users/{id}/permissions``: the object is the one the body names, else the system."""
    data["user_id"] = user_id
    for attribute, object_type in OBJECTS:
        if data.get(attribute):
            return _add(ctx, data, object_type, data[attribute])
    return _add(ctx, data, m.SYSTEM, m.SYSTEM)


def permissions_of_users(ctx: RequestContext, users: Sequence[m.User]) -> list[list[m.Permission]]:
    found: dict[str, list[m.Permission]] = {user.id: [] for user in users}
    for permission in ctx.session.scalars(select(m.Permission).where(m.Permission.user_id.in_(list(found)))
                                          .order_by(m.Permission.id)):
        found[permission.user_id or ""].append(permission)
    return [found[user.id] for user in users]


def remove_permission(ctx: RequestContext, permission: m.Permission, parent_id: Optional[str]) -> None:
    if parent_id is not None and permission.object_id != parent_id and permission.user_id != parent_id:
        raise Conflict("[Cannot remove Permission. The permission is inherited from an object above this one; "
                       "remove it there.]")
    role = ctx.session.get(m.Role, permission.role_id)
    if role is not None and role.administrative and not _super_user(ctx):
        raise Conflict("[Cannot remove permission, only system super user can remove permissions with admin Role.]")
    if ctx.user is not None and permission.user_id == ctx.user.id and permission.role_id == SUPER_USER_ROLE_ID \
            and permission.object_type == m.SYSTEM:
        raise Conflict("[Cannot remove Permission. The administrator's SuperUser permission on the system cannot "
                       "be removed.]")
    ctx.session.delete(permission)
    holder = ctx.session.get(m.User, permission.user_id).user_name if permission.user_id else \
        f"group {permission.group_id}"
    events.record_event(ctx, USER_REMOVE_PERMISSION, f"User/Group {holder} Role {role.name if role else ''} "
                        f"permission was removed from {_object_label(ctx, permission.object_type, permission.object_id)}"
                        f" by {acting_user(ctx)}")


def forget_object(ctx: RequestContext, object_type: str, object_id: str) -> None:
    """The permissions on a removed object go with it."""
    for permission in ctx.session.scalars(select(m.Permission).where(
            m.Permission.object_type == object_type, m.Permission.object_id == object_id)):
        ctx.session.delete(permission)


# -- roles and permits --------------------------------------------------------------------------

@dataclass(frozen=True)
class PermitEntity:
    id: str
    href: str
    name: str
    administrative: bool
    role: dict[str, str]


def _permit_entities(role: m.Role) -> list[PermitEntity]:
    href = f"{API_PREFIX}/roles/{role.id}"
    known = permits()
    return [PermitEntity(id=str(permit_id), href=f"{href}/permits/{permit_id}", name=known[permit_id].name,
                         administrative=known[permit_id].administrative, role={"href": href, "id": role.id})
            for permit_id in sorted(role.permits or []) if permit_id in known]


def permits_of(ctx: RequestContext, roles: Sequence[m.Role]) -> list[list[PermitEntity]]:
    return [_permit_entities(role) for role in roles]


def _permit_id(data: dict[str, Any]) -> int:
    given_id, name = data.get("id"), data.get("name")
    if given_id is not None and str(given_id).isdigit() and int(given_id) in permits():
        return int(given_id)
    if isinstance(name, str) and name in permit_ids():
        return permit_ids()[name]
    raise BadRequest(f"Entity not found: Permit: {given_id or name}", reason="Operation Failed")


def add_permit(ctx: RequestContext, data: dict[str, Any], role_id: Optional[str]) -> PermitEntity:
    role = ctx.session.get(m.Role, role_id or "")
    if role is None:
        raise NotFound(f"Entity not found: Role: id={role_id}")
    if not role.mutable:
        raise Conflict("[Cannot update Role. The role is read-only.]")
    permit_id = _permit_id(data)
    role.permits = sorted(set(role.permits or []) | {permit_id})
    return next(p for p in _permit_entities(role) if p.id == str(permit_id))


def remove_permit(ctx: RequestContext, permit: PermitEntity, role_id: Optional[str]) -> None:
    role = ctx.session.get(m.Role, permit.role["id"])
    assert role is not None
    if not role.mutable:
        raise Conflict("[Cannot update Role. The role is read-only.]")
    role.permits = [p for p in role.permits or [] if str(p) != permit.id]


def add_role(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Role:
    if not data.get("name"):
        raise BadRequest("Role [name, permits] required for add", reason="Incomplete parameters")
    if ctx.session.scalars(select(m.Role.id).where(m.Role.name == data["name"])).first() is not None:
        raise Conflict("[Cannot add Role. Role name is already in use.]")
    chosen = [_permit_id(item) for item in data.pop("permit_list", None) or []]
    if not chosen:
        raise BadRequest("Role [name, permits] required for add", reason="Incomplete parameters")
    role = m.Role(name=data["name"], description=data.get("description"),
                  administrative=bool(data.get("administrative")), mutable=True, permits=sorted(set(chosen)))
    ctx.session.add(role)
    ctx.session.flush()
    events.record_event(ctx, USER_ADD_ROLE_WITH_ACTION_GROUP, f"Role {role.name} was added by {acting_user(ctx)}")
    return role


def update_role(ctx: RequestContext, role: m.Role, data: dict[str, Any]) -> m.Role:
    if not role.mutable:
        raise Conflict("[Cannot update Role. The role is read-only.]")
    for key in ("name", "description", "administrative"):
        if key in data:
            setattr(role, key, data[key])
    return role


def remove_role(ctx: RequestContext, role: m.Role, parent_id: Optional[str]) -> None:
    if not role.mutable:
        raise Conflict("[Cannot remove Role. The role is read-only.]")
    if ctx.session.scalars(select(m.Permission.id).where(m.Permission.role_id == role.id)).first() is not None:
        raise Conflict("[Cannot remove Role. The role is in use: it is assigned to users or groups.]")
    ctx.session.delete(role)
    events.record_event(ctx, USER_REMOVE_ROLE, f"Role {role.name} removed from {acting_user(ctx)}")
