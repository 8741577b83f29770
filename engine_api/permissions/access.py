"""What a user may see and do: the engine's permission checks.

A permission gives a user a role on an object (a VM, a cluster, the system…), and through it on
everything below the object: a role on a cluster holds for its hosts, VMs and templates, one on
a data center for its clusters, storage domains and networks, one on the system for everything.

**Seeing.** A request is *filtered* when it sends ``Filter: true`` (the engine's user view), and
always for a user who holds no administrative role. A filtered listing or read shows only the
objects the user holds a permission on, directly or above them; a cluster or data center also
shows when the user holds a permission on something in it. An object he may not see is not found.
The administrator, and anyone with a permission on the system, sees everything.

**Doing.** Every add, update, removal and action checks that the user holds, on the object or
above it, a role with the permit the operation needs (``run_vm`` to start a VM, ``delete_vm`` to
remove one, ``create_vm`` on the cluster to add one…); without it the answer is a 403 fault.
A user with ``SuperUser`` on the system passes every check without a query.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import exists, false, or_, select, true
from sqlalchemy.orm import Session

from engine_api import models as m
from engine_api.faults import Forbidden
from engine_api.services.context import RequestContext

LOGIN = 1300
SUPER_USER_ROLE_ID = "00000000-0000-0000-0000-000000000001"
NOT_AUTHORIZED = "User is not authorized to perform this action."

#: The permit each operation needs, by collection and verb (an action's name for actions).
_VM = {"add": "create_vm", "update": "edit_vm_properties", "remove": "delete_vm", "start": "run_vm",
       "stop": "stop_vm", "shutdown": "shut_down_vm", "suspend": "hibernate_vm", "reboot": "reboot_vm",
       "reset": "reset_vm", "migrate": "migrate_vm", "cancelmigration": "migrate_vm",
       "previewsnapshot": "manipulate_vm_snapshots", "commitsnapshot": "manipulate_vm_snapshots",
       "undosnapshot": "manipulate_vm_snapshots"}
PERMITS: dict[str, dict[str, str]] = {
    "vms": _VM,
    "vms/nics": {"*": "configure_vm_network"},
    "vms/diskattachments": {"*": "configure_vm_storage"},
    "vms/snapshots": {"*": "manipulate_vm_snapshots"},
    "vms/cdroms": {"*": "change_vm_cd"},
    "vms/graphicsconsoles": {"*": "connect_to_vm"},
    "vms/permissions": {"*": "manipulate_permissions"},
    "templates": {"add": "create_template", "update": "edit_template_properties", "remove": "delete_template"},
    "templates/nics": {"*": "configure_template_network"},
    "templates/permissions": {"*": "manipulate_permissions"},
    "disks": {"add": "create_disk", "update": "edit_disk_properties", "remove": "delete_disk"},
    "disks/permissions": {"*": "manipulate_permissions"},
    "hosts": {"add": "create_host", "update": "edit_host_configuration", "remove": "delete_host",
              "*": "manipulate_host"},
    "hosts/nics": {"*": "configure_host_network"},
    "hosts/permissions": {"*": "manipulate_permissions"},
    "clusters": {"add": "create_cluster", "update": "edit_cluster_configuration", "remove": "delete_cluster"},
    "clusters/permissions": {"*": "manipulate_permissions"},
    "datacenters": {"add": "create_storage_pool", "update": "edit_storage_pool_configuration",
                    "remove": "delete_storage_pool"},
    "datacenters/permissions": {"*": "manipulate_permissions"},
    "storagedomains": {"add": "create_storage_domain", "update": "edit_storage_domain_configuration",
                       "remove": "delete_storage_domain", "*": "manipulate_storage_domain"},
    "storagedomains/permissions": {"*": "manipulate_permissions"},
    "permissions": {"*": "manipulate_permissions"},
    "users/permissions": {"*": "manipulate_permissions"},
    "roles": {"*": "manipulate_roles"},
    "roles/permits": {"*": "manipulate_roles"},
    "users": {"*": "manipulate_users"},
    "events": {"*": "inject_external_events"},
    "jobs": {"*": "inject_external_tasks"},
}
#: What an operation without an entry needs: a permit only system administrators hold.
DEFAULT_PERMIT = "configure_engine"

Chain = list[tuple[str, str]]


def admin_role_held() -> Any:
    """Whether the user of the enclosing query holds an administrative role: a correlated
    ``EXISTS`` to select beside a user, so that authenticating stays one statement."""
    return exists().where(m.Permission.user_id == m.User.id, m.Permission.role_id == m.Role.id,
                          m.Role.administrative.is_(True)).correlate(m.User)


def holds_admin_role(session: Session, user_id: str) -> bool:
    """Whether the user holds an administrative role on any object."""
    return session.scalars(select(m.Permission.id).join(m.Role, m.Role.id == m.Permission.role_id).where(
        m.Permission.user_id == user_id, m.Role.administrative.is_(True)).limit(1)).first() is not None


def may_log_in(session: Session, user_id: str) -> bool:
    """Whether one of the user's roles permits login (the engine refuses a user with none)."""
    roles = session.scalars(select(m.Role).join(m.Permission, m.Permission.role_id == m.Role.id)
                            .where(m.Permission.user_id == user_id))
    return any(LOGIN in (role.permits or []) for role in roles)


@dataclass
class Grants:
    """The permissions of one user: the objects he holds a role on, by collection, and the permits
    each role holds."""

    super_user: bool = False
    system: bool = False
    objects: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    permits: dict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))


def grants(ctx: RequestContext) -> Grants:
    """The requesting user's permissions, read once per request."""
    found = ctx.extras.get("grants")
    if isinstance(found, Grants):
        return found
    found = Grants()
    if ctx.user is not None:
        for object_type, object_id, role_id, role_permits in ctx.session.execute(
                select(m.Permission.object_type, m.Permission.object_id, m.Role.id, m.Role.permits)
                .join(m.Role, m.Role.id == m.Permission.role_id).where(m.Permission.user_id == ctx.user.id)):
            if object_type == m.SYSTEM:
                found.system = True
                found.super_user = found.super_user or role_id == SUPER_USER_ROLE_ID
            found.objects[object_type].add(object_id)
            found.permits[(object_type, object_id)].update(role_permits or [])
    ctx.extras["grants"] = found
    return found


def filtered(ctx: RequestContext) -> bool:
    """Whether the request sees the user view (``Filter: true``, or a user with no admin role)."""
    return ctx.user is not None and (ctx.params.filter or not ctx.user.administrative)


# -- seeing -------------------------------------------------------------------------------------

def _in(column: Any, ids: set[str]) -> Any:
    return column.in_(sorted(ids)) if ids else false()


def _condition(key: str, g: Grants) -> Any:
    o = g.objects
    dc_clusters = select(m.Cluster.id).where(_in(m.Cluster.data_center_id, o["datacenters"]))
    in_clusters = or_(_in(m.Cluster.id, o["clusters"]), m.Cluster.id.in_(dc_clusters))
    vm_ids = select(m.Vm.id).where(or_(_in(m.Vm.id, o["vms"]), _in(m.Vm.cluster_id, o["clusters"]),
                                       m.Vm.cluster_id.in_(dc_clusters)))
    held_clusters = select(m.Vm.cluster_id).where(_in(m.Vm.id, o["vms"]))
    if key == "vms":
        return m.Vm.id.in_(vm_ids)
    if key == "templates":
        return or_(m.Template.id == m.BLANK_TEMPLATE_ID, _in(m.Template.id, o["templates"]),
                   _in(m.Template.cluster_id, o["clusters"]), m.Template.cluster_id.in_(dc_clusters))
    if key == "hosts":
        return or_(_in(m.Host.id, o["hosts"]), _in(m.Host.cluster_id, o["clusters"]),
                   m.Host.cluster_id.in_(dc_clusters))
    if key == "clusters":
        return or_(in_clusters, m.Cluster.id.in_(held_clusters))
    if key == "datacenters":
        clusters = select(m.Cluster.data_center_id).where(or_(_in(m.Cluster.id, o["clusters"]),
                                                              m.Cluster.id.in_(held_clusters)))
        return or_(_in(m.DataCenter.id, o["datacenters"]), m.DataCenter.id.in_(clusters))
    if key == "storagedomains":
        return or_(_in(m.StorageDomain.id, o["storagedomains"]),
                   _in(m.StorageDomain.data_center_id, o["datacenters"]))
    if key == "disks":
        attached = select(m.DiskAttachment.disk_id).where(m.DiskAttachment.vm_id.in_(vm_ids))
        return or_(_in(m.Disk.id, o["disks"]), m.Disk.id.in_(attached),
                   _in(m.Disk.storage_domain_id, o["storagedomains"]))
    if key == "networks":
        return _in(m.Network.data_center_id, o["datacenters"])
    return None


#: The collections a filtered request sees only part of.
RESTRICTED = frozenset({"vms", "templates", "hosts", "clusters", "datacenters", "storagedomains", "disks",
                        "networks"})


def visible(ctx: RequestContext, coll: Any, stmt: Any) -> Any:
    """``stmt`` (rows of a top-level collection) narrowed to what the request may see."""
    if coll.parent is not None or coll.key not in RESTRICTED or not filtered(ctx):
        return stmt
    g = grants(ctx)
    if g.system:
        return stmt
    condition = _condition(coll.key, g)
    return stmt.where(condition if condition is not None else true())


# -- doing --------------------------------------------------------------------------------------

def chain(session: Session, object_type: str, object_id: Optional[str]) -> Chain:
    """The object and everything above it that a permission may be held on, the system last."""
    links: Chain = []
    if object_type == "vms":
        vm = session.get(m.Vm, object_id) if object_id else None
        links.append(("vms", object_id or ""))
        if vm is not None:
            links += chain(session, "clusters", vm.cluster_id)
    elif object_type in ("templates", "hosts"):
        row = session.get(m.Template if object_type == "templates" else m.Host, object_id) if object_id else None
        links.append((object_type, object_id or ""))
        if row is not None and row.cluster_id:
            links += chain(session, "clusters", row.cluster_id)
    elif object_type == "clusters":
        cluster = session.get(m.Cluster, object_id) if object_id else None
        links.append(("clusters", object_id or ""))
        if cluster is not None and cluster.data_center_id:
            links.append(("datacenters", cluster.data_center_id))
    elif object_type in ("storagedomains", "networks"):
        row = session.get(m.StorageDomain if object_type == "storagedomains" else m.Network, object_id) \
            if object_id else None
        links.append((object_type, object_id or ""))
        if row is not None and row.data_center_id:
            links.append(("datacenters", row.data_center_id))
    elif object_type == "disks":
        links.append(("disks", object_id or ""))
        for vm_id in session.scalars(select(m.DiskAttachment.vm_id).where(
                m.DiskAttachment.disk_id == object_id, m.DiskAttachment.vm_id.is_not(None))):
            links += chain(session, "vms", vm_id)
        disk = session.get(m.Disk, object_id) if object_id else None
        if disk is not None and disk.storage_domain_id:
            links += chain(session, "storagedomains", disk.storage_domain_id)
    elif object_type == "datacenters":
        links.append(("datacenters", object_id or ""))
    links.append((m.SYSTEM, m.SYSTEM))
    return links


def _target(ctx: RequestContext, coll: Any, verb: str, entity: Any, parent_id: Optional[str],
            data: Optional[dict[str, Any]]) -> tuple[str, Optional[str]]:
    """The object whose permissions an operation is checked against."""
    if coll.parent is not None:
        return coll.parent.rel, parent_id
    if verb == "add":
        data = data or {}
        if coll.key in ("vms", "templates", "hosts") and data.get("cluster_id"):
            return "clusters", data["cluster_id"]
        if coll.key == "templates" and data.get("source_vm_id"):
            return "vms", data["source_vm_id"]
        if coll.key == "disks" and data.get("storage_domain_ids"):
            return "storagedomains", data["storage_domain_ids"][0]
        if coll.key in ("clusters", "storagedomains", "networks") and data.get("data_center_id"):
            return "datacenters", data["data_center_id"]
        return m.SYSTEM, m.SYSTEM
    if coll.key in RESTRICTED:
        return coll.key, str(getattr(entity, coll.id_attribute))
    return m.SYSTEM, m.SYSTEM


def permit_for(coll_key: str, verb: str) -> str:
    table = PERMITS.get(coll_key, {})
    return table.get(verb) or table.get("*") or DEFAULT_PERMIT


def authorize(ctx: RequestContext, coll: Any, verb: str, entity: Any = None, parent_id: Optional[str] = None,
              data: Optional[dict[str, Any]] = None) -> None:
    """Refuse (403) an operation the user holds no role for on its object or above it."""
    if ctx.user is None:
        return
    g = grants(ctx)
    if g.super_user:
        return
    from engine_api.permissions.service import permit_ids

    wanted = permit_ids().get(permit_for(coll.key, verb))
    object_type, object_id = _target(ctx, coll, verb, entity, parent_id, data)
    for link in chain(ctx.session, object_type, object_id):
        if wanted in g.permits.get(link, ()):
            return
    raise Forbidden(NOT_AUTHORIZED)
