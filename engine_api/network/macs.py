"""MAC addresses of vNICs, allocated from and checked against the cluster's MAC pool.

A NIC of a VM is registered under its pool (``nics.mac_pool_id``) unless the pool allows
duplicates, and the database keeps a MAC unique per pool (:data:`MAC_IN_USE_CONSTRAINT`).
Allocating or checking a MAC holds the pool's row lock until the transaction ends
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the writer's ``BEGIN IMMEDIATE`` already
serialises), so two requests never take the same MAC.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine_api.faults import Conflict, InvalidValue, cannot
from engine_api.models import MAC_IN_USE_CONSTRAINT, Cluster, MacPool, Nic, Vm
from engine_api.services.context import RequestContext
from engine_api.types import API_PREFIX

DEFAULT_RANGE = (0x566F_1A2B_0000, 0x566F_1A2B_FFFF)
MAC_IN_USE = "MAC Address is already in use"


def format_mac(value: int) -> str:
    return ":".join(f"{(value >> shift) & 0xFF:02x}" for shift in range(40, -8, -8))


def parse_mac(text: str) -> int:
    parts = text.strip().lower().split(":")
    if len(parts) != 6 or not all(len(p) == 2 for p in parts):
        raise ValueError(text)
    return int("".join(parts), 16)


def normalized_mac(mac: str) -> str:
    """``mac`` written as the engine writes MACs (lower case); 400 when it is not a MAC."""
    try:
        return format_mac(parse_mac(mac))
    except ValueError:
        raise InvalidValue(f"Invalid MAC address '{mac}'") from None


# -- pools ----------------------------------------------------------------------------------------

def record_pool(session: Session, pool: MacPool) -> None:
    """Store the pool's document in ``/macpools``, as the engine lists its MAC pools."""
    from engine_api.documents.recorder import Recorder
    from engine_api.generic.values import read_struct
    from engine_api.model import load

    model = load()
    href = f"{API_PREFIX}/macpools/{pool.id}"
    attributes = {"name": pool.name, "description": pool.description, "comment": pool.comment,
                  "allow_duplicates": "true" if pool.allow_duplicates else "false",
                  "default_pool": "true" if pool.default_pool else "false",
                  "ranges": {"range": [{"from": format_mac(pool.range_from), "to": format_mac(pool.range_to)}]}}
    data: dict[str, Any] = {"href": href, "id": pool.id}
    data.update(read_struct("MacPool", {k: v for k, v in attributes.items() if v is not None}, "mac_pool"))
    service = model.resolve(f"macpools/{pool.id}")
    actions = model.action_paths(service.name)
    if actions:
        data["actions"] = {"link": [{"href": f"{href}/{segment}", "rel": segment} for segment in actions]}
    rels = model.located_links("MacPool", service.name)
    if rels:
        data["link"] = [{"href": f"{href}/{rel}", "rel": rel} for rel in rels]
    Recorder.of(session).put(session, "macpools", href, None, pool.id, model.type("MacPool").element, data)


def _new_default_pool(session: Session) -> MacPool:
    pool = MacPool(name="Default", description="Default MAC pool", range_from=DEFAULT_RANGE[0],
                   range_to=DEFAULT_RANGE[1], next_mac=DEFAULT_RANGE[0], default_pool=True)
    session.add(pool)
    session.flush()
    record_pool(session, pool)
    return pool


def _default_pool_id(session: Session) -> str:
    pool_id = session.scalars(select(MacPool.id).where(MacPool.default_pool.is_(True))
                              .order_by(MacPool.id).limit(1)).first()
    return pool_id if pool_id is not None else _new_default_pool(session).id


def pool_id_of_cluster(session: Session, cluster_id: Optional[str]) -> str:
    """The id of the cluster's MAC pool: its own, else the default pool."""
    cluster = session.get(Cluster, cluster_id) if cluster_id else None
    if cluster is not None and cluster.mac_pool_id:
        return cluster.mac_pool_id
    return _default_pool_id(session)


def locked_pool(session: Session, cluster_id: Optional[str]) -> MacPool:
    """The cluster's MAC pool, read afresh under its row lock, held until the transaction ends."""
    pool_id = pool_id_of_cluster(session, cluster_id)
    return session.scalars(select(MacPool).where(MacPool.id == pool_id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def registration(pool: MacPool) -> Optional[str]:
    """The ``mac_pool_id`` a NIC of the pool carries: none for a pool that allows duplicates."""
    return None if pool.allow_duplicates else pool.id


def nic_pool_id(session: Session, cluster_id: Optional[str]) -> Optional[str]:
    """The ``mac_pool_id`` a NIC of a VM in the cluster carries."""
    pool = session.get(MacPool, pool_id_of_cluster(session, cluster_id))
    assert pool is not None
    return registration(pool)


# -- allocating and checking --------------------------------------------------------------------

def _in_use(session: Session, mac: str, pool_id: Optional[str] = None, exclude_nic: Optional[str] = None) -> bool:
    """Whether a NIC has ``mac``: in the pool ``pool_id``, or anywhere when it is ``None``."""
    stmt = select(Nic.id).where(Nic.mac == mac)
    if pool_id is not None:
        stmt = stmt.where(Nic.mac_pool_id == pool_id)
    if exclude_nic:
        stmt = stmt.where(Nic.id != exclude_nic)
    return session.scalars(stmt.limit(1)).first() is not None


def allocate_mac(ctx: RequestContext, cluster_id: Optional[str]) -> str:
    """The next MAC of the cluster's pool that no NIC has, wrapping around once.

    409 when the pool is exhausted. The pool stays locked until the transaction ends.
    """
    pool = locked_pool(ctx.session, cluster_id)
    candidate = pool.next_mac
    for _ in range(pool.range_to - pool.range_from + 1):
        if candidate > pool.range_to or candidate < pool.range_from:
            candidate = pool.range_from
        mac = format_mac(candidate)
        candidate += 1
        if not _in_use(ctx.session, mac):
            pool.next_mac = candidate
            return mac
    raise cannot("add NIC", "Not enough MAC addresses left in MAC Address Pool")


def check_mac(ctx: RequestContext, mac: str, cluster_id: Optional[str], exclude_nic: Optional[str] = None,
              action: str = "add NIC") -> str:
    """``mac`` normalized, once the cluster's pool says it is free (409 ``MAC Address is already in use``).

    A pool that allows duplicates takes any MAC. The pool stays locked until the transaction ends.
    """
    normalized = normalized_mac(mac)
    pool = locked_pool(ctx.session, cluster_id)
    if not pool.allow_duplicates and _in_use(ctx.session, normalized, pool.id, exclude_nic):
        raise cannot(action, MAC_IN_USE)
    return normalized


def move_vm_nics(ctx: RequestContext, vm: Vm, cluster_id: str) -> None:
    """Register the VM's NICs under the pool of the cluster it moves to (409 when a MAC is taken there)."""
    pool = locked_pool(ctx.session, cluster_id)
    target = registration(pool)
    for nic in ctx.session.scalars(select(Nic).where(Nic.vm_id == vm.id)):
        if nic.mac_pool_id == target:
            continue
        if target is not None and nic.mac and _in_use(ctx.session, nic.mac, target, nic.id):
            raise cannot("update VM", f"{MAC_IN_USE} in the MAC pool of the new cluster ({nic.mac})")
        nic.mac_pool_id = target


def in_use_conflict(error: IntegrityError, action: str = "add NIC") -> Optional[Conflict]:
    """The engine's 409 when ``error`` is a NIC taking a MAC its pool has already; else ``None``."""
    text = str(error.orig)
    if MAC_IN_USE_CONSTRAINT in text or "nics.mac_pool_id, nics.mac" in text:
        return cannot(action, MAC_IN_USE)
    return None
