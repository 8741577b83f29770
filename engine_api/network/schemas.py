"""Schemas of networks and vNIC profiles."""
from __future__ import annotations

from engine_api.types import enums
from engine_api.types.base import StructSchema
from engine_api.types.common import Named
from engine_api.types.fields import (
    Boolean,
    Enum,
    Inline,
    Integer,
    Ref,
    WrappedList,
)


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
