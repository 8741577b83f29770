"""Schemas of data centers and clusters."""
from __future__ import annotations

from engine_api.types import enums
from engine_api.types.base import StructSchema
from engine_api.types.common import Named, Version
from engine_api.types.fields import (
    Boolean,
    Enum,
    Inline,
    Integer,
    Ref,
    String,
)


class DataCenter(Named):
    type_name, plural, collection = "data_center", "data_centers", "datacenters"
    links = (
        ("clusters", "clusters", "cluster"),
        ("networks", "networks", "network"),
        ("storagedomains", "storage_domains", "storage_domain"),
    )

    local = Boolean()
    status = Enum(enums.DATA_CENTER_STATUS, dump_only=True)
    storage_format = Enum(enums.STORAGE_FORMAT)
    version = Inline(Version)
    quota_mode = Enum(enums.QUOTA_MODE)


class ClusterCpu(StructSchema):
    type = String(attribute="cpu_type")
    architecture = Enum(enums.ARCHITECTURE, attribute="cpu_architecture")


class OverCommit(StructSchema):
    percent = Integer(attribute="memory_over_commit")


class ClusterMemoryPolicy(StructSchema):
    over_commit = Inline(OverCommit)


class Cluster(Named):
    type_name, plural, collection = "cluster", "clusters", "clusters"
    links = (("networks", "networks", "network"),)

    data_center = Ref("datacenters", attribute="data_center_id")
    cpu = Inline(ClusterCpu)
    version = Inline(Version)
    memory_policy = Inline(ClusterMemoryPolicy)
    ballooning_enabled = Boolean()
