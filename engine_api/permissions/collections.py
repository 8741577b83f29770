"""The collections of roles, their permits, and permissions on the system, on objects and of users."""
from __future__ import annotations

from engine_api import models as m
from engine_api.datacenters.collections import CLUSTERS, DATA_CENTERS
from engine_api.hosts.collections import HOSTS
from engine_api.permissions import schemas as t
from engine_api.permissions import service
from engine_api.services.registry import CollectionDef, Concept
from engine_api.storage.collections import DISKS, STORAGE_DOMAINS
from engine_api.system.collections import USERS
from engine_api.vms.collections import TEMPLATES, VMS

ROLES = CollectionDef(
    "roles", t.Role, m.Role, "Role", add=service.add_role, update=service.update_role, remove=service.remove_role)
ROLE_PERMITS = CollectionDef(
    "permits", t.Permit, service.PermitEntity, "Permit", parent=ROLES, order_by=(), compute=service.permits_of,
    add=service.add_permit, remove=service.remove_permit)
SYSTEM_PERMISSIONS = CollectionDef(
    "permissions", t.Permission, m.Permission, "Permission", order_by=("id",), list_query=service.system_permissions,
    add=service.add_system_permission, remove=service.remove_permission)
OBJECT_PERMISSIONS = tuple(
    CollectionDef("permissions", t.Permission, m.Permission, "Permission", parent=parent, order_by=("id",),
                  list_query=service.object_permissions(parent.rel), add=service.add_on_object(parent.rel),
                  remove=service.remove_permission)
    for parent in (VMS, TEMPLATES, HOSTS, CLUSTERS, DATA_CENTERS, STORAGE_DOMAINS, DISKS))
USER_PERMISSIONS = CollectionDef(
    "permissions", t.UserPermission, m.Permission, "Permission", parent=USERS, order_by=(),
    compute=service.permissions_of_users, add=service.add_user_permission, remove=service.remove_permission)

CONCEPT = Concept(
    "permissions", "Roles and their permits, and the permissions that give users roles on objects",
    (ROLES, ROLE_PERMITS, SYSTEM_PERMISSIONS, *OBJECT_PERMISSIONS, USER_PERMISSIONS),
    forget=(service.forget_object,),
)
