"""The statistics catalogue against the engine's, and the simulation's rules: determinism,
movement, bounds, monotone counters, stopped subjects, hosts adding up their VMs, the wire."""
from __future__ import annotations

import dataclasses
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from ovirtsdk4 import types, xml
from ovirtsdk4.readers import StatisticReader

from engine_api.statistics import simulate as sim
from engine_api.statistics.simulate import (
    GIB,
    MIB,
    DiskLoad,
    GuestFilesystem,
    HostLoad,
    HugePages,
    NicLoad,
    VmLoad,
)

NOW = 1_700_000_000.0
SEED = 7

ENGINE_VM = [
    ("memory.installed", "gauge", "integer", "bytes"),
    ("memory.used", "gauge", "integer", "bytes"),
    ("cpu.current.guest", "gauge", "decimal", "percent"),
    ("cpu.current.hypervisor", "gauge", "decimal", "percent"),
    ("cpu.current.total", "gauge", "decimal", "percent"),
    ("migration.progress", "gauge", "decimal", "percent"),
    ("memory.buffered", "gauge", "integer", "bytes"),
    ("memory.cached", "gauge", "integer", "bytes"),
    ("memory.free", "gauge", "integer", "bytes"),
    ("memory.unused", "gauge", "integer", "bytes"),
    ("network.current.total", "gauge", "decimal", "percent"),
    ("disks.usage", "gauge", "string", "none"),
    ("elapsed.time", "counter", "integer", "seconds"),
    ("cpu.usage.history", "gauge", "decimal", "percent"),
    ("memory.usage.history", "gauge", "decimal", "percent"),
    ("network.usage.history", "gauge", "decimal", "percent"),
]
ENGINE_HOST = [
    ("memory.total", "gauge", "integer", "bytes"),
    ("memory.used", "gauge", "integer", "bytes"),
    ("memory.free", "gauge", "integer", "bytes"),
    ("memory.shared", "gauge", "integer", "bytes"),
    ("swap.total", "gauge", "integer", "bytes"),
    ("swap.free", "gauge", "integer", "bytes"),
    ("swap.used", "gauge", "integer", "bytes"),
    ("ksm.cpu.current", "gauge", "decimal", "percent"),
    ("cpu.current.user", "gauge", "decimal", "percent"),
    ("cpu.current.system", "gauge", "decimal", "percent"),
    ("cpu.current.idle", "gauge", "decimal", "percent"),
    ("cpu.load.avg.5m", "gauge", "decimal", "percent"),
    ("boot.time", "gauge", "integer", "none"),
]
ENGINE_NIC = [
    ("data.current.rx", "gauge", "decimal", "bytes_per_second"),
    ("data.current.tx", "gauge", "decimal", "bytes_per_second"),
    ("data.current.rx.bps", "gauge", "decimal", "bits_per_second"),
    ("data.current.tx.bps", "gauge", "decimal", "bits_per_second"),
    ("errors.total.rx", "counter", "integer", "none"),
    ("errors.total.tx", "counter", "integer", "none"),
    ("data.total.rx", "counter", "integer", "bytes"),
    ("data.total.tx", "counter", "integer", "bytes"),
]
ENGINE_HOST_NIC = ENGINE_NIC[:4] + ENGINE_NIC[6:] + ENGINE_NIC[4:6]
ENGINE_DISK = [
    ("data.current.read", "gauge", "decimal", "bytes_per_second"),
    ("data.current.read_ops", "counter", "decimal", "none"),
    ("data.current.write", "gauge", "decimal", "bytes_per_second"),
    ("data.current.write_ops", "counter", "decimal", "none"),
    ("disk.read.latency", "gauge", "decimal", "seconds"),
    ("disk.write.latency", "gauge", "decimal", "seconds"),
    ("disk.flush.latency", "gauge", "decimal", "seconds"),
]


def table(definitions: tuple[sim.Definition, ...]) -> list[tuple[str, str, str, str]]:
    return [(d.name, d.kind, d.type, d.unit) for d in definitions]


def by_name(samples: list[sim.Sample]) -> dict[str, tuple]:
    return {sample.name: sample.values for sample in samples}


def one(samples: list[sim.Sample], name: str):
    (value,) = by_name(samples)[name]
    return value


def running_vm(vm_id: str = "vm-1", **changes) -> VmLoad:
    vm = VmLoad(vm_id, True, 4 * GIB, cpus=2, started_at=NOW - 3600,
                nics=(NicLoad(f"{vm_id}-nic", True, since=NOW - 3600),),
                filesystems=(GuestFilesystem("/", 20 * GIB), GuestFilesystem("/boot", GIB, "ext4")))
    return dataclasses.replace(vm, **changes)


# -- the catalogue ----------------------------------------------------------------------------

@pytest.mark.parametrize("definitions, expected", [
    (sim.VM, ENGINE_VM), (sim.HOST, ENGINE_HOST), (sim.NIC, ENGINE_NIC),
    (sim.HOST_NIC, ENGINE_HOST_NIC), (sim.DISK, ENGINE_DISK)])
def test_catalogue_is_the_engines(definitions, expected):
    assert table(definitions) == expected


def test_descriptions_are_the_engines():
    descriptions = {d.name: d.description for d in sim.VM}
    assert descriptions["memory.installed"] == "Total memory configured"
    assert descriptions["cpu.current.hypervisor"] == "CPU overhead"
    assert descriptions["migration.progress"] == "Migration Progress"
    assert descriptions["cpu.usage.history"] == ("List of CPU usage history, sorted by date from newest to oldest, "
                                                 "at intervals of 30 seconds")
    host = {d.name: d.description for d in sim.HOST}
    assert host["memory.shared"] == ("The amount of memory, in bytes, shared among Virtual-Machines on this Host by "
                                     "Kernel Same-page Merging (KSM)")
    assert host["cpu.load.avg.5m"] == "CPU 5 minute load average"
    assert [d.description for d in sim.NIC[:4]] == ["Receive data rate", "Transmit data rate"] * 2
    assert sim.DISK[1].description == "Read data ops"
    assert sim.hugepages_free(2048).name == "hugepages.2048.free"
    assert sim.hugepages_total(1048576).description == "Amount of total huge pages of the given size"


def test_enumerations_are_the_sdks():
    for definition in sim.VM + sim.HOST + sim.NIC + sim.DISK:
        types.StatisticKind(definition.kind)
        types.ValueType(definition.type)
        types.StatisticUnit(definition.unit)


def test_statistic_id_is_the_engines_name_uuid():
    # The id the Java SDK's own example fetches a VM's memory.installed statistic by.
    assert sim.statistic_id("memory.installed") == "5a89a1d2-32be-33f7-a0d1-f8b5bc974ff6"
    assert sim.VM[0].id == sim.statistic_id("memory.installed")
    assert len({d.id for d in sim.VM}) == len(sim.VM)


# -- determinism and movement -----------------------------------------------------------------

def test_same_inputs_same_output():
    host = HostLoad("host-1", True, 64 * GIB, cpus=16, vms=(running_vm(),), booted_at=NOW - 86400, swap=8 * GIB)
    assert sim.vm_statistics(running_vm(), NOW, SEED) == sim.vm_statistics(running_vm(), NOW, SEED)
    assert sim.host_statistics(host, NOW, SEED) == sim.host_statistics(host, NOW, SEED)
    assert sim.vm_statistics(running_vm(), NOW, SEED) != sim.vm_statistics(running_vm(), NOW, SEED + 1)
    assert sim.vm_statistics(running_vm("vm-1"), NOW, SEED) != sim.vm_statistics(running_vm("vm-2"), NOW, SEED)


def test_running_vm_moves_over_time():
    moments = [NOW + 15 * i for i in range(12)]
    samples = [by_name(sim.vm_statistics(running_vm(), t, SEED)) for t in moments]
    for name in ("cpu.current.guest", "cpu.current.total", "memory.used"):
        assert len({s[name] for s in samples}) > 3, name
    nics = [by_name(sim.nic_statistics(running_vm().nics[0], t, SEED)) for t in moments]
    assert len({s["data.current.rx"] for s in nics}) > 3
    disks = [by_name(sim.disk_statistics(DiskLoad("disk-1", True, NOW - 3600), t, SEED)) for t in moments]
    assert len({s["data.current.write"] for s in disks}) > 3


def test_counter_rates_are_slopes():
    nic = NicLoad("nic-1", True, since=NOW - 600)
    t = NOW - 600 + 40 * sim.BUCKET + 1.0
    before, after = by_name(sim.nic_statistics(nic, t, SEED)), by_name(sim.nic_statistics(nic, t + 10, SEED))
    (rate,), (total,), (total_later,) = before["data.current.rx"], before["data.total.rx"], after["data.total.rx"]
    assert total_later - total == pytest.approx(rate * 10, rel=0.06)
    assert before["data.current.rx.bps"][0] == pytest.approx(rate * 8, rel=0.06)


# -- bounds -----------------------------------------------------------------------------------

vm_loads = st.builds(
    VmLoad,
    id=st.text("abcdef0123456789", min_size=1, max_size=8),
    running=st.just(True),
    memory=st.integers(0, 256).map(lambda n: n * 256 * MIB),
    cpus=st.integers(1, 64),
    started_at=st.one_of(st.none(), st.floats(NOW - 10 * 86400, NOW)),
    guest_agent=st.booleans(),
    cpu_demand=st.one_of(st.none(), st.floats(-1, 2)),
    nics=st.lists(st.builds(NicLoad, id=st.text("xyz", min_size=1, max_size=4), active=st.booleans(),
                            speed=st.sampled_from([0, 100, 1000, 10000]),
                            since=st.floats(NOW - 10 * 86400, NOW)), max_size=2),
    filesystems=st.lists(st.builds(GuestFilesystem, path=st.sampled_from(["/", "/var", "C:\\"]),
                                   total=st.integers(0, 2 ** 42)), max_size=2),
)
moments = st.floats(NOW, NOW + 30 * 86400)


def check_types(samples: list[sim.Sample]) -> None:
    for sample in samples:
        for value in sample.values:
            if sample.definition.type == sim.INTEGER:
                assert type(value) is int and value >= 0, sample
            elif sample.definition.type == sim.DECIMAL:
                assert type(value) in (int, float) and value >= 0, sample
                if type(value) is float:
                    assert float(sim.datum_text(value)) == value
            else:
                assert type(value) is str


@settings(max_examples=60, deadline=None)
@given(vm=vm_loads, now=moments, seed=st.integers(0, 2 ** 32))
def test_vm_figures_stay_in_bounds(vm, now, seed):
    samples = sim.vm_statistics(vm, now, seed)
    assert [s.definition for s in samples] == list(sim.VM)
    check_types(samples)
    s = by_name(samples)
    assert s["memory.installed"] == (vm.memory,)
    assert s["memory.used"][0] <= vm.memory
    assert 0 <= s["cpu.current.guest"][0] <= 100 * vm.cpus
    assert s["cpu.current.total"][0] <= 100 * vm.cpus
    assert s["memory.free"][0] == s["memory.buffered"][0] + s["memory.cached"][0] + s["memory.unused"][0]
    assert s["memory.free"][0] + s["memory.used"][0] <= vm.memory
    for name in ("cpu.usage.history", "memory.usage.history", "network.usage.history"):
        assert len(s[name]) <= sim.HISTORY_LIMIT
        assert all(type(v) is int and 0 <= v <= 100 for v in s[name])
    assert 0 <= s["network.current.total"][0] <= 100
    for usage in s["disks.usage"]:
        for filesystem in json.loads(usage):
            assert 0 <= int(filesystem["used"]) <= int(filesystem["total"])


@settings(max_examples=40, deadline=None)
@given(vms=st.lists(vm_loads, max_size=5), cpus=st.integers(1, 128), memory_gib=st.integers(1, 1024),
       swap_gib=st.integers(0, 64), now=moments, seed=st.integers(0, 2 ** 32))
def test_host_figures_stay_in_bounds(vms, cpus, memory_gib, swap_gib, now, seed):
    host = HostLoad("host-1", True, memory_gib * GIB, cpus, vms, NOW - 86400, swap_gib * GIB)
    samples = sim.host_statistics(host, now, seed)
    check_types(samples)
    s = {name: values[0] for name, values in by_name(samples).items()}
    assert s["memory.used"] + s["memory.free"] == s["memory.total"] == memory_gib * GIB
    assert s["swap.used"] + s["swap.free"] == s["swap.total"] == swap_gib * GIB
    assert s["memory.shared"] <= s["memory.used"]
    assert s["cpu.current.user"] + s["cpu.current.system"] <= 101
    assert 0 <= s["cpu.current.idle"] <= 100
    vms_used = sum(one(sim.vm_statistics(vm, now, seed), "memory.used") for vm in vms)
    if vms_used + len(vms) * GIB <= s["memory.total"] // 2:
        assert s["memory.used"] > vms_used


# -- counters ---------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(since=st.floats(NOW - 86400, NOW), start=moments, steps=st.lists(st.floats(0, 100), min_size=1, max_size=8),
       speed=st.sampled_from([100, 1000, 10000]), seed=st.integers(0, 2 ** 32))
def test_counters_never_decrease(since, start, steps, speed, seed):
    nic = NicLoad("nic-1", True, speed=speed, since=since)
    disk = DiskLoad("disk-1", True, since=since)
    vm = running_vm(started_at=since)
    counted = ("data.total.rx", "data.total.tx", "errors.total.rx", "errors.total.tx",
               "data.current.read_ops", "data.current.write_ops", "elapsed.time")
    t, previous = start, None
    for step in [0.0, *steps]:
        t += step
        current = {**by_name(sim.nic_statistics(nic, t, seed)), **by_name(sim.host_nic_statistics(nic, t, seed)),
                   **by_name(sim.disk_statistics(disk, t, seed)), **by_name(sim.vm_statistics(vm, t, seed))}
        if previous is not None:
            for name in counted:
                assert current[name][0] >= previous[name][0], name
        previous = current


def test_counters_start_at_zero_and_grow():
    nic = NicLoad("nic-1", True, since=NOW)
    assert one(sim.nic_statistics(nic, NOW, SEED), "data.total.rx") == 0
    assert one(sim.nic_statistics(nic, NOW + 3600, SEED), "data.total.rx") > 1_000_000


# -- subjects that do not run ------------------------------------------------------------------

def test_stopped_vm_reports_zeros_but_its_memory():
    samples = sim.vm_statistics(running_vm(running=False, migration_progress=50), NOW, SEED)
    s = by_name(samples)
    assert s.pop("memory.installed") == (4 * GIB,)
    for name in ("disks.usage", "cpu.usage.history", "memory.usage.history", "network.usage.history"):
        assert s.pop(name) == ()
    assert all(values == (0,) for values in s.values()), s


def test_inactive_nic_and_disk_report_zeros():
    assert all(s.values == (0,) for s in sim.nic_statistics(NicLoad("nic-1", False), NOW, SEED))
    assert all(s.values == (0,) for s in sim.host_nic_statistics(NicLoad("nic-1", False), NOW, SEED))
    assert all(s.values == (0,) for s in sim.disk_statistics(DiskLoad("disk-1", False), NOW, SEED))


def test_disk_that_is_not_an_image_has_its_rates_only():
    samples = sim.disk_statistics(DiskLoad("lun-1", True, storage_type="lun"), NOW, SEED)
    assert [(s.name, s.values) for s in samples] == [("data.current.read", (0,)), ("data.current.write", (0,))]


def test_host_that_is_not_up_reports_its_totals_only():
    host = HostLoad("host-1", False, 64 * GIB, 16, (running_vm(),), NOW - 86400, 8 * GIB, (HugePages(2048, 512),))
    s = {sample.name: sample.values[0] for sample in sim.host_statistics(host, NOW, SEED)}
    assert s.pop("memory.total") == s.pop("memory.free") == 64 * GIB
    assert s.pop("swap.total") == s.pop("swap.free") == 8 * GIB
    assert all(value == 0 for value in s.values()), s


def test_vm_without_guest_agent_has_no_agent_figures():
    s = by_name(sim.vm_statistics(running_vm(guest_agent=False), NOW, SEED))
    assert s["memory.free"] == s["memory.cached"] == s["memory.buffered"] == s["memory.unused"] == (0,)
    assert s["disks.usage"] == ()
    assert s["memory.used"][0] > 0


def test_vm_times_and_histories():
    vm = running_vm(started_at=NOW - 95.5)
    s = by_name(sim.vm_statistics(vm, NOW, SEED))
    assert s["elapsed.time"] == (95,)
    assert len(s["cpu.usage.history"]) == len(s["memory.usage.history"]) == 4
    assert s["memory.used"][0] == vm.memory * s["memory.usage.history"][0] // 100
    guest, total = s["cpu.current.guest"][0], s["cpu.current.total"][0]
    assert guest <= total and total / vm.cpus == pytest.approx(s["cpu.usage.history"][0], abs=1.5)
    assert len(by_name(sim.vm_statistics(running_vm(started_at=NOW - 86400), NOW, SEED))["cpu.usage.history"]) == 40


def test_disks_usage_is_the_agents_json():
    (usage,) = by_name(sim.vm_statistics(running_vm(), NOW, SEED))["disks.usage"]
    entries = json.loads(usage)
    assert [list(entry) for entry in entries] == [["path", "total", "used", "fs"]] * 2
    assert entries[1]["path"] == "/boot" and entries[1]["fs"] == "ext4" and entries[1]["total"] == str(GIB)
    assert " " not in usage


# -- hosts add up their VMs -------------------------------------------------------------------

def test_host_memory_covers_its_running_vms():
    vms = [running_vm(f"vm-{i}", memory=(i + 1) * GIB) for i in range(6)]
    vms.append(running_vm("vm-stopped", running=False, memory=16 * GIB))
    host = HostLoad("host-1", True, 128 * GIB, 32, vms, NOW - 86400, 8 * GIB)
    for t in (NOW, NOW + 600, NOW + 7200):
        s = {sample.name: sample.values[0] for sample in sim.host_statistics(host, t, SEED)}
        vms_used = sum(one(sim.vm_statistics(vm, t, SEED), "memory.used") for vm in vms)
        assert s["memory.used"] >= vms_used + 768 * MIB
        assert s["memory.shared"] > 0
    idle = HostLoad("host-1", True, 128 * GIB, 32, (), NOW - 86400, 8 * GIB)
    assert one(sim.host_statistics(idle, NOW, SEED), "memory.used") < one(sim.host_statistics(host, NOW, SEED),
                                                                           "memory.used")


def test_host_cpu_rises_with_its_vms():
    def host(demand: float) -> HostLoad:
        vms = [running_vm(f"vm-{i}", cpus=4, cpu_demand=demand) for i in range(4)]
        return HostLoad("host-1", True, 128 * GIB, 16, vms, NOW - 86400)

    quiet = by_name(sim.host_statistics(host(0.05), NOW, SEED))
    busy = by_name(sim.host_statistics(host(0.9), NOW, SEED))
    assert busy["cpu.current.user"][0] > quiet["cpu.current.user"][0] + 30
    assert busy["cpu.current.idle"][0] < quiet["cpu.current.idle"][0]
    assert busy["cpu.load.avg.5m"][0] > quiet["cpu.load.avg.5m"][0] + 5
    assert busy["boot.time"] == (int(NOW - 86400),)


def test_hugepages_follow_the_host_figures():
    vm = running_vm(memory=2 * GIB, hugepage_size_kb=1048576)
    host = HostLoad("host-1", True, 64 * GIB, 16, (vm,), NOW, 0, (HugePages(2048, 100), HugePages(1048576, 8)))
    samples = sim.host_statistics(host, NOW, SEED)
    assert [s.name for s in samples[len(sim.HOST):]] == [
        "hugepages.2048.free", "hugepages.1048576.free", "hugepages.2048.total", "hugepages.1048576.total"]
    assert [s.values for s in samples[len(sim.HOST):]] == [(100,), (6,), (100,), (8,)]


# -- the wire ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (12.0, "12"), (0.0, "0"), (120.0, "1.2E+2"), (100.0, "1.0E+2"), (0.012, "0.012"), (0.002, "0.0020"),
    (5.5, "5.5"), (4294967296, "4294967296"), (0, "0")])
def test_datum_text_is_javas_big_decimal(value, text):
    assert sim.datum_text(value) == text


def test_decimals_have_two_significant_digits():
    s = by_name(sim.vm_statistics(running_vm(cpu_demand=0.5), NOW, SEED))
    for name in ("cpu.current.guest", "cpu.current.hypervisor", "cpu.current.total"):
        (value,) = s[name]
        assert len(sim.datum_text(value).split("E")[0].replace(".", "").lstrip("0")) <= 2


def to_xml(statistic: dict, statistic_id: str) -> bytes:
    element = etree.Element("statistic", id=statistic_id)
    for key in ("name", "description", "kind", "type", "unit"):
        etree.SubElement(element, key).text = statistic[key]
    values = etree.SubElement(element, "values")
    for value in statistic["values"]["value"]:
        entry = etree.SubElement(values, "value")
        for key, datum in value.items():
            etree.SubElement(entry, key).text = sim.datum_text(datum)
    return etree.tostring(element)


def test_wire_shape_reads_with_the_sdk():
    samples = (sim.vm_statistics(running_vm(), NOW, SEED) + sim.host_statistics(
        HostLoad("host-1", True, 64 * GIB, 16, (running_vm(),), NOW - 86400), NOW, SEED)
        + sim.nic_statistics(running_vm().nics[0], NOW, SEED) + sim.disk_statistics(DiskLoad("d", True), NOW, SEED))
    for sample in samples:
        statistic = sim.wire(sample)
        assert list(statistic) == ["name", "description", "kind", "type", "unit", "values"]
        json.dumps(statistic)
        read = StatisticReader.read_one(xml.XmlReader(io.BytesIO(to_xml(statistic, sample.definition.id))))
        assert read.id == sample.definition.id
        assert (read.name, read.description) == (sample.definition.name, sample.definition.description)
        assert read.kind is types.StatisticKind(sample.definition.kind)
        assert read.type is types.ValueType(sample.definition.type)
        assert read.unit is types.StatisticUnit(sample.definition.unit)
        if sample.definition.type == sim.STRING:
            assert [v.detail for v in read.values] == list(sample.values)
        else:
            assert [v.datum for v in read.values] == pytest.approx(list(sample.values))


def test_wire_of_memory_installed():
    sample = sim.vm_statistics(running_vm(), NOW, SEED)[0]
    assert sim.wire(sample) == {
        "name": "memory.installed", "description": "Total memory configured", "kind": "gauge",
        "type": "integer", "unit": "bytes", "values": {"value": [{"datum": 4 * GIB}]}}
