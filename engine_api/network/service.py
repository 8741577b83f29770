"""Networks of a data center, their attachment to clusters, and vNIC profiles."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import delete, select

from engine_api import models as m
from engine_api.faults import cannot
from engine_api.services.context import RequestContext
from engine_api.services.crud import require, unique_name
from engine_api.system import events
from engine_api.system.events import acting_user

MANAGEMENT_NETWORK = "ovirtmgmt"
VNIC_PROFILE_NAME_IN_USE = (
    "Cannot add VM network interface profile. The VM network interface profile's name is already used by an "
    "existing profile for the same network.\n-Please choose a different name.")


def network_name_in_use(action: str, name: str) -> str:
    """``ACTION_TYPE_FAILED_NETWORK_NAME_IN_USE``."""
    return (f"Cannot {action} Network. The name of the logical network '{name}' is already used by an existing "
            "logical network in the same data-center.\n-Please choose a different name.")


# -- networks -----------------------------------------------------------------------------

def add_network(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Network:
    if parent_id is not None:
        data["data_center_id"] = parent_id
    require(data, "Network", "name", "data_center_id")
    unique_name(ctx, m.Network, data["name"], network_name_in_use("add", data["name"]),
                data_center_id=data["data_center_id"])
    network = m.Network(**data)
    ctx.session.add(network)
    ctx.session.flush()
    if "vm" in (network.usages or []):
        ctx.session.add(m.VnicProfile(name=network.name, network_id=network.id))
    dc = ctx.session.get(m.DataCenter, network.data_center_id)
    events.record_event(ctx, 942, f"Network {network.name} was added to Data Center: {dc.name if dc else ''}",
                        data_center_id=network.data_center_id)
    return network


def cluster_networks_query(ctx: RequestContext, cluster_id: Optional[str]) -> Any:
    return (
        select(m.Network)
        .join(m.ClusterNetwork, m.ClusterNetwork.network_id == m.Network.id)
        .where(m.ClusterNetwork.cluster_id == cluster_id)
    )


def attach_cluster_network(ctx: RequestContext, data: dict[str, Any], cluster_id: Optional[str]) -> m.Network:
    network_id = data["_ref"]
    network = ctx.session.get(m.Network, network_id)
    cluster = ctx.session.get(m.Cluster, cluster_id)
    if network is None or cluster is None or network.data_center_id != cluster.data_center_id:
        raise cannot("attach Network", "The network does not belong to the cluster's Data Center")
    existing = ctx.session.scalars(
        select(m.ClusterNetwork).where(m.ClusterNetwork.cluster_id == cluster_id,
                                       m.ClusterNetwork.network_id == network_id)
    ).first()
    if existing is not None:
        raise cannot("attach Network", "The network is already attached to the cluster")
    ctx.session.add(m.ClusterNetwork(cluster_id=cluster_id, network_id=network_id,
                                     required=data.get("required", True)))
    events.record_event(ctx, 946, f"Network {network.name} attached to Cluster {cluster.name}",
                        cluster_id=cluster.id, data_center_id=cluster.data_center_id)
    return network


def detach_cluster_network(ctx: RequestContext, network: m.Network, parent_id: Optional[str] = None) -> None:
    if network.name == MANAGEMENT_NETWORK:
        raise cannot("detach Network", "The management network cannot be detached from the cluster")
    ctx.session.execute(delete(m.ClusterNetwork).where(m.ClusterNetwork.cluster_id == parent_id,
                                                       m.ClusterNetwork.network_id == network.id))
    cluster = ctx.session.get(m.Cluster, parent_id)
    events.record_event(ctx, 948, f"Network {network.name} detached from Cluster {cluster.name if cluster else ''}",
                        cluster_id=parent_id, data_center_id=network.data_center_id)


def remove_network(ctx: RequestContext, network: m.Network, parent_id: Optional[str] = None) -> None:
    if network.name == MANAGEMENT_NETWORK:
        raise cannot("remove Network", "The management network cannot be removed")
    used = ctx.session.scalars(
        select(m.Nic.id).join(m.VnicProfile, m.VnicProfile.id == m.Nic.vnic_profile_id)
        .where(m.VnicProfile.network_id == network.id).limit(1)
    ).first()
    if used:
        raise cannot("remove Network", "The network is in use by VM NICs")
    dc = ctx.session.get(m.DataCenter, network.data_center_id) if network.data_center_id else None
    ctx.session.delete(network)
    events.record_event(ctx, 944, f"Network {network.name} was removed from Data Center: {dc.name if dc else ''}",
                        data_center_id=network.data_center_id)


# -- vNIC profiles ------------------------------------------------------------------------

def add_vnic_profile(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.VnicProfile:
    if parent_id is not None:
        data["network_id"] = parent_id
    require(data, "VnicProfile", "name", "network_id")
    unique_name(ctx, m.VnicProfile, data["name"], VNIC_PROFILE_NAME_IN_USE, network_id=data["network_id"])
    profile = m.VnicProfile(**data)
    ctx.session.add(profile)
    network = ctx.session.get(m.Network, profile.network_id)
    dc = ctx.session.get(m.DataCenter, network.data_center_id) if network and network.data_center_id else None
    events.record_event(ctx, 1122, f"VM network interface profile {profile.name} was added to network "
                        f"{network.name if network else ''} in Data Center: {dc.name if dc else ''}. "
                        f"(User: {acting_user(ctx)})", data_center_id=dc.id if dc else None)
    return profile


def remove_vnic_profile(ctx: RequestContext, profile: m.VnicProfile, parent_id: Optional[str] = None) -> None:
    if ctx.session.scalars(select(m.Nic.id).where(m.Nic.vnic_profile_id == profile.id).limit(1)).first():
        raise cannot("remove VNIC Profile", "The profile is in use by VM NICs")
    network = ctx.session.get(m.Network, profile.network_id)
    dc = ctx.session.get(m.DataCenter, network.data_center_id) if network and network.data_center_id else None
    ctx.session.delete(profile)
    events.record_event(ctx, 1126, f"VM network interface profile {profile.name} was removed from network "
                        f"{network.name if network else ''} in Data Center: {dc.name if dc else ''}. "
                        f"(User: {acting_user(ctx)})", data_center_id=dc.id if dc else None)
