"""Data centers and clusters: adding one (with its management network), removing it."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from engine_api import models as m
from engine_api.faults import cannot
from engine_api.network.service import MANAGEMENT_NETWORK
from engine_api.services.context import RequestContext
from engine_api.services.crud import rename_checked, require, unique_name
from engine_api.system import events
from engine_api.system.events import acting_user


def data_center_name_in_use(action: str) -> str:
    """``ACTION_TYPE_FAILED_STORAGE_POOL_NAME_ALREADY_EXIST``."""
    return f"Cannot {action} Data Center. The Data Center name is already in use."


def cluster_name_in_use(action: str) -> str:
    """``CLUSTER_CANNOT_DO_ACTION_NAME_IN_USE``."""
    return f"Cannot {action} Cluster. Cluster name is already in use."


# -- data centers -------------------------------------------------------------------------

def add_data_center(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.DataCenter:
    require(data, "DataCenter", "name")
    unique_name(ctx, m.DataCenter, data["name"], data_center_name_in_use("add"))
    dc = m.DataCenter(**data)
    ctx.session.add(dc)
    ctx.session.flush()
    network = m.Network(name=MANAGEMENT_NETWORK, description="Management Network", data_center_id=dc.id, mtu=0,
                        usages=["management", "vm", "display", "migration", "default_route"])
    ctx.session.add(network)
    ctx.session.flush()
    ctx.session.add(m.VnicProfile(name=MANAGEMENT_NETWORK, network_id=network.id))
    events.record_event(ctx, 950, f"Data Center {dc.name} was added by {acting_user(ctx)}.",
                        data_center_id=dc.id)
    return dc


def remove_data_center(ctx: RequestContext, dc: m.DataCenter, parent_id: Optional[str] = None) -> None:
    in_use = ctx.session.scalars(select(m.Cluster.id).where(m.Cluster.data_center_id == dc.id).limit(1)).first()
    attached = ctx.session.scalars(
        select(m.StorageDomain.id).where(m.StorageDomain.data_center_id == dc.id).limit(1)
    ).first()
    if (in_use or attached) and not ctx.params.force:
        raise cannot("remove Data Center", "There are clusters or storage domains in the Data Center")
    for cluster in ctx.session.scalars(select(m.Cluster).where(m.Cluster.data_center_id == dc.id)):
        cluster.data_center_id = None
    for domain in ctx.session.scalars(select(m.StorageDomain).where(m.StorageDomain.data_center_id == dc.id)):
        domain.data_center_id, domain.master, domain.status = None, False, "unattached"
    for network in ctx.session.scalars(select(m.Network).where(m.Network.data_center_id == dc.id)):
        ctx.session.delete(network)
    ctx.session.flush()  # what refers to the data center first: no ORM relationship orders these writes
    ctx.session.delete(dc)
    events.record_event(ctx, 954, f"Data Center {dc.name} was removed by {acting_user(ctx)}")


def update_data_center(ctx: RequestContext, dc: m.DataCenter, data: dict[str, Any]) -> m.DataCenter:
    return rename_checked(ctx, dc, data, data_center_name_in_use("edit"))


# -- clusters -----------------------------------------------------------------------------

def update_cluster(ctx: RequestContext, cluster: m.Cluster, data: dict[str, Any]) -> m.Cluster:
    return rename_checked(ctx, cluster, data, cluster_name_in_use("edit"))


def add_cluster(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Cluster:
    if parent_id is not None:
        data["data_center_id"] = parent_id
    require(data, "Cluster", "name", "data_center_id")
    unique_name(ctx, m.Cluster, data["name"], cluster_name_in_use("add"))
    cluster = m.Cluster(**data)
    ctx.session.add(cluster)
    ctx.session.flush()
    management = ctx.session.scalars(
        select(m.Network).where(m.Network.data_center_id == cluster.data_center_id,
                                m.Network.name == MANAGEMENT_NETWORK)
    ).first()
    if management is not None:
        ctx.session.add(m.ClusterNetwork(cluster_id=cluster.id, network_id=management.id, display=True))
    events.record_event(ctx, 809, f"Cluster {cluster.name} was added by {acting_user(ctx)}.",
                        cluster_id=cluster.id, data_center_id=cluster.data_center_id)
    return cluster


def remove_cluster(ctx: RequestContext, cluster: m.Cluster, parent_id: Optional[str] = None) -> None:
    for model, label in ((m.Vm, "VMs"), (m.Host, "Hosts")):
        if ctx.session.scalars(select(model.id).where(model.cluster_id == cluster.id).limit(1)).first():
            raise cannot("remove Cluster", f"Cluster has {label} attached")
    ctx.session.delete(cluster)
    events.record_event(ctx, 813, f"Cluster {cluster.name} was removed by {acting_user(ctx)}",
                        data_center_id=cluster.data_center_id)
