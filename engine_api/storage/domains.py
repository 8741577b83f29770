"""Storage domains: adding one, attaching it to a data center, deactivating and activating it there,
detaching it, removing it."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from engine_api import models as m
from engine_api.faults import BadRequest, Conflict, cannot
from engine_api.services import transitions
from engine_api.services.context import RequestContext
from engine_api.services.crud import rename_checked, require, unique_name
from engine_api.system import events, jobs
from engine_api.system.events import acting_user


def storage_domain_name_in_use(action: str) -> str:
    """``ACTION_TYPE_FAILED_STORAGE_DOMAIN_NAME_ALREADY_EXIST`` (``$type Storage``)."""
    return f"Cannot {action} Storage. The Storage Domain name is already in use."


def update_storage_domain(ctx: RequestContext, domain: m.StorageDomain, data: dict[str, Any]) -> m.StorageDomain:
    return rename_checked(ctx, domain, data, storage_domain_name_in_use("edit"))


def add_storage_domain(ctx: RequestContext, data: dict[str, Any], parent_id: Optional[str]) -> m.StorageDomain:
    require(data, "StorageDomain", "name", "type", "storage_type", "host_id")
    unique_name(ctx, m.StorageDomain, data["name"], storage_domain_name_in_use("add"))
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
    if domain.data_center_id == parent_id:  # the engine attaches only an unattached domain
        status = (domain.status or "unattached").replace("_", " ").title().replace(" ", "")
        raise cannot("attach Storage", f"The relevant Storage Domain's status is {status}")
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


#: Statuses of a domain an operation is under way in (``StorageDomainStatus.isStorageDomainInProcess``).
_IN_PROCESS = ("locked", "preparing_for_maintenance", "detaching", "activating")


def detach_storage_domain(ctx: RequestContext, domain: m.StorageDomain, parent_id: Optional[str] = None) -> None:
    """Detaching a domain from its data center: only in maintenance (``checkStorageDomainStatus``)."""
    if domain.status in _IN_PROCESS:
        raise Conflict("[Cannot detach Storage. Related operation is currently in progress. Please try again later.]")
    if domain.status != "maintenance":
        raise Conflict(f"[Cannot detach Storage. The relevant Storage Domain's status is {_status_phrase(domain)}.]")
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


#: The statuses a user may deactivate a domain from (the engine's monitored statuses).
_DEACTIVATABLE = ("active", "unknown", "inactive")
#: VM states that keep a domain in use: every state but down.
_IDLE_VM = ("down",)


def _status_phrase(domain: m.StorageDomain) -> str:
    return (domain.status or "unattached").replace("_", " ").title().replace(" ", "")


def deactivate_storage_domain(ctx: RequestContext, domain: m.StorageDomain, params: dict[str, Any]) -> dict[str, Any]:
    """Maintenance of an attached domain: active → preparing_for_maintenance → maintenance. A master
    domain hands the master role to another active data domain; the last one takes its data center
    into maintenance with it."""
    action = "deactivate Storage Domain"
    if domain.status not in _DEACTIVATABLE:
        raise cannot(action, f"The relevant Storage Domain's status is {_status_phrase(domain)}")
    others = list(ctx.session.scalars(select(m.StorageDomain).where(
        m.StorageDomain.data_center_id == domain.data_center_id, m.StorageDomain.id != domain.id)))
    if domain.master:
        active = [d for d in others if d.status == "active"]
        if active and not [d for d in active if d.type == "data"]:
            raise cannot(action, "Cannot deactivate Master Storage Domain while there are other active domains "
                                 "that are not Data domains")
        if [d for d in others if d.status in ("locked", "preparing_for_maintenance")]:
            raise cannot(action, "Cannot deactivate Master Storage Domain while there are locked domains")
    in_use = ctx.session.scalars(
        select(m.Vm.name).join(m.DiskAttachment, m.DiskAttachment.vm_id == m.Vm.id)
        .join(m.Disk, m.Disk.id == m.DiskAttachment.disk_id)
        .where(m.Disk.storage_domain_id == domain.id, m.Vm.status.not_in(_IDLE_VM)).limit(1)).first()
    if in_use:
        raise cannot(action, "Active VMs were detected.\n-Please ensure all VMs associated with this Storage "
                             "Domain are stopped and try again")
    domain.status = "preparing_for_maintenance"
    job = jobs.start_job(ctx, f"Deactivating Storage Domain {domain.name}")
    transitions.schedule(ctx, "storage-domain", domain.id, "maintenance", job_id=job.id,
                         payload={"by": acting_user(ctx)})
    return {}


def activate_storage_domain(ctx: RequestContext, domain: m.StorageDomain, params: dict[str, Any]) -> dict[str, Any]:
    """Activation of a domain in maintenance (or inactive): it is active again, the master when its
    data center has none."""
    if domain.status not in ("maintenance", "inactive", "unknown"):
        raise cannot("activate Storage Domain", f"The relevant Storage Domain's status is {_status_phrase(domain)}")
    has_master = ctx.session.scalars(select(m.StorageDomain.id).where(
        m.StorageDomain.data_center_id == domain.data_center_id, m.StorageDomain.master.is_(True),
        m.StorageDomain.status == "active").limit(1)).first()
    domain.status = "active"
    if domain.type == "data" and not has_master:
        domain.master = True
    dc = ctx.session.get(m.DataCenter, domain.data_center_id) if domain.data_center_id else None
    if dc is not None and dc.status == "maintenance":
        dc.status = "up"
    events.record_event(ctx, 966, f"Storage Domain {domain.name} (Data Center {dc.name if dc else ''}) was "
                        f"activated by {acting_user(ctx)}", storage_domain_id=domain.id,
                        data_center_id=domain.data_center_id)
    return {}


def storage_domain_step(ctx: RequestContext, domain_id: str, step: str, payload: dict[str, Any]) -> None:
    domain = ctx.session.get(m.StorageDomain, domain_id)
    if step == "maintenance" and domain is not None and domain.status == "preparing_for_maintenance":
        domain.status = "maintenance"
        dc = ctx.session.get(m.DataCenter, domain.data_center_id) if domain.data_center_id else None
        if domain.master:
            domain.master = False
            successor = ctx.session.scalars(select(m.StorageDomain).where(
                m.StorageDomain.data_center_id == domain.data_center_id, m.StorageDomain.id != domain.id,
                m.StorageDomain.type == "data", m.StorageDomain.status == "active")
                .order_by(m.StorageDomain.name)).first()
            if successor is not None:
                successor.master = True
            elif dc is not None:
                dc.status = "maintenance"
        events.record_event(ctx, 968, f"Storage Domain {domain.name} (Data Center {dc.name if dc else ''}) was "
                            f"deactivated by {payload.get('by', 'admin@internal-authz')} and has moved to "
                            f"Maintenance.", storage_domain_id=domain.id, data_center_id=domain.data_center_id,
                            correlation_id=payload.get("correlation_id"))
    jobs.end_job(ctx, payload.get("job_id"))
