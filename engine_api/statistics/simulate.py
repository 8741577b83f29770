"""Statistics of VMs, hosts, NICs and disks: the engine's catalogue and a deterministic simulation.

The catalogue is the one the engine's REST API answers with (``VmStatisticalQuery``,
``HostStatisticalQuery``, ``NicStatisticalQuery``, ``HostNicStatisticalQuery`` and
``DiskStatisticalQuery`` in ``backend/manager/modules/restapi/jaxrs``): every statistic's name,
description, kind, value type and unit, in the order the engine lists them. Enumerations are
spelled as on the wire (``gauge``, ``integer``, ``bytes_per_second``).

What the engine does with the figures, and this module does too:

- A statistic's id is a name-based UUID of its name alone (``UUID.nameUUIDFromBytes(name)``:
  MD5, version 3, no namespace), so ``memory.installed`` is
  ``5a89a1d2-32be-33f7-a0d1-f8b5bc974ff6`` under every VM; the href tells subjects apart.
- A decimal taken from a floating-point figure is rounded to two significant digits
  (``new BigDecimal(d, new MathContext(2))``, half up): 12.345 % is written ``12``, 123.4 B/s
  ``1.2E+2``. A decimal taken from an integer figure (migration progress, network usage, the
  usage histories, disk rates and operation counts, KSM CPU) is exact and written without a
  fraction, so those samples hold ints.
- VDSM reports a VM's ``cpu.current.*`` in percent of one host CPU, so they reach 100 × vCPUs;
  the usage histories are that total divided by the vCPUs, capped at 100, as whole percents.
- ``memory.used`` is the installed (or physical) memory times a whole usage percent, divided
  by 100 in integer arithmetic; the guest agent's memory figures are whole KiB; host memory and
  swap figures are whole MiB.
- NIC rates are the NIC's speed (Mbit/s) times a rate percent, in bytes (× 125000) and bits
  (× 10⁶) per second; ``errors.total.*`` are the dropped packets.
- ``boot.time`` is the host's boot in seconds since the epoch; ``elapsed.time`` the seconds a
  VM has run; ``cpu.load.avg.5m`` the five-minute load average as VDSM reports it (0.42, not %).
- A disk that is not an image (a direct LUN, a managed block disk) has only its two data rates,
  both zero.
- Huge pages add ``hugepages.<size KiB>.free`` statistics for every size, then
  ``hugepages.<size KiB>.total`` ones.

The simulation is a pure function of its inputs: pseudo-random figures come from a BLAKE2b hash
of (seed, subject id, aspect, time bucket), never from global random state. Gauges move from
bucket to bucket (15 seconds for CPU, network and disks, longer for memory and filesystems),
going linearly between the bucket edges. Counters are piecewise linear and never decrease as
time passes; the current rates are their slopes. A subject that is not running reports zeros,
except the figures it is configured with (and a host's free memory and swap, its totals).
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context

GAUGE = "gauge"
COUNTER = "counter"

INTEGER = "integer"
DECIMAL = "decimal"
STRING = "string"

NONE = "none"
PERCENT = "percent"
BYTES = "bytes"
BYTES_PER_SECOND = "bytes_per_second"
BITS_PER_SECOND = "bits_per_second"
SECONDS = "seconds"

BUCKET = 15.0
"""Seconds a simulated gauge takes to move from one value to the next."""

HISTORY_INTERVAL = 30.0
"""Seconds between two entries of a VM's usage history, newest first."""

HISTORY_LIMIT = 40
"""Entries a usage history keeps (the engine's ``UsageHistoryLimit``)."""

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

Datum = int | float | str


@dataclass(frozen=True)
class Definition:
    """One statistic of the engine's catalogue, with its enumerations as spelled on the wire."""

    name: str
    description: str
    kind: str
    type: str
    unit: str

    @property
    def id(self) -> str:
        """The statistic's id, the same under every subject."""
        return statistic_id(self.name)


def _define(name: str, description: str, kind: str, unit: str, value_type: str) -> Definition:
    return Definition(name=name, description=description, kind=kind, type=value_type, unit=unit)


_HISTORY = "List of {} usage history, sorted by date from newest to oldest, at intervals of 30 seconds"

VM: tuple[Definition, ...] = (
    _define("memory.installed", "Total memory configured", GAUGE, BYTES, INTEGER),
    _define("memory.used", "Memory used (agent)", GAUGE, BYTES, INTEGER),
    _define("cpu.current.guest", "CPU used by guest", GAUGE, PERCENT, DECIMAL),
    _define("cpu.current.hypervisor", "CPU overhead", GAUGE, PERCENT, DECIMAL),
    _define("cpu.current.total", "Total CPU used", GAUGE, PERCENT, DECIMAL),
    _define("migration.progress", "Migration Progress", GAUGE, PERCENT, DECIMAL),
    _define("memory.buffered", "Memory buffered (agent)", GAUGE, BYTES, INTEGER),
    _define("memory.cached", "Memory cached (agent)", GAUGE, BYTES, INTEGER),
    _define("memory.free", "Memory free (agent)", GAUGE, BYTES, INTEGER),
    _define("memory.unused", "Memory unused (agent)", GAUGE, BYTES, INTEGER),
    _define("network.current.total", "Total network used", GAUGE, PERCENT, DECIMAL),
    _define("disks.usage", "Disk usage, in bytes, per filesystem as JSON (agent)", GAUGE, NONE, STRING),
    _define("elapsed.time", "Elapsed VM runtime", COUNTER, SECONDS, INTEGER),
    _define("cpu.usage.history", _HISTORY.format("CPU"), GAUGE, PERCENT, DECIMAL),
    _define("memory.usage.history", _HISTORY.format("memory"), GAUGE, PERCENT, DECIMAL),
    _define("network.usage.history", _HISTORY.format("network"), GAUGE, PERCENT, DECIMAL),
)
"""A VM's statistics, in the engine's order."""

HOST: tuple[Definition, ...] = (
    _define("memory.total", "Total memory", GAUGE, BYTES, INTEGER),
    _define("memory.used", "Used memory", GAUGE, BYTES, INTEGER),
    _define("memory.free", "Free memory", GAUGE, BYTES, INTEGER),
    _define("memory.shared", "The amount of memory, in bytes, shared among Virtual-Machines on this Host by "
            "Kernel Same-page Merging (KSM)", GAUGE, BYTES, INTEGER),
    _define("swap.total", "Total swap", GAUGE, BYTES, INTEGER),
    _define("swap.free", "Free swap", GAUGE, BYTES, INTEGER),
    _define("swap.used", "Used swap", GAUGE, BYTES, INTEGER),
    _define("ksm.cpu.current", "KSM CPU usage", GAUGE, PERCENT, DECIMAL),
    _define("cpu.current.user", "User CPU usage", GAUGE, PERCENT, DECIMAL),
    _define("cpu.current.system", "System CPU usage", GAUGE, PERCENT, DECIMAL),
    _define("cpu.current.idle", "Idle CPU usage", GAUGE, PERCENT, DECIMAL),
    _define("cpu.load.avg.5m", "CPU 5 minute load average", GAUGE, PERCENT, DECIMAL),
    _define("boot.time", "Boot time of the machine", GAUGE, NONE, INTEGER),
)
"""A host's statistics, in the engine's order; huge page statistics follow them."""

_RX = _define("data.current.rx", "Receive data rate", GAUGE, BYTES_PER_SECOND, DECIMAL)
_TX = _define("data.current.tx", "Transmit data rate", GAUGE, BYTES_PER_SECOND, DECIMAL)
_RX_BPS = _define("data.current.rx.bps", "Receive data rate", GAUGE, BITS_PER_SECOND, DECIMAL)
_TX_BPS = _define("data.current.tx.bps", "Transmit data rate", GAUGE, BITS_PER_SECOND, DECIMAL)
_ERRORS_RX = _define("errors.total.rx", "Total receive errors", COUNTER, NONE, INTEGER)
_ERRORS_TX = _define("errors.total.tx", "Total transmit errors", COUNTER, NONE, INTEGER)
_TOTAL_RX = _define("data.total.rx", "Total received data", COUNTER, BYTES, INTEGER)
_TOTAL_TX = _define("data.total.tx", "Total transmitted data", COUNTER, BYTES, INTEGER)

NIC: tuple[Definition, ...] = (_RX, _TX, _RX_BPS, _TX_BPS, _ERRORS_RX, _ERRORS_TX, _TOTAL_RX, _TOTAL_TX)
"""A VM NIC's statistics, in the engine's order."""

HOST_NIC: tuple[Definition, ...] = (_RX, _TX, _RX_BPS, _TX_BPS, _TOTAL_RX, _TOTAL_TX, _ERRORS_RX, _ERRORS_TX)
"""A host NIC's statistics, in the engine's order (the totals before the errors)."""

DISK: tuple[Definition, ...] = (
    _define("data.current.read", "Read data rate", GAUGE, BYTES_PER_SECOND, DECIMAL),
    _define("data.current.read_ops", "Read data ops", COUNTER, NONE, DECIMAL),
    _define("data.current.write", "Write data rate", GAUGE, BYTES_PER_SECOND, DECIMAL),
    _define("data.current.write_ops", "Write data ops", COUNTER, NONE, DECIMAL),
    _define("disk.read.latency", "Read latency", GAUGE, SECONDS, DECIMAL),
    _define("disk.write.latency", "Write latency", GAUGE, SECONDS, DECIMAL),
    _define("disk.flush.latency", "Flush latency", GAUGE, SECONDS, DECIMAL),
)
"""An image disk's statistics, in the engine's order."""

DISK_NOT_IMAGE: tuple[Definition, ...] = (DISK[0], DISK[2])
"""The statistics of a disk that is not an image: its read and write rates."""


def hugepages_free(size_kb: int) -> Definition:
    """The free huge pages of one size, as a host lists them."""
    return _define(f"hugepages.{size_kb}.free", "Amount of free huge pages of the given size", GAUGE, NONE, INTEGER)


def hugepages_total(size_kb: int) -> Definition:
    """The huge pages of one size a host has, as it lists them."""
    return _define(f"hugepages.{size_kb}.total", "Amount of total huge pages of the given size", GAUGE, NONE,
                   INTEGER)


def statistic_id(name: str) -> str:
    """The engine's id of a statistic: Java's ``UUID.nameUUIDFromBytes`` of the name's bytes."""
    return str(uuid.UUID(bytes=hashlib.md5(name.encode("utf-8")).digest(), version=3))


@dataclass(frozen=True)
class Sample:
    """A statistic with its values: numbers for integer and decimal statistics (most have one;
    a usage history has one per entry, newest first, and may have none), text for string ones."""

    definition: Definition
    values: tuple[Datum, ...]

    @property
    def name(self) -> str:
        return self.definition.name


@dataclass(frozen=True)
class GuestFilesystem:
    """A filesystem the guest agent reports: its mount point, size in bytes and type."""

    path: str
    total: int
    fs: str = "xfs"


@dataclass(frozen=True)
class NicLoad:
    """A NIC, a VM's or a host's.

    ``active`` is whether it carries traffic now (its VM runs or its host is up, it is plugged
    and its link is up); ``speed`` is in Mbit/s (VDSM gives virtio and e1000 NICs 1000, others
    100); ``since`` is when it began carrying traffic, in seconds since the epoch (its VM's start
    or its host's boot), from which its totals count (from the epoch itself when ``None``).
    """

    id: str
    active: bool
    speed: int = 1000
    since: float | None = None


@dataclass(frozen=True)
class DiskLoad:
    """A disk as its VM uses it.

    ``active`` is whether a running VM has it plugged; ``since`` is when that VM started, from
    which its operation counts run (from the epoch when ``None``); ``storage_type`` is the
    engine's disk storage type (``image``, ``lun``, ``cinder``, ``managed_block_storage``).
    """

    id: str
    active: bool
    since: float | None = None
    storage_type: str = "image"


@dataclass(frozen=True)
class VmLoad:
    """A VM as its statistics depend on it.

    ``memory`` is the configured memory in bytes and ``cpus`` its vCPUs; ``started_at`` is when
    it started, in seconds since the epoch. ``guest_agent`` is whether a guest agent reports the
    guest's memory and filesystems. ``cpu_demand`` fixes the share of its vCPUs the guest keeps
    busy on average (0..1); without it each VM gets its own level from the seed.
    ``migration_progress`` is the percent of a migration under way. ``nics`` are its NICs (the
    same loads ``nic_statistics`` is given), whose rates make up its network usage;
    ``hugepage_size_kb`` is the size of the huge pages backing its memory, if any.
    """

    id: str
    running: bool
    memory: int
    cpus: int = 1
    started_at: float | None = None
    guest_agent: bool = True
    migration_progress: int = 0
    cpu_demand: float | None = None
    nics: Sequence[NicLoad] = ()
    filesystems: Sequence[GuestFilesystem] = ()
    hugepage_size_kb: int | None = None


@dataclass(frozen=True)
class HugePages:
    """The huge pages of one size a host has reserved."""

    size_kb: int
    total: int


@dataclass(frozen=True)
class HostLoad:
    """A host as its statistics depend on it: whether it is up, its physical memory and swap in
    bytes, its CPUs, when it booted (seconds since the epoch), its huge pages and the VMs it
    runs (those not running add nothing)."""

    id: str
    up: bool
    memory: int
    cpus: int = 1
    vms: Sequence[VmLoad] = ()
    booted_at: float | None = None
    swap: int = 0
    hugepages: Sequence[HugePages] = ()


# -- pseudo-randomness ------------------------------------------------------------------------

@functools.lru_cache(maxsize=1 << 16)
def _unit(seed: int, *key: object) -> float:
    """A number in [0, 1) that depends only on the seed and the key."""
    text = "\x1f".join(str(part) for part in (seed, *key)).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") / 2.0 ** 64


def _gauge(seed: int, key: tuple[object, ...], now: float, level: float, spread: float,
           bucket: float = BUCKET) -> float:
    """A value around ``level`` that moves from bucket to bucket: the bucket edges take
    ``level`` times a factor in [1 - spread, 1 + spread), and the value goes linearly between
    them."""
    position = now / bucket
    k = math.floor(position)
    fraction = position - k

    def edge(j: int) -> float:
        return level * (1.0 - spread + 2.0 * spread * _unit(seed, *key, j))

    return edge(k) * (1.0 - fraction) + edge(k + 1) * fraction


def _counter(seed: int, key: tuple[object, ...], elapsed: float, per_second: float) -> tuple[int, float]:
    """A count that grows by ``per_second`` on average, and its current rate per second.

    At the edges of the buckets since the count began, it is the average growth plus a
    bounded deviation (none at the start), rounded down; between edges it grows linearly. The
    deviations never exceed 45 % of a bucket's growth, so the edges never decrease, nor does the
    count; the rate is the slope of the current bucket.
    """
    elapsed = max(0.0, elapsed)
    step = per_second * BUCKET
    position = elapsed / BUCKET
    k = math.floor(position)
    fraction = position - k

    def edge(j: int) -> int:
        deviation = 0.0 if j == 0 else (_unit(seed, *key, j) - 0.5) * 0.9 * step
        return math.floor(step * j + deviation)

    start, end = edge(k), edge(k + 1)
    rise = end - start
    return start + min(rise, math.floor(rise * fraction)), rise / BUCKET


# -- rounding ---------------------------------------------------------------------------------

_TWO_DIGITS = Context(prec=2, rounding=ROUND_HALF_UP)


def _decimal(value: float) -> float:
    """A floating-point figure as the engine writes it: two significant digits, half up."""
    return float(_TWO_DIGITS.create_decimal_from_float(float(value))) + 0.0


def datum_text(value: Datum) -> str:
    """A value's text as the engine's XML has it: integers plainly, decimals the way Java's
    ``BigDecimal.toString`` writes two significant digits (``12``, ``0.012``, ``1.2E+2``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise TypeError("a statistic's value is a number or text")
    if isinstance(value, int):
        return str(value)
    return str(_TWO_DIGITS.create_decimal_from_float(value + 0.0))


def _sample(definition: Definition, *values: Datum) -> Sample:
    return Sample(definition, tuple(values))


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


# -- VMs --------------------------------------------------------------------------------------

def _runs_at(vm: VmLoad, t: float) -> bool:
    return vm.running and (vm.started_at is None or t >= vm.started_at)


def _vm_cpu(vm: VmLoad, t: float, seed: int) -> tuple[float, float]:
    """A running VM's guest and hypervisor CPU, in percent of one host CPU."""
    if vm.cpu_demand is not None:
        level = _clamp(vm.cpu_demand, 0.0, 1.0)
    else:
        level = 0.02 + 0.45 * _unit(seed, vm.id, "cpu.level") ** 2
    busy = _clamp(_gauge(seed, (vm.id, "cpu"), t, level, 0.6), 0.0, 1.0)
    capacity = 100.0 * max(1, vm.cpus)
    return capacity * 0.96 * busy, capacity * (0.004 + 0.03 * busy)


def _vm_cpu_percent(vm: VmLoad, t: float, seed: int) -> int:
    """A VM's CPU usage as its history has it: the total over its vCPUs, a whole percent."""
    guest, hypervisor = _vm_cpu(vm, t, seed)
    return min(100, int((guest + hypervisor) / max(1, vm.cpus)))


def _vm_memory_percent(vm: VmLoad, t: float, seed: int) -> int:
    """The whole percent of a running VM's memory that its guest uses."""
    level = 0.2 + 0.5 * _unit(seed, vm.id, "memory.level")
    used = _gauge(seed, (vm.id, "memory"), t, level, 0.1, bucket=8 * BUCKET)
    return int(_clamp(round(100 * used), 1, 95))


def _vm_memory_used(vm: VmLoad, t: float, seed: int) -> int:
    return vm.memory * _vm_memory_percent(vm, t, seed) // 100


def _vm_network_percent(vm: VmLoad, t: float, seed: int) -> int:
    """A VM's network usage: its busiest NIC's busier direction, a whole percent of its speed."""
    usage = 0
    for nic in vm.nics:
        if not nic.active or nic.speed <= 0:
            continue
        rx, tx = (rate * 100.0 / (nic.speed * 125000.0) for rate in _nic_rates(nic, t, seed))
        if rx > 0:
            usage = max(usage, int(max(rx, tx)))
    return min(usage, 100)


def _history(vm: VmLoad, now: float, seed: int, percent: Callable[[VmLoad, float, int], int]) -> tuple[int, ...]:
    """A usage history: the percent at every interval back from ``now`` while the VM ran."""
    times = (now - HISTORY_INTERVAL * i for i in range(HISTORY_LIMIT))
    return tuple(percent(vm, t, seed) for t in times if vm.started_at is None or t >= vm.started_at)


def _disks_usage(vm: VmLoad, now: float, seed: int) -> str:
    """The guest agent's filesystems as the engine keeps them: compact JSON, sizes as text."""
    entries = []
    for filesystem in vm.filesystems:
        level = 0.1 + 0.7 * _unit(seed, vm.id, filesystem.path, "fs.level")
        share = _clamp(_gauge(seed, (vm.id, filesystem.path, "fs"), now, level, 0.02, bucket=240 * BUCKET), 0, 1)
        used = int(filesystem.total * share) // 4096 * 4096
        entries.append({"path": filesystem.path, "total": str(filesystem.total), "used": str(used),
                        "fs": filesystem.fs})
    return json.dumps(entries, separators=(",", ":")) if entries else ""


def vm_statistics(load: VmLoad, now: float, seed: int) -> list[Sample]:
    """A VM's statistics at ``now`` (seconds since the epoch), in the order of ``VM``.

    A running VM's CPU, memory and network move over time; the guest agent's memory figures
    split what the guest does not use into buffers, cache and unused memory. A VM that does not
    run reports its installed memory, zeros, and no filesystems or history.
    """
    if not load.running:
        figures: dict[str, tuple[Datum, ...]] = {
            "memory.installed": (load.memory,), "memory.used": (0,), "cpu.current.guest": (0.0,),
            "cpu.current.hypervisor": (0.0,), "cpu.current.total": (0.0,), "migration.progress": (0,),
            "memory.buffered": (0,), "memory.cached": (0,), "memory.free": (0,), "memory.unused": (0,),
            "network.current.total": (0,), "disks.usage": (), "elapsed.time": (0,),
            "cpu.usage.history": (), "memory.usage.history": (), "network.usage.history": (),
        }
        return [Sample(definition, figures[definition.name]) for definition in VM]
    guest, hypervisor = _vm_cpu(load, now, seed)
    used = _vm_memory_used(load, now, seed)
    if load.guest_agent:
        free_kib = max(0, load.memory - used) // KIB
        cached_kib = int(free_kib * (0.15 + 0.35 * _unit(seed, load.id, "memory.cached")))
        buffered_kib = int(free_kib * (0.005 + 0.045 * _unit(seed, load.id, "memory.buffered")))
        unused_kib = free_kib - cached_kib - buffered_kib
        disks_usage = _disks_usage(load, now, seed)
    else:
        free_kib = cached_kib = buffered_kib = unused_kib = 0
        disks_usage = ""
    elapsed = 0 if load.started_at is None else max(0, int(now - load.started_at))
    figures = {
        "memory.installed": (load.memory,),
        "memory.used": (used,),
        "cpu.current.guest": (_decimal(guest),),
        "cpu.current.hypervisor": (_decimal(hypervisor),),
        "cpu.current.total": (_decimal(guest + hypervisor),),
        "migration.progress": (int(_clamp(load.migration_progress, 0, 100)),),
        "memory.buffered": (buffered_kib * KIB,),
        "memory.cached": (cached_kib * KIB,),
        "memory.free": (free_kib * KIB,),
        "memory.unused": (unused_kib * KIB,),
        "network.current.total": (_vm_network_percent(load, now, seed),),
        "disks.usage": (disks_usage,) if disks_usage else (),
        "elapsed.time": (elapsed,),
        "cpu.usage.history": _history(load, now, seed, _vm_cpu_percent),
        "memory.usage.history": _history(load, now, seed, _vm_memory_percent),
        "network.usage.history": _history(load, now, seed, _vm_network_percent),
    }
    return [Sample(definition, figures[definition.name]) for definition in VM]


# -- NICs -------------------------------------------------------------------------------------

def _nic_counters(nic: NicLoad, now: float, seed: int) -> tuple[tuple[int, float], tuple[int, float]]:
    """An active NIC's received and transmitted bytes and their rates in bytes per second."""
    elapsed = now - (nic.since or 0.0)
    line = max(0, nic.speed) * 125000.0
    rx_share = 0.0005 + 0.025 * _unit(seed, nic.id, "rx.level") ** 2
    tx_share = 0.0002 + 0.02 * _unit(seed, nic.id, "tx.level") ** 2
    return (_counter(seed, (nic.id, "rx"), elapsed, line * rx_share),
            _counter(seed, (nic.id, "tx"), elapsed, line * tx_share))


def _nic_rates(nic: NicLoad, t: float, seed: int) -> tuple[float, float]:
    (_, rx), (_, tx) = _nic_counters(nic, t, seed)
    return rx, tx


def _drops(nic: NicLoad, direction: str, total: int, seed: int) -> int:
    """Dropped packets: none on most NICs, else one per so many bytes carried."""
    if _unit(seed, nic.id, direction, "drops") < 0.75:
        return 0
    return total // int(GIB * (1 + 99 * _unit(seed, nic.id, direction, "drop.rate")))


def _nic_figures(nic: NicLoad, now: float, seed: int) -> dict[str, Datum]:
    if not nic.active:
        return {"data.current.rx": 0.0, "data.current.tx": 0.0, "data.current.rx.bps": 0.0,
                "data.current.tx.bps": 0.0, "errors.total.rx": 0, "errors.total.tx": 0,
                "data.total.rx": 0, "data.total.tx": 0}
    (total_rx, rx), (total_tx, tx) = _nic_counters(nic, now, seed)
    return {"data.current.rx": _decimal(rx), "data.current.tx": _decimal(tx),
            "data.current.rx.bps": _decimal(rx * 8), "data.current.tx.bps": _decimal(tx * 8),
            "errors.total.rx": _drops(nic, "rx", total_rx, seed),
            "errors.total.tx": _drops(nic, "tx", total_tx, seed),
            "data.total.rx": total_rx, "data.total.tx": total_tx}


def nic_statistics(load: NicLoad, now: float, seed: int) -> list[Sample]:
    """A VM NIC's statistics at ``now``, in the order of ``NIC``; all zero when it is not active."""
    figures = _nic_figures(load, now, seed)
    return [_sample(definition, figures[definition.name]) for definition in NIC]


def host_nic_statistics(load: NicLoad, now: float, seed: int) -> list[Sample]:
    """A host NIC's statistics at ``now``, in the order of ``HOST_NIC``; all zero when it is not
    active."""
    figures = _nic_figures(load, now, seed)
    return [_sample(definition, figures[definition.name]) for definition in HOST_NIC]


# -- disks ------------------------------------------------------------------------------------

def disk_statistics(load: DiskLoad, now: float, seed: int) -> list[Sample]:
    """A disk's statistics at ``now``, in the order of ``DISK`` (``DISK_NOT_IMAGE`` for a disk
    that is not an image, whose rates the engine reports as zero).

    Read and write operations count up while the disk is active, the data rates follow them at
    the disk's own request sizes, and latencies move around the disk's own levels. An inactive
    disk reports zeros.
    """
    if load.storage_type != "image":
        return [_sample(definition, 0) for definition in DISK_NOT_IMAGE]
    read, read_ops, write, write_ops, read_latency, write_latency, flush_latency = DISK
    if not load.active:
        return [_sample(read, 0), _sample(read_ops, 0), _sample(write, 0), _sample(write_ops, 0),
                _sample(read_latency, 0.0), _sample(write_latency, 0.0), _sample(flush_latency, 0.0)]
    elapsed = now - (load.since or 0.0)
    reads, reads_per_second = _counter(seed, (load.id, "read"), elapsed,
                                       0.2 + 40.0 * _unit(seed, load.id, "read.level") ** 2)
    writes, writes_per_second = _counter(seed, (load.id, "write"), elapsed,
                                         0.5 + 60.0 * _unit(seed, load.id, "write.level") ** 2)
    read_size = 4096 << int(5 * _unit(seed, load.id, "read.size"))
    write_size = 4096 << int(4 * _unit(seed, load.id, "write.size"))

    def latency(aspect: str, low: float, high: float) -> float:
        level = low + (high - low) * _unit(seed, load.id, aspect, "level") ** 2
        return _decimal(_gauge(seed, (load.id, aspect), now, level, 0.5))

    return [
        _sample(read, int(reads_per_second * read_size)),
        _sample(read_ops, reads),
        _sample(write, int(writes_per_second * write_size)),
        _sample(write_ops, writes),
        _sample(read_latency, latency("read.latency", 0.0002, 0.005)),
        _sample(write_latency, latency("write.latency", 0.0003, 0.008)),
        _sample(flush_latency, latency("flush.latency", 0.0005, 0.02)),
    ]


# -- hosts ------------------------------------------------------------------------------------

def _host_busy(host: HostLoad, t: float, seed: int) -> float:
    """The host's own CPU use, apart from its VMs, in percent of all its CPUs."""
    return _gauge(seed, (host.id, "cpu"), t, 0.5 + 2.5 * _unit(seed, host.id, "cpu.level"), 0.5)


def _vms_cpu_units(vms: Sequence[VmLoad], t: float, seed: int) -> tuple[float, float]:
    """The host CPUs some VMs keep busy at ``t``: in guest code and in QEMU itself."""
    guest = hypervisor = 0.0
    for vm in vms:
        vm_guest, vm_hypervisor = _vm_cpu(vm, t, seed)
        guest += vm_guest / 100.0
        hypervisor += vm_hypervisor / 100.0
    return guest, hypervisor


def _load_average(host: HostLoad, now: float, seed: int) -> float:
    """The five-minute load average: the CPUs kept busy, averaged over the last five minutes."""
    cpus = max(1, host.cpus)
    moments = [now - 75.0 * i for i in range(5)]
    busy = 0.0
    for t in moments:
        busy += sum(_vms_cpu_units([vm for vm in host.vms if _runs_at(vm, t)], t, seed))
        busy += _host_busy(host, t, seed) * cpus / 100.0
    return 0.05 + busy / len(moments)


def host_statistics(load: HostLoad, now: float, seed: int) -> list[Sample]:
    """A host's statistics at ``now``, in the order of ``HOST``, then its huge pages.

    An up host uses its own memory and CPU plus what its running VMs use: its used memory is at
    least the sum of their ``memory.used`` and its overhead (unless they overcommit it, when
    swap fills), and its CPU and load rise with theirs. KSM shares memory once two VMs run. A
    host that is not up reports its memory and swap totals, nothing used, and no huge pages.
    """
    total = load.memory // MIB * MIB
    swap_total = load.swap // MIB * MIB
    if not load.up:
        figures: dict[str, Datum] = {
            "memory.total": total, "memory.used": 0, "memory.free": total, "memory.shared": 0,
            "swap.total": swap_total, "swap.free": swap_total, "swap.used": 0, "ksm.cpu.current": 0,
            "cpu.current.user": 0.0, "cpu.current.system": 0.0, "cpu.current.idle": 0.0,
            "cpu.load.avg.5m": 0.0, "boot.time": 0,
        }
        return [_sample(definition, figures[definition.name]) for definition in HOST]

    running = [vm for vm in load.vms if vm.running]
    vms_used = sum(_vm_memory_used(vm, now, seed) for vm in running)
    qemu = sum(32 * MIB + vm.memory // 200 for vm in running)
    own = 768 * MIB + total // 50 + int(128 * MIB * _unit(seed, load.id, "memory", math.floor(now / (8 * BUCKET))))
    percent = 100 if total <= 0 else min(100, -(-100 * (own + vms_used + qemu) // total))
    used = total * percent // 100
    shared = 0
    if len(running) >= 2:
        shared = min(used, int(vms_used * 0.05 * _unit(seed, load.id, "ksm"))) // MIB * MIB
    swap_used = 0
    if percent >= 90:
        swap_used = swap_total * (percent - 89) // 44 // MIB * MIB

    cpus = max(1, load.cpus)
    guest, hypervisor = _vms_cpu_units(running, now, seed)
    own_cpu = _host_busy(load, now, seed)
    user = 100.0 * guest / cpus + 0.6 * own_cpu
    system = 100.0 * hypervisor / cpus + 0.4 * own_cpu
    if user + system > 100.0:
        scale = 100.0 / (user + system)
        user, system = user * scale, system * scale
    idle = max(0.0, 100.0 - user - system)

    figures = {
        "memory.total": total,
        "memory.used": used,
        "memory.free": total - used,
        "memory.shared": shared,
        "swap.total": swap_total,
        "swap.free": swap_total - swap_used,
        "swap.used": swap_used,
        "ksm.cpu.current": 1 if shared and percent >= 80 else 0,
        "cpu.current.user": _decimal(user),
        "cpu.current.system": _decimal(system),
        "cpu.current.idle": _decimal(idle),
        "cpu.load.avg.5m": _decimal(_load_average(load, now, seed)),
        "boot.time": 0 if load.booted_at is None else int(load.booted_at),
    }
    samples = [_sample(definition, figures[definition.name]) for definition in HOST]
    free_pages = []
    for pages in load.hugepages:
        page_bytes = pages.size_kb * KIB
        taken = sum(-(-vm.memory // page_bytes) for vm in running if vm.hugepage_size_kb == pages.size_kb)
        free_pages.append(max(0, pages.total - taken))
    samples.extend(_sample(hugepages_free(pages.size_kb), free) for pages, free in zip(load.hugepages, free_pages))
    samples.extend(_sample(hugepages_total(pages.size_kb), pages.total) for pages in load.hugepages)
    return samples


# -- the wire ---------------------------------------------------------------------------------

def wire(sample: Sample) -> dict:
    """A statistic in the API's JSON shape, without its id, href and subject link: numbers as
    ``datum``, text as ``detail``."""
    definition = sample.definition
    field = "detail" if definition.type == STRING else "datum"
    return {
        "name": definition.name,
        "description": definition.description,
        "kind": definition.kind,
        "type": definition.type,
        "unit": definition.unit,
        "values": {"value": [{field: value} for value in sample.values]},
    }
