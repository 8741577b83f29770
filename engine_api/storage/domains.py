"""Storage domains: adding one, attaching it to a data center and detaching it, removing it."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from engine_api import models as m
from engine_api.faults import BadRequest, cannot
from engine_api.services.context import RequestContext
from engine_api.services.crud import require, unique_name
from engine_api.system import events
from engine_api.system.events import acting_user


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
