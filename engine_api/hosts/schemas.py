"""Schemas of hosts and their network interfaces."""
from __future__ import annotations

from typing import Any

from engine_api.types import enums
from engine_api.types.base import StructSchema, TypeSchema
from engine_api.types.common import Mac, Named, Topology
from engine_api.types.fields import (
    API_PREFIX,
    Enum,
    Inline,
    Integer,
    Ref,
    String,
)


class HostCpu(StructSchema):
    name = String(attribute="cpu_name", dump_only=True)
    speed = Integer(attribute="cpu_speed", dump_only=True)
    topology = Inline(Topology, dump_only=True)


class Spm(StructSchema):
    status = Enum(enums.SPM_STATUS, attribute="spm_status", dump_only=True)


class Host(Named):
    type_name, plural, collection = "host", "hosts", "hosts"
    links = (("nics", "nics", "host_nic"), ("statistics", "statistics", "statistic"))
    rendered_defaults = {
        "power_management": {"automatic_pm_enabled": "true", "enabled": "false", "kdump_detection": "true"},
        "os": {"custom_kernel_cmdline": ""},
    }
    actions = ("activate", "deactivate", "upgradecheck")

    address = String()
    port = Integer()
    root_password = String(load_only=True)
    cluster = Ref("clusters", attribute="cluster_id")
    status = Enum(enums.HOST_STATUS, dump_only=True)
    type = Enum(enums.HOST_TYPE, dump_only=True)
    memory = Integer(dump_only=True)
    cpu = Inline(HostCpu, dump_only=True)
    spm = Inline(Spm, dump_only=True)


class Ip(StructSchema):
    address = String(attribute="ip_address")


class HostNic(TypeSchema):
    type_name, plural, collection = "host_nic", "host_nics", "nics"

    name = String(dump_only=True)
    mac = Inline(Mac, dump_only=True)
    ip = Inline(Ip, dump_only=True)
    speed = Integer(dump_only=True)
    mtu = Integer(dump_only=True)
    status = Enum(enums.NIC_STATUS, dump_only=True)
    host = Ref("hosts", attribute="host_id", dump_only=True)
    network = Ref("networks", attribute="network_id", dump_only=True)

    @classmethod
    def href(cls, obj: Any) -> str:
        return f"{API_PREFIX}/hosts/{obj.host_id}/nics/{obj.id}"
