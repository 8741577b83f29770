"""Schemas of the API root, users, events and jobs."""
from __future__ import annotations

from marshmallow import fields

from engine_api.types import enums
from engine_api.types.base import StructSchema, TypeSchema
from engine_api.types.fields import (
    Boolean,
    DateTime,
    Enum,
    Integer,
    Ref,
    String,
    Struct,
)


class User(TypeSchema):
    type_name, plural, collection = "user", "users", "users"

    name = String()
    user_name = String()
    principal = String()
    domain_entry_id = String(attribute="id", dump_only=True)
    namespace = String(dump_only=True, attribute="domain")


class Event(TypeSchema):
    type_name, plural, collection = "event", "events", "events"

    id = Integer(dump_only=True)
    code = Integer()
    severity = Enum(enums.LOG_SEVERITY)
    time = DateTime(dump_only=True)
    description = String()
    correlation_id = String(dump_only=True)
    origin = String()
    custom_id = Integer()
    flood_rate = Integer()
    index = Integer(attribute="id", dump_only=True)
    vm = Ref("vms", attribute="vm_id")
    host = Ref("hosts", attribute="host_id")
    cluster = Ref("clusters", attribute="cluster_id")
    data_center = Ref("datacenters", attribute="data_center_id")
    storage_domain = Ref("storagedomains", attribute="storage_domain_id")
    template = Ref("templates", attribute="template_id")
    user = Ref("users", attribute="user_id", dump_only=True)


class Job(TypeSchema):
    type_name, plural, collection = "job", "jobs", "jobs"
    actions = ("clear", "end")

    description = String()
    status = Enum(enums.JOB_STATUS, dump_only=True)
    start_time = DateTime(dump_only=True)
    end_time = DateTime(dump_only=True)
    last_updated = DateTime(dump_only=True)
    external = Boolean(dump_only=True)
    auto_cleared = Boolean()
    correlation_id = String(dump_only=True)
    owner = Ref("users", attribute="owner_id", dump_only=True)


class ProductVersion(StructSchema):
    build = Integer()
    full_version = String()
    major = Integer()
    minor = Integer()
    revision = Integer()


class ProductInfo(StructSchema):
    name = String()
    vendor = String()
    instance_id = String()
    version = Struct(ProductVersion)


class Counts(StructSchema):
    active = Integer()
    total = Integer()


class Summary(StructSchema):
    hosts = Struct(Counts)
    storage_domains = Struct(Counts)
    users = Struct(Counts)
    vms = Struct(Counts)


class SpecialObjects(StructSchema):
    blank_template = Ref("templates")
    root_tag = Ref("tags")


class Api(StructSchema):
    """The API root, ``GET /ovirt-engine/api``."""

    type_name = "api"

    product_info = Struct(ProductInfo)
    special_objects = Struct(SpecialObjects)
    summary = Struct(Summary)
    time = DateTime()
    authenticated_user = Ref("users")
    effective_user = Ref("users")
    link = fields.List(fields.Dict())
