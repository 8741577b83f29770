"""Schemas of the infrastructure types: data centers, clusters, hosts, storage, networks."""
from __future__ import annotations

from typing import Any

from engine_api.types import enums
from engine_api.types.base import StructSchema, TypeSchema
from engine_api.types.fields import API_PREFIX, Boolean, Enum, Inline, Integer, Ref, String, WrappedList


class Version(StructSchema):
    major = Integer(attribute="version_major")
    minor = Integer(attribute="version_minor")


class Named(TypeSchema):
    name = String()
    description = String()
    comment = String()


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


class Topology(StructSchema):
    sockets = Integer(attribute="cpu_sockets")
    cores = Integer(attribute="cpu_cores")
    threads = Integer(attribute="cpu_threads")


class HostCpu(StructSchema):
    name = String(attribute="cpu_name", dump_only=True)
    speed = Integer(attribute="cpu_speed", dump_only=True)
    topology = Inline(Topology, dump_only=True)


class Spm(StructSchema):
    status = Enum(enums.SPM_STATUS, attribute="spm_status", dump_only=True)


class Host(Named):
    type_name, plural, collection = "host", "hosts", "hosts"
    links = (("nics", "nics", "host_nic"),)
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


class Mac(StructSchema):
    address = String(attribute="mac")


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


class HostStorage(StructSchema):
    type = Enum(enums.STORAGE_TYPE, attribute="storage_type")
    address = String(attribute="storage_address")
    path = String(attribute="storage_path")


class StorageDomain(Named):
    type_name, plural, collection = "storage_domain", "storage_domains", "storagedomains"
    links = (("disks", "disks", "disk"),)

    type = Enum(enums.STORAGE_DOMAIN_TYPE)
    storage = Inline(HostStorage)
    storage_format = Enum(enums.STORAGE_FORMAT)
    status = Enum(enums.STORAGE_DOMAIN_STATUS, dump_only=True)
    external_status = Enum(enums.EXTERNAL_STATUS, dump_only=True)
    master = Boolean(dump_only=True)
    available = Integer(dump_only=True)
    used = Integer(dump_only=True)
    committed = Integer(dump_only=True)
    data_center = Ref("datacenters", attribute="data_center_id", dump_only=True)
    data_centers = WrappedList("data_center", Ref("datacenters"), attribute="data_center_ids", dump_only=True)
    host = Ref("hosts", attribute="host_id", load_only=True)


class Vlan(StructSchema):
    id = Integer(attribute="vlan_id")


class Network(Named):
    type_name, plural, collection = "network", "networks", "networks"
    links = (("vnicprofiles", "vnic_profiles", "vnic_profile"),)

    data_center = Ref("datacenters", attribute="data_center_id")
    vlan = Inline(Vlan)
    mtu = Integer()
    stp = Boolean()
    usages = WrappedList("usage", Enum(enums.NETWORK_USAGE), attribute="usages")
    status = Enum(enums.NETWORK_STATUS, dump_only=True)
    required = Boolean(dump_only=True)
    display = Boolean(dump_only=True)
    cluster = Ref("clusters", attribute="cluster_id", dump_only=True)


class PassThrough(StructSchema):
    mode = Enum(enums.PASS_THROUGH_MODE, attribute="pass_through")


class VnicProfile(Named):
    type_name, plural, collection = "vnic_profile", "vnic_profiles", "vnicprofiles"

    network = Ref("networks", attribute="network_id")
    pass_through = Inline(PassThrough)
    port_mirroring = Boolean()
