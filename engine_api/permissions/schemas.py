"""Schemas of roles, permits and permissions."""
from __future__ import annotations

from typing import Any

from engine_api.statistics.schemas import Owner
from engine_api.types.base import ComputedSchema, StructSchema, TypeSchema
from engine_api.types.fields import (
    API_PREFIX,
    Boolean,
    Ref,
    String,
    Struct,
    WrappedList,
)


class PermitRef(StructSchema):
    id = String()
    name = String()


class Role(TypeSchema):
    type_name, plural, collection = "role", "roles", "roles"
    links = (("permits", "permits", "permit"),)

    name = String()
    description = String()
    administrative = Boolean()
    mutable = Boolean(dump_only=True)
    permit_list = WrappedList("permit", Struct(PermitRef), data_key="permits", load_only=True)


class Permit(ComputedSchema):
    type_name, plural, collection = "permit", "permits", "permits"

    id = String()
    name = String()
    administrative = Boolean(dump_only=True)
    role = Struct(Owner, dump_only=True)


class GroupRef(StructSchema):
    id = String()


class Permission(TypeSchema):
    type_name, plural, collection = "permission", "permissions", "permissions"

    role = Ref("roles", attribute="role_id")
    user = Ref("users", attribute="user_id")
    group = Struct(GroupRef, attribute="group")
    vm = Ref("vms", attribute="vm_id")
    template = Ref("templates", attribute="template_id")
    host = Ref("hosts", attribute="host_id")
    cluster = Ref("clusters", attribute="cluster_id")
    data_center = Ref("datacenters", attribute="data_center_id")
    storage_domain = Ref("storagedomains", attribute="storage_domain_id")
    disk = Ref("disks", attribute="disk_id")

    @classmethod
    def href(cls, obj: Any) -> str:
        return obj.href


class UserPermission(Permission):
    """A permission listed below its user, at ``/users/{user}/permissions/{id}``."""

    @classmethod
    def href(cls, obj: Any) -> str:
        return f"{API_PREFIX}/users/{obj.user_id}/permissions/{obj.id}"
