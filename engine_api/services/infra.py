"""Data centers, clusters, hosts, storage domains, networks and vNIC profiles."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import delete, select

from engine_api import models as m
from engine_api import types as t
from engine_api.faults import BadRequest, cannot
from engine_api.services import events, jobs, transitions
from engine_api.services.context import RequestContext
from engine_api.services.crud import require, unique_name
from engine_api.services.events import acting_user
from engine_api.services.macs import format_mac
from engine_api.services.registry import REGISTRY, CollectionDef

MANAGEMENT_NETWORK = "ovirtmgmt"


# -- data centers ---------------------------------------------------------------------------

def add_data_center(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.DataCenter:
    require(data, "DataCenter", "name")
    unique_name(ctx, m.DataCenter, data["name"], "Data Center")
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


# -- clusters -------------------------------------------------------------------------------

def add_cluster(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Cluster:
    if parent_id is not None:
        data["data_center_id"] = parent_id
    require(data, "Cluster", "name", "data_center_id")
    unique_name(ctx, m.Cluster, data["name"], "Cluster")
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


# -- hosts ----------------------------------------------------------------------------------

def add_host(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Host:
    data.pop("root_password", None)
    if not data.get("cluster_id"):
        default = ctx.session.scalars(select(m.Cluster).where(m.Cluster.name == "Default")).first()
        if default is None:
            raise BadRequest("Host [cluster] required for add", reason="Incomplete parameters")
        data["cluster_id"] = default.id
    require(data, "Host", "name", "address")
    unique_name(ctx, m.Host, data["name"], "Host")
    host = m.Host(**data)
    host.status = "installing"
    ctx.session.add(host)
    ctx.session.flush()
    management = ctx.session.scalars(
        select(m.Network.id).join(m.ClusterNetwork, m.ClusterNetwork.network_id == m.Network.id)
        .where(m.ClusterNetwork.cluster_id == host.cluster_id, m.Network.name == MANAGEMENT_NETWORK)
    ).first()
    serial = int(host.id.replace("-", "")[:8], 16)
    for index in range(2):
        ctx.session.add(m.HostNic(
            host_id=host.id, name=f"eth{index}",
            mac=format_mac(0x001A4A000000 + ((serial * 2 + index) & 0xFFFFFF)),
            ip_address=host.address if index == 0 else None,
            network_id=management if index == 0 else None,
        ))
    events.record_event(ctx, 42, f"Host {host.name} was added by {acting_user(ctx)}.",
                        host_id=host.id, cluster_id=host.cluster_id)
    transitions.schedule(ctx, "host", host.id, "installed")
    return host


def _lock_host(session: Any, host_id: str) -> None:
    session.execute(select(m.Host.id).where(m.Host.id == host_id).with_for_update())


@transitions.step_handler("host", lock=_lock_host)
def host_step(ctx: RequestContext, host_id: str, step: str, payload: dict[str, Any]) -> None:
    job_id = payload.get("job_id")
    correlation_id = payload.get("correlation_id")
    host = ctx.session.get(m.Host, host_id)
    if host is None:
        jobs.end_job(ctx, job_id, "aborted")
        return
    if step == "installed" and host.status == "installing":
        host.status = "initializing"
        events.record_event(ctx, 507, f"Host {host.name} installation finished.", host_id=host.id,
                            cluster_id=host.cluster_id, correlation_id=correlation_id)
        transitions.schedule(ctx, "host", host.id, "up", payload={"correlation_id": correlation_id}
                             if correlation_id else None)
    elif step == "up" and host.status in ("initializing", "unassigned"):
        host.status = "up"
        events.record_event(ctx, 13, f"Status of host {host.name} was set to Up.", host_id=host.id,
                            cluster_id=host.cluster_id, correlation_id=correlation_id)
        jobs.end_job(ctx, job_id)
    elif step == "maintenance" and host.status == "preparing_for_maintenance":
        host.status = "maintenance"
        events.record_event(ctx, 15, f"Host {host.name} was switched to Maintenance Mode.", host_id=host.id,
                            cluster_id=host.cluster_id, correlation_id=correlation_id)
        jobs.end_job(ctx, job_id)
    elif step == "upgrade_checked":
        events.record_event(ctx, 885, f"Check for available updates on host {host.name} was completed "
                            f"successfully with message 'no updates found.'.", host_id=host.id,
                            cluster_id=host.cluster_id, correlation_id=correlation_id)
        jobs.end_job(ctx, job_id)
    else:
        jobs.end_job(ctx, job_id, "aborted")


#: Host states in which the engine checks a host for package updates.
_UPGRADE_CHECK_STATES = ("up", "maintenance", "non_operational")


def check_host_upgrade(ctx: RequestContext, host: m.Host, params: dict[str, Any]) -> None:
    """The engine's check for package updates of a host (``upgradecheck``), asynchronous: it
    starts (event 884) and, a transition later, finds that no update is available (event 885);
    a host in another state is skipped (event 887)."""
    if host.status not in _UPGRADE_CHECK_STATES:
        events.record_event(ctx, 887, f"Failed to check for available updates on host {host.name}: the host "
                            f"status is {host.status}.", severity="warning", host_id=host.id,
                            cluster_id=host.cluster_id)
        return
    events.record_event(ctx, 884, f"Started to check for available updates on host {host.name}.",
                        host_id=host.id, cluster_id=host.cluster_id)
    job = jobs.start_job(ctx, f"Checking for available updates on host {host.name}")
    transitions.schedule(ctx, "host", host.id, "upgrade_checked", job_id=job.id)


#: Host states from which ``deactivate`` and ``activate`` are refused.
_BUSY_HOST_STATES = ("installing", "installing_os", "initializing", "connecting", "reboot", "kdumping",
                     "pending_approval")


def _host_pending(ctx: RequestContext, host: m.Host) -> None:
    """End the host's pending steps (their jobs aborted), under the host's row lock."""
    _lock_host(ctx.session, host.id)
    for row in transitions.pending(ctx.session, "host", host.id):
        jobs.end_job(ctx, row.job_id, "aborted")
    transitions.cancel(ctx, "host", host.id)


def deactivate_host(ctx: RequestContext, host: m.Host, params: dict[str, Any]) -> dict[str, Any]:
    """Maintenance: up → preparing_for_maintenance → maintenance; refused while VMs run on it."""
    from engine_api.services.lifecycle import RUNNING_STATES

    action = "switch Host to Maintenance mode"
    ctx.session.refresh(host, with_for_update=True)
    if host.status in ("maintenance", "preparing_for_maintenance"):
        raise cannot(action, "Host is already in Maintenance mode")
    if host.status in _BUSY_HOST_STATES:
        raise cannot(action, f"Host status is {host.status}")
    running = list(ctx.session.scalars(
        select(m.Vm.name).where(m.Vm.host_id == host.id, m.Vm.status.in_(RUNNING_STATES)).order_by(m.Vm.name)
    ))
    if running:
        raise cannot(action, f"The following VMs are running on the Host: {', '.join(running)}")
    _host_pending(ctx, host)
    job = jobs.start_job(ctx, f"Moving Host {host.name} to Maintenance")
    host.status = "preparing_for_maintenance"
    events.record_event(ctx, 600, f"Host {host.name} was switched to Maintenance mode by "
                        f"{acting_user(ctx)}{_reason(params)}.", host_id=host.id,
                        cluster_id=host.cluster_id)
    transitions.schedule(ctx, "host", host.id, "maintenance", job_id=job.id)
    return {"job": {"href": f"{t.API_PREFIX}/jobs/{job.id}", "id": job.id}}


def activate_host(ctx: RequestContext, host: m.Host, params: dict[str, Any]) -> dict[str, Any]:
    """Activation: maintenance (or another inactive state) → unassigned → up."""
    action = "activate Host"
    ctx.session.refresh(host, with_for_update=True)
    if host.status == "up":
        raise cannot(action, "Host is already Up")
    if host.status in _BUSY_HOST_STATES + ("unassigned",):
        raise cannot(action, f"Host status is {host.status}")
    _host_pending(ctx, host)
    job = jobs.start_job(ctx, f"Activating Host {host.name}")
    host.status = "unassigned"
    events.record_event(ctx, 16, f"Host {host.name} was activated by {acting_user(ctx)}.",
                        host_id=host.id, cluster_id=host.cluster_id)
    transitions.schedule(ctx, "host", host.id, "up", job_id=job.id)
    return {"job": {"href": f"{t.API_PREFIX}/jobs/{job.id}", "id": job.id}}


def _reason(params: dict[str, Any]) -> str:
    return f" (Reason: {params['reason']})" if params.get("reason") else ""


def remove_host(ctx: RequestContext, host: m.Host, parent_id: Optional[str] = None) -> None:
    if host.status not in ("maintenance", "install_failed", "non_responsive", "down", "installing"):
        raise cannot("remove Host", "Host must be in Maintenance mode first")
    transitions.cancel(ctx, "host", host.id)
    ctx.session.delete(host)
    events.record_event(ctx, 44, f"Host {host.name} was removed by {acting_user(ctx)}.",
                        cluster_id=host.cluster_id)


# -- storage domains ------------------------------------------------------------------------

def add_storage_domain(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.StorageDomain:
    require(data, "StorageDomain", "name", "type", "storage_type", "host_id")
    unique_name(ctx, m.StorageDomain, data["name"], "Storage Domain")
    if data.get("storage_type") in ("nfs", "glusterfs", "posixfs", "localfs") and not data.get("storage_path"):
        raise BadRequest("StorageDomain [storage.path] required for add", reason="Incomplete parameters")
    domain = m.StorageDomain(**data)
    domain.status = "unattached"
    ctx.session.add(domain)
    ctx.session.flush()
    events.record_event(ctx, 956, f"Storage Domain {domain.name} was added by {acting_user(ctx)}.",
                        storage_domain_id=domain.id)
    return domain


def attach_storage_domain(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.StorageDomain:
    """``POST /datacenters/{id}/storagedomains`` with an existing storage domain."""
    domain = ctx.session.get(m.StorageDomain, data["_ref"])
    if domain.data_center_id and domain.data_center_id != parent_id:
        raise cannot("attach Storage Domain", "Storage Domain is already attached to another Data Center")
    dc = ctx.session.get(m.DataCenter, parent_id)
    has_master = ctx.session.scalars(
        select(m.StorageDomain.id).where(m.StorageDomain.data_center_id == parent_id,
                                         m.StorageDomain.master.is_(True)).limit(1)
    ).first()
    domain.data_center_id = parent_id
    domain.master = domain.type == "data" and not has_master
    domain.status = "active"
    if dc is not None and dc.status == "uninitialized" and domain.type == "data":
        dc.status = "up"
    events.record_event(ctx, 962, f"Storage Domain {domain.name} was attached to Data Center "
                        f"{dc.name if dc else parent_id} by {acting_user(ctx)}.",
                        storage_domain_id=domain.id, data_center_id=parent_id)
    return domain


def detach_storage_domain(ctx: RequestContext, domain: m.StorageDomain, parent_id: Optional[str] = None) -> None:
    if ctx.session.scalars(select(m.Disk.id).where(m.Disk.storage_domain_id == domain.id).limit(1)).first() \
            and domain.master:
        raise cannot("detach Storage Domain", "The master storage domain still holds disks")
    dc = ctx.session.get(m.DataCenter, domain.data_center_id) if domain.data_center_id else None
    domain.data_center_id = None
    domain.master = False
    domain.status = "unattached"
    events.record_event(ctx, 964, f"Storage Domain {domain.name} was detached from Data Center "
                        f"{dc.name if dc else parent_id} by {acting_user(ctx)}",
                        storage_domain_id=domain.id, data_center_id=parent_id)


def remove_storage_domain(ctx: RequestContext, domain: m.StorageDomain, parent_id: Optional[str] = None) -> None:
    if domain.data_center_id is not None:
        raise cannot("remove Storage Domain", "Storage Domain is attached to a Data Center; detach it first")
    ctx.session.delete(domain)
    events.record_event(ctx, 960, f"Storage Domain {domain.name} was removed by {acting_user(ctx)}")


# -- networks and profiles ------------------------------------------------------------------

def add_network(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Network:
    if parent_id is not None:
        data["data_center_id"] = parent_id
    require(data, "Network", "name", "data_center_id")
    unique_name(ctx, m.Network, data["name"], "Network", data_center_id=data["data_center_id"])
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


def add_vnic_profile(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.VnicProfile:
    if parent_id is not None:
        data["network_id"] = parent_id
    require(data, "VnicProfile", "name", "network_id")
    unique_name(ctx, m.VnicProfile, data["name"], "VNIC Profile", network_id=data["network_id"])
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


# -- the collections ------------------------------------------------------------------------

DATA_CENTERS = REGISTRY.add(CollectionDef(
    "datacenters", t.DataCenter, m.DataCenter, "DataCenter",
    add=add_data_center, remove=remove_data_center))
CLUSTERS = REGISTRY.add(CollectionDef(
    "clusters", t.Cluster, m.Cluster, "Cluster", add=add_cluster, remove=remove_cluster))
HOSTS = REGISTRY.add(CollectionDef(
    "hosts", t.Host, m.Host, "Host", add=add_host, remove=remove_host,
    actions={"activate": activate_host, "deactivate": deactivate_host, "upgradecheck": check_host_upgrade}))
STORAGE_DOMAINS = REGISTRY.add(CollectionDef(
    "storagedomains", t.StorageDomain, m.StorageDomain, "StorageDomain",
    add=add_storage_domain, remove=remove_storage_domain))
NETWORKS = REGISTRY.add(CollectionDef(
    "networks", t.Network, m.Network, "Network", add=add_network, remove=remove_network))
VNIC_PROFILES = REGISTRY.add(CollectionDef(
    "vnicprofiles", t.VnicProfile, m.VnicProfile, "VnicProfile",
    add=add_vnic_profile, remove=remove_vnic_profile))

REGISTRY.add(CollectionDef(
    "clusters", t.Cluster, m.Cluster, "Cluster", parent=DATA_CENTERS, parent_key="data_center_id",
    add=add_cluster, remove=remove_cluster))
REGISTRY.add(CollectionDef(
    "networks", t.Network, m.Network, "Network", parent=DATA_CENTERS, parent_key="data_center_id",
    add=add_network, remove=remove_network))
REGISTRY.add(CollectionDef(
    "storagedomains", t.StorageDomain, m.StorageDomain, "StorageDomain", parent=DATA_CENTERS,
    parent_key="data_center_id", add=attach_storage_domain, remove=detach_storage_domain, attach=True))
REGISTRY.add(CollectionDef(
    "networks", t.Network, m.Network, "Network", parent=CLUSTERS,
    list_query=cluster_networks_query, add=attach_cluster_network, remove=detach_cluster_network, attach=True))
REGISTRY.add(CollectionDef(
    "nics", t.HostNic, m.HostNic, "HostNic", parent=HOSTS, parent_key="host_id", read_only=True,
    removable=False))
REGISTRY.add(CollectionDef(
    "vnicprofiles", t.VnicProfile, m.VnicProfile, "VnicProfile", parent=NETWORKS, parent_key="network_id",
    add=add_vnic_profile, remove=remove_vnic_profile))
