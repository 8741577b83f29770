"""Hosts: installing one, activating and deactivating it, checking for upgrades, removing it."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from engine_api import models as m
from engine_api.faults import BadRequest, Conflict, cannot
from engine_api.network.macs import format_mac
from engine_api.network.service import MANAGEMENT_NETWORK
from engine_api.services import transitions
from engine_api.services.context import RequestContext
from engine_api.services.crud import (
    name_already_used,
    rename_checked,
    require,
    unique_name,
)
from engine_api.system import events, jobs
from engine_api.system.events import acting_user
from engine_api.types import API_PREFIX
from engine_api.vms import lifecycle
from engine_api.vms.lifecycle import RUNNING_STATES


def _address_not_used(ctx: RequestContext, address: str, action: str, exclude_id: Optional[str] = None) -> None:
    """``ACTION_TYPE_FAILED_VDS_WITH_SAME_HOST_EXIST``: no two hosts have one address."""
    stmt = select(m.Host.id).where(m.Host.address == address)
    if exclude_id is not None:
        stmt = stmt.where(m.Host.id != exclude_id)
    if ctx.session.scalars(stmt.limit(1)).first() is not None:
        raise Conflict(f"[Cannot {action} Host. Host with the same address already exists.]")


def update_host(ctx: RequestContext, host: m.Host, data: dict[str, Any]) -> m.Host:
    if data.get("address") and data["address"] != host.address:
        _address_not_used(ctx, data["address"], "edit", exclude_id=host.id)
    return rename_checked(ctx, host, data, name_already_used("edit", "Host"))


def add_host(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.Host:
    data.pop("root_password", None)
    if not data.get("cluster_id"):
        default = ctx.session.scalars(select(m.Cluster).where(m.Cluster.name == "Default")).first()
        if default is None:
            raise BadRequest("Host [cluster] required for add", reason="Incomplete parameters")
        data["cluster_id"] = default.id
    require(data, "Host", "name", "address")
    unique_name(ctx, m.Host, data["name"], name_already_used("add", "Host"))
    _address_not_used(ctx, data["address"], "add")
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


def lock_host(session: Any, host_id: str) -> None:
    session.execute(select(m.Host.id).where(m.Host.id == host_id).with_for_update())


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
    elif step == "maintenance" and host.status == "preparing_for_maintenance" and _vms_on(ctx, host):
        checks = int(payload.get("checks", 0)) + 1
        if checks >= MAINTENANCE_CHECKS:
            events.record_event(ctx, _MAINTENANCE_FAILED, f"Failed to switch Host {host.name} to Maintenance mode.",
                                host_id=host.id, cluster_id=host.cluster_id, severity="error",
                                correlation_id=correlation_id)
            jobs.end_job(ctx, job_id, "failed")
        else:  # its VMs are still leaving, or now up to migrate: look again later
            try:
                _migrate_away(ctx, host, _vms_on(ctx, host))
            except _NowhereToGo:
                pass  # nowhere to go yet: another host may come up
            transitions.schedule(ctx, "host", host.id, "maintenance", job_id=job_id,
                                 payload={"checks": checks})
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
    lock_host(ctx.session, host.id)
    for row in transitions.pending(ctx.session, "host", host.id):
        jobs.end_job(ctx, row.job_id, "aborted")
    transitions.cancel(ctx, "host", host.id)


#: VM states a host's maintenance waits out: the VM is leaving the host, or will be up to migrate.
_AWAITED_STATES = ("migrating", "powering_down", "wait_for_launch", "powering_up", "reboot_in_progress")
#: How many times the move to maintenance looks again for VMs still on the host before it fails.
MAINTENANCE_CHECKS = 50
#: ``VDS_MAINTENANCE_FAILED``: the host stays preparing for maintenance.
_MAINTENANCE_FAILED = 17


def _vms_on(ctx: RequestContext, host: m.Host) -> list[m.Vm]:
    return list(ctx.session.scalars(
        select(m.Vm).where(m.Vm.host_id == host.id, m.Vm.status.in_(RUNNING_STATES)).order_by(m.Vm.name)))


class _NowhereToGo(Exception):
    """No other host of the cluster can take the VM named in the first argument."""


def _migrate_away(ctx: RequestContext, host: m.Host, vms: list[m.Vm]) -> None:
    """Migrate the VMs that can go now; :class:`_NowhereToGo` for the first that can go nowhere."""
    for vm in vms:
        if vm.status in lifecycle.MIGRATABLE_STATES:
            try:
                lifecycle.migrate_vm(ctx, vm, {"reason": f"Host {host.name} preparing for maintenance"})
            except Conflict:
                raise _NowhereToGo(vm.name) from None


def deactivate_host(ctx: RequestContext, host: m.Host, params: dict[str, Any]) -> dict[str, Any]:
    """Maintenance: up → preparing_for_maintenance → maintenance. As the engine does, the VMs that
    run on the host are migrated to other hosts of its cluster first, and the host goes to
    maintenance once none is left; refused when a VM can go nowhere or is in no state to go."""
    action = "switch Host to Maintenance mode"
    ctx.session.refresh(host, with_for_update=True)
    if host.status in ("maintenance", "preparing_for_maintenance"):
        raise cannot(action, "Host is already in Maintenance mode")
    if host.status in _BUSY_HOST_STATES:
        raise cannot(action, f"Host status is {host.status}")
    running = _vms_on(ctx, host)
    stuck = [vm.name for vm in running if vm.status not in (*lifecycle.MIGRATABLE_STATES, *_AWAITED_STATES)]
    if stuck:
        raise cannot(action, f"The following VMs cannot be migrated now: {', '.join(stuck)}")
    try:
        _migrate_away(ctx, host, running)
    except _NowhereToGo as nowhere:
        raise cannot(action, f"There is no other Host Up in the Cluster to migrate VM {nowhere.args[0]} to") \
            from None
    _host_pending(ctx, host)
    job = jobs.start_job(ctx, f"Moving Host {host.name} to Maintenance")
    host.status = "preparing_for_maintenance"
    events.record_event(ctx, 600, f"Host {host.name} was switched to Maintenance mode by "
                        f"{acting_user(ctx)}{_reason(params)}.", host_id=host.id,
                        cluster_id=host.cluster_id)
    if _vms_on(ctx, host):  # it goes to maintenance once its VMs have left
        transitions.schedule(ctx, "host", host.id, "maintenance", job_id=job.id, payload={"checks": 0})
    else:  # nothing to wait for: the engine moves it at once
        host_step(ctx, host.id, "maintenance", {"job_id": job.id, "correlation_id": ctx.params.correlation_id})
    return {"job": {"href": f"{API_PREFIX}/jobs/{job.id}", "id": job.id}}


def activate_host(ctx: RequestContext, host: m.Host, params: dict[str, Any]) -> dict[str, Any]:
    """Activation: maintenance (or another inactive state) → unassigned → up."""
    action = "activate Host"
    ctx.session.refresh(host, with_for_update=True)
    if host.status == "up":
        raise cannot(action, "Host in Up status")  # VDS_ALREADY_UP
    if host.status in _BUSY_HOST_STATES + ("unassigned",):
        raise cannot(action, f"Host status is {host.status}")
    _host_pending(ctx, host)
    job = jobs.start_job(ctx, f"Activating Host {host.name}")
    host.status = "unassigned"
    events.record_event(ctx, 16, f"Host {host.name} was activated by {acting_user(ctx)}.",
                        host_id=host.id, cluster_id=host.cluster_id)
    transitions.schedule(ctx, "host", host.id, "up", job_id=job.id)
    return {"job": {"href": f"{API_PREFIX}/jobs/{job.id}", "id": job.id}}


def _reason(params: dict[str, Any]) -> str:
    return f" (Reason: {params['reason']})" if params.get("reason") else ""


def remove_host(ctx: RequestContext, host: m.Host, parent_id: Optional[str] = None) -> None:
    if host.status not in ("maintenance", "install_failed", "non_responsive", "down", "installing"):
        raise cannot("remove Host", "Host is operational. Please switch Host to Maintenance mode first")
    transitions.cancel(ctx, "host", host.id)
    ctx.session.delete(host)
    events.record_event(ctx, 44, f"Host {host.name} was removed by {acting_user(ctx)}.",
                        cluster_id=host.cluster_id)
