"""MAC address allocation from the cluster's MAC pool."""
from __future__ import annotations

from sqlalchemy import select

from engine_api.faults import cannot
from engine_api.models import Cluster, MacPool, Nic
from engine_api.services.context import RequestContext

DEFAULT_RANGE = (0x566F_1A2B_0000, 0x566F_1A2B_FFFF)


def format_mac(value: int) -> str:
    return ":".join(f"{(value >> shift) & 0xFF:02x}" for shift in range(40, -8, -8))


def parse_mac(text: str) -> int:
    parts = text.strip().lower().split(":")
    if len(parts) != 6 or not all(len(p) == 2 for p in parts):
        raise ValueError(text)
    return int("".join(parts), 16)


def default_pool(ctx: RequestContext) -> MacPool:
    pool = ctx.session.scalars(select(MacPool).where(MacPool.default_pool.is_(True)).limit(1)).first()
    if pool is None:
        pool = MacPool(
            name="Default",
            description="Default MAC pool",
            range_from=DEFAULT_RANGE[0],
            range_to=DEFAULT_RANGE[1],
            next_mac=DEFAULT_RANGE[0],
            default_pool=True,
        )
        ctx.session.add(pool)
        ctx.session.flush()
    return pool


def pool_of_cluster(ctx: RequestContext, cluster_id: str | None) -> MacPool:
    cluster = ctx.session.get(Cluster, cluster_id) if cluster_id else None
    if cluster is not None and cluster.mac_pool_id:
        pool = ctx.session.get(MacPool, cluster.mac_pool_id)
        if pool is not None:
            return pool
    return default_pool(ctx)


def allocate_mac(ctx: RequestContext, cluster_id: str | None) -> str:
    """The next free MAC of the pool, wrapping around once; 409 when the pool is exhausted."""
    pool = pool_of_cluster(ctx, cluster_id)
    size = pool.range_to - pool.range_from + 1
    candidate = pool.next_mac
    for _ in range(size):
        if candidate > pool.range_to:
            candidate = pool.range_from
        mac = format_mac(candidate)
        candidate += 1
        if ctx.session.scalars(select(Nic.id).where(Nic.mac == mac).limit(1)).first() is None:
            pool.next_mac = candidate
            return mac
    raise cannot("add NIC", "Not enough MAC addresses left in MAC Address Pool")


def check_mac(ctx: RequestContext, mac: str, cluster_id: str | None, exclude_nic: str | None = None) -> str:
    try:
        value = parse_mac(mac)
    except ValueError:
        from engine_api.faults import InvalidValue

        raise InvalidValue(f"Invalid MAC address '{mac}'") from None
    normalized = format_mac(value)
    pool = pool_of_cluster(ctx, cluster_id)
    if not pool.allow_duplicates:
        stmt = select(Nic.id).where(Nic.mac == normalized)
        if exclude_nic:
            stmt = stmt.where(Nic.id != exclude_nic)
        if ctx.session.scalars(stmt.limit(1)).first() is not None:
            raise cannot("add NIC", "MAC Address is already in use")
    return normalized
