"""Statistics of VMs, hosts, NICs and disks, simulated from their rows when they are read.

Statistics are never stored: each read describes the subjects as :mod:`.simulate` needs them
(a VM's state, memory, vCPUs, start and NICs; a host's VMs; a disk's running VM) and computes the
figures of the latest sample. As with the engine, whose hosts sample their VMs every
:data:`SAMPLE_INTERVAL` seconds, the figures stay the same from one sample to the next. The rows of all subjects of a read come in a constant number of
statements, however many subjects there are, so ``follow=statistics`` over a whole list costs
what one subject does.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import select

from engine_api import models as m
from engine_api.services.context import RequestContext
from engine_api.services.crud import at_most, get_or_404, one_of
from engine_api.services.follow_handlers import rows_for_ids
from engine_api.services.results import CollectionResult, EntityResult
from engine_api.statistics import simulate
from engine_api.statistics.schemas import Statistic
from engine_api.types.fields import API_PREFIX

#: The states in which a VM's guest runs and its figures move (a paused or saving VM's do not).
ACTIVE_STATES = frozenset({"up", "powering_up", "powering_down", "migrating", "reboot_in_progress"})
#: The speed VDSM reports for these vNIC models, in Mbit/s; other models get 100.
_GIGABIT_NICS = frozenset({"virtio", "e1000", "e1000e"})
#: Seconds between two samples of the figures (VDSM's ``vm_sample_interval``).
SAMPLE_INTERVAL = 15
#: The swap each simulated host has.
HOST_SWAP = 8 * simulate.GIB


#: The statistics of each of a level of subjects, in the subjects' order.
Compute = Callable[[RequestContext, Sequence[Any]], list[list["StatisticEntity"]]]


@dataclass(frozen=True)
class StatisticEntity:
    """One statistic of one subject, ready for its schema."""

    id: str
    href: str
    name: str
    description: str
    kind: str
    type: str
    unit: str
    values: list[dict[str, str]]
    disk: Optional[dict[str, str]] = None
    host: Optional[dict[str, str]] = None
    host_nic: Optional[dict[str, str]] = None
    nic: Optional[dict[str, str]] = None
    vm: Optional[dict[str, str]] = None


def _entities(samples: Sequence[simulate.Sample], owner_href: str, owner: str, owner_id: str) -> list[StatisticEntity]:
    link = {"href": owner_href, "id": owner_id}
    found = []
    for sample in samples:
        data = simulate.wire(sample)
        values = [{key: simulate.datum_text(value) for key, value in entry.items()} for entry in data["values"]["value"]]
        identifier = sample.definition.id
        found.append(StatisticEntity(
            id=identifier, href=f"{owner_href}/statistics/{identifier}", name=data["name"],
            description=data["description"], kind=data["kind"], type=data["type"], unit=data["unit"],
            values=values, **{owner: link}))
    return found


def _epoch(value: Any) -> Optional[float]:
    return value.timestamp() if value is not None else None


def _cpus(row: Any) -> int:
    return max(1, row.cpu_sockets * row.cpu_cores * row.cpu_threads)


def _seed(ctx: RequestContext) -> int:
    return ctx.settings.statistics_seed


def _nics_of_vms(ctx: RequestContext, vm_ids: Sequence[str]) -> dict[str, list[m.Nic]]:
    grouped: dict[str, list[m.Nic]] = defaultdict(list)
    rows = rows_for_ids(ctx, lambda batch: select(m.Nic).where(m.Nic.vm_id.in_(batch)).order_by(m.Nic.name), vm_ids)
    for nic in rows:
        grouped[nic.vm_id].append(nic)
    return grouped


def _nic_load(nic: m.Nic, running: bool, since: Optional[float]) -> simulate.NicLoad:
    speed = 1000 if nic.interface in _GIGABIT_NICS else 100
    return simulate.NicLoad(nic.id, active=running and nic.plugged and nic.linked, speed=speed, since=since)


def vm_loads(ctx: RequestContext, vms: Sequence[m.Vm]) -> list[simulate.VmLoad]:
    """How each VM's statistics depend on it, with its NICs (one statement for all of them)."""
    nics = _nics_of_vms(ctx, [vm.id for vm in vms])
    loads = []
    for vm in vms:
        running = vm.status in ACTIVE_STATES
        started = _epoch(vm.start_time) if running else None
        loads.append(simulate.VmLoad(
            vm.id, running=running, memory=vm.memory, cpus=_cpus(vm), started_at=started,
            migration_progress=50 if vm.status == "migrating" else 0,
            nics=tuple(_nic_load(nic, running, started) for nic in nics.get(vm.id, ()))))
    return loads


def host_loads(ctx: RequestContext, hosts: Sequence[m.Host]) -> list[simulate.HostLoad]:
    """How each host's statistics depend on it, with the VMs it runs (two statements for all)."""
    by_host: dict[str, list[m.Vm]] = defaultdict(list)
    running = rows_for_ids(ctx, lambda batch: select(m.Vm).where(m.Vm.host_id.in_(batch)).order_by(m.Vm.id),
                           [host.id for host in hosts])
    for vm in running:
        by_host[vm.host_id].append(vm)
    all_vms = [vm for vms in by_host.values() for vm in vms]
    loads = {load.id: load for load in vm_loads(ctx, all_vms)}
    return [
        simulate.HostLoad(host.id, up=host.status == "up", memory=host.memory, cpus=_cpus(host),
                          vms=tuple(loads[vm.id] for vm in by_host.get(host.id, ())),
                          booted_at=_epoch(host.created_at), swap=HOST_SWAP)
        for host in hosts
    ]


def _now(ctx: RequestContext) -> float:
    """The time of the latest sample."""
    now = ctx.now.timestamp()
    return float(now - now % SAMPLE_INTERVAL)


# -- a level of subjects at once (lists and follow=) ---------------------------------------------

@lru_cache(maxsize=1 << 14)
def _vm_statistics(load: simulate.VmLoad, now: float, seed: int) -> tuple[StatisticEntity, ...]:
    """A VM's statistics of one sample: the same for every read until the next sample or a change
    of the VM, so they are kept (the simulation is a pure function of these)."""
    return tuple(_entities(simulate.vm_statistics(load, now, seed), f"{API_PREFIX}/vms/{load.id}", "vm", load.id))


def of_vms(ctx: RequestContext, vms: Sequence[m.Vm]) -> list[list[StatisticEntity]]:
    now, seed = _now(ctx), _seed(ctx)
    return [list(_vm_statistics(load, now, seed)) for load in vm_loads(ctx, vms)]


def of_hosts(ctx: RequestContext, hosts: Sequence[m.Host]) -> list[list[StatisticEntity]]:
    now, seed = _now(ctx), _seed(ctx)
    return [_entities(simulate.host_statistics(load, now, seed), f"{API_PREFIX}/hosts/{host.id}", "host", host.id)
            for host, load in zip(hosts, host_loads(ctx, hosts))]


def of_disks(ctx: RequestContext, disks: Sequence[m.Disk], owner_href: Optional[str] = None) -> list[list[StatisticEntity]]:
    """Each disk's statistics; it is active while a running VM has it plugged."""
    since: dict[str, Optional[float]] = {}
    rows = ctx.session.execute(
        select(m.DiskAttachment.disk_id, m.Vm.status, m.Vm.start_time)
        .join(m.Vm, m.Vm.id == m.DiskAttachment.vm_id)
        .where(m.DiskAttachment.disk_id.in_([disk.id for disk in disks]), m.DiskAttachment.active.is_(True))
    ).all()
    for disk_id, status, started in rows:
        if status in ACTIVE_STATES:
            since[disk_id] = _epoch(started)
    now, seed = _now(ctx), _seed(ctx)
    found = []
    for disk in disks:
        load = simulate.DiskLoad(disk.id, active=disk.id in since, since=since.get(disk.id),
                                 storage_type=disk.storage_type)
        href = f"{owner_href or API_PREFIX + '/disks'}/{disk.id}"
        found.append(_entities(simulate.disk_statistics(load, now, seed), href, "disk", disk.id))
    return found


def of_vm_nics(ctx: RequestContext, nics: Sequence[m.Nic]) -> list[list[StatisticEntity]]:
    vms = {vm.id: vm for vm in ctx.session.scalars(select(m.Vm).where(m.Vm.id.in_({n.vm_id for n in nics})))}
    now, seed = _now(ctx), _seed(ctx)
    found = []
    for nic in nics:
        vm = vms.get(nic.vm_id) if nic.vm_id else None
        running = vm is not None and vm.status in ACTIVE_STATES
        load = _nic_load(nic, running, _epoch(vm.start_time) if running and vm is not None else None)
        href = f"{API_PREFIX}/vms/{nic.vm_id}/nics/{nic.id}"
        found.append(_entities(simulate.nic_statistics(load, now, seed), href, "nic", nic.id))
    return found


def of_host_nics(ctx: RequestContext, nics: Sequence[m.HostNic]) -> list[list[StatisticEntity]]:
    hosts = {h.id: h for h in ctx.session.scalars(select(m.Host).where(m.Host.id.in_({n.host_id for n in nics})))}
    now, seed = _now(ctx), _seed(ctx)
    found = []
    for nic in nics:
        host = hosts[nic.host_id]
        load = simulate.NicLoad(nic.id, active=host.status == "up" and nic.status == "up",
                                speed=max(1, nic.speed // 1_000_000), since=_epoch(host.created_at))
        href = f"{API_PREFIX}/hosts/{nic.host_id}/nics/{nic.id}"
        found.append(_entities(simulate.host_nic_statistics(load, now, seed), href, "host_nic", nic.id))
    return found


# -- the NICs' and a storage domain's disks' statistics (below a nested collection) ---------------

def _domain_disks(ctx: RequestContext, disks: Sequence[m.Disk]) -> list[list[StatisticEntity]]:
    return of_disks(ctx, disks, f"{API_PREFIX}/storagedomains/{disks[0].storage_domain_id}/disks")


#: The statistics of the entities of a nested collection, by the collection's registry key.
NESTED_OWNERS: dict[str, Compute] = {
    "vms/nics": of_vm_nics,
    "hosts/nics": of_host_nics,
    "storagedomains/disks": _domain_disks,
}


def _of_owner(ctx: RequestContext, owners: str, parent_id: str, owner_id: str) -> list[StatisticEntity]:
    """The statistics of the entity ``owner_id`` of the nested collection ``owners`` below ``parent_id``."""
    owner = get_or_404(ctx, ctx.registry.get(owners), owner_id, parent_id)
    return NESTED_OWNERS[owners](ctx, [owner])[0]


def list_owner_statistics(ctx: RequestContext, owners: str, parent_id: str, owner_id: str) -> CollectionResult:
    return CollectionResult(Statistic, at_most(ctx, _of_owner(ctx, owners, parent_id, owner_id)))


def get_owner_statistic(ctx: RequestContext, owners: str, parent_id: str, owner_id: str,
                        statistic_id: str) -> EntityResult:
    statistics = _of_owner(ctx, owners, parent_id, owner_id)
    return EntityResult(Statistic, one_of(statistics, ctx.registry.get("vms/statistics"), statistic_id))
