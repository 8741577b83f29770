"""What Domain XML costs: build, validate, parse and match, and a device-monitoring cycle.

For one VM with 4 disks and 4 NICs (and the usual balloon, RNG, video, graphics, console,
controllers and channels) it measures, on one core, how many VMs per second each step handles:

* ``build``: the run-VM Domain XML from the VM's spec;
* ``validate``: that XML against libvirt's RelaxNG schema;
* ``parse``: the Domain XML the (simulated) host reports, into the devices monitoring needs;
* ``match``: those devices against the engine's device rows;
* ``build+parse+match``: the three together (target: 2000 VMs/s);

with each compared to the floor of reading the reported document with the hardened lxml parser
and doing nothing with it. The first line times a fixed pure-Python loop, so that figures from
different machines can be put side by side.

Then a monitoring cycle over N running VMs of which a share changed since the last cycle (a NIC
was hot-plugged): the engine compares the devices hash each host reports with the one it stored
and fetches, parses and matches only the VMs whose hash changed. It is compared with a cycle that
parses and matches every VM. The script prints; it asserts no timing.

    python3 bench/domainxml.py [--vms 1000] [--changed 0.01] [--seconds 1.5]
"""
from __future__ import annotations

import argparse
import platform
import random
import sys
import time
import timeit
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import domainxml as dx

NAMESPACE = uuid.UUID("6c1f3f0e-2a8b-4d5e-9c7a-1b2d3e4f5a6b")


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def uid(label: str) -> str:
    return str(uuid.uuid5(NAMESPACE, label))


def vm_spec(number: int) -> dx.VmSpec:
    """A VM with 4 disks on three buses and 4 NICs, like a busy production VM."""
    vm = f"vm-{number}"
    interfaces = ("virtio", "virtio_scsi", "virtio", "sata")
    return dx.VmSpec(
        id=uid(vm), name=vm, memory_mb=8192, max_memory_mb=32768, sockets=2, cores=2, max_vcpus=16,
        storage_pool_id=uid("pool"),
        disks=[dx.DiskSpec(id=uid(f"{vm}/disk{n}"), volume_id=uid(f"{vm}/disk{n}/vol"),
                           storage_domain_id=uid("sd"), interface=interfaces[n], boot_order=1 if n == 0 else 0,
                           storage="block" if n == 3 else "file") for n in range(4)],
        cdroms=[dx.CdromSpec(id=uid(f"{vm}/cdrom"))],
        nics=[dx.NicSpec(id=uid(f"{vm}/nic{n}"), mac=f"56:6f:{number >> 16 & 255:02x}:{number >> 8 & 255:02x}:"
                         f"{number & 255:02x}:{n:02x}", network="ovirtmgmt" if n else None) for n in range(4)],
        videos=[dx.VideoSpec(id=uid(f"{vm}/video"))],
        graphics=[dx.GraphicsSpec(id=uid(f"{vm}/spice"))],
        controllers=[dx.ControllerSpec(id=uid(f"{vm}/virtio-serial"), type="virtio-serial"),
                     dx.ControllerSpec(id=uid(f"{vm}/scsi"), type="scsi", model="virtio-scsi"),
                     dx.ControllerSpec(id=uid(f"{vm}/usb"), type="usb", model="qemu-xhci")],
        balloon=dx.BalloonSpec(id=uid(f"{vm}/balloon")),
        rng=dx.RngSpec(id=uid(f"{vm}/rng")),
        console=dx.ConsoleSpec(id=uid(f"{vm}/console")),
    )


def rows_after(result: dx.MatchResult) -> list[dx.KnownDevice]:
    """The device table as a monitoring cycle leaves it."""
    rows = [dx.KnownDevice(id=m.known.id, type=m.known.type, device=m.known.device, alias=m.alias,
                           address=m.address, logical_name=m.logical_name, mac=m.known.mac, params=m.known.params)
            for m in result.matched]
    return rows + [dx.unmanaged_from_reported(device, uid(f"unmanaged/{device.alias}/{id(result)}"))
                   for device in result.added]


def rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second: the best of three runs of about ``seconds / 3`` each."""
    fn()
    best = 0.0
    for _ in range(3):
        calls, started = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - started
            if elapsed >= seconds / 3:
                break
        best = max(best, calls / elapsed)
    return best


def per_vm(seconds: float) -> None:
    spec = vm_spec(1)
    built = dx.build(spec)
    reported = dx.start_domain(built)
    known = dx.known_devices(spec)
    devices = dx.parse(reported).devices
    result = dx.match(devices, known)
    assert not result.unplugged and len(result.matched) == len(known)
    rows = [
        ("parse floor (lxml only)", lambda: dx.parse_xml(reported)),
        ("build", lambda: dx.build(spec)),
        ("validate", lambda: dx.validate(built)),
        ("parse", lambda: dx.parse(reported)),
        ("match", lambda: dx.match(devices, known)),
        ("build+parse+match", lambda: (dx.build(spec), dx.match(dx.parse(reported).devices, known))),
    ]
    log(f"per-VM steps, {len(spec.disks)} disks and {len(spec.nics)} NICs, {len(known)} devices, "
        f"run-VM XML {len(built)} bytes, reported XML {len(reported)} bytes")
    measured = []
    for name, fn in rows:
        log(f"  measuring {name}…")
        measured.append((name, rate(fn, seconds)))
    floor = measured[0][1]
    print(f"\n{'step':<26}{'VMs/s':>10}{'us/VM':>10}{'x floor':>10}")
    for name, value in measured:
        print(f"{name:<26}{value:>10.0f}{1e6 / value:>10.0f}{floor / value:>10.1f}")
    combined = measured[-1][1]
    verdict = "meets" if combined >= 2000 else "misses"
    print(f"build+parse+match: {combined:.0f} VMs/s on one core, {verdict} the target of 2000 VMs/s")


def monitoring_cycle(count: int, share: float) -> None:
    log(f"starting {count} VMs on the simulated host…")
    host_xml: list[str] = []
    host_hash: list[str] = []
    stored_hash: list[str] = []
    rows: list[list[dx.KnownDevice]] = []
    step = max(1, count // 10)
    started = time.perf_counter()
    for number in range(count):
        spec = vm_spec(number)
        reported = dx.start_domain(dx.build(spec), domain_id=number + 1)
        host_xml.append(reported)
        digest = dx.devices_hash(reported)
        host_hash.append(digest)
        stored_hash.append(digest)
        rows.append(rows_after(dx.match(dx.parse(reported).devices, dx.known_devices(spec))))
        if (number + 1) % step == 0 or number + 1 == count:
            log(f"  {number + 1}/{count} VMs running ({time.perf_counter() - started:.1f}s)")

    changed = sorted(random.Random(5).sample(range(count), max(1, round(count * share))))
    log(f"hot-plugging a NIC into {len(changed)} VMs…")
    for number in changed:
        nic = dx.NicSpec(id=uid(f"vm-{number}/hotplugged"), mac=f"56:70:00:{number >> 8 & 255:02x}:"
                         f"{number & 255:02x}:01", network="ovirtmgmt")
        host_xml[number] = dx.apply_hotplug(host_xml[number], dx.hotplug_nic(nic))
        host_hash[number] = dx.devices_hash(host_xml[number])
        rows[number].append(dx.KnownDevice(nic.id, "interface", "bridge", mac=nic.mac))

    log("monitoring cycle: compare hashes, parse and match the changed VMs…")
    parsed = addressed = 0
    cycle_started = time.perf_counter()
    for number in range(count):
        if host_hash[number] == stored_hash[number]:
            continue
        result = dx.match(dx.parse(host_xml[number]).devices, rows[number])
        parsed += 1
        addressed += sum(1 for m in result.matched if m.known.id == uid(f"vm-{number}/hotplugged") and m.address)
        stored_hash[number] = host_hash[number]
    hash_cycle = time.perf_counter() - cycle_started

    log("baseline: parse and match every VM…")
    full_started = time.perf_counter()
    for number in range(count):
        dx.match(dx.parse(host_xml[number]).devices, rows[number])
    full_cycle = time.perf_counter() - full_started

    print(f"\nmonitoring cycle over {count} running VMs, {len(changed)} changed ({share:.0%})")
    print(f"{'cycle':<34}{'VMs parsed':>12}{'ms':>10}{'VMs/s':>12}{'x faster':>10}")
    print(f"{'devices hash, changed VMs only':<34}{parsed:>12}{hash_cycle * 1e3:>10.1f}{count / hash_cycle:>12.0f}"
          f"{full_cycle / hash_cycle:>10.1f}")
    print(f"{'parse and match every VM':<34}{count:>12}{full_cycle * 1e3:>10.1f}{count / full_cycle:>12.0f}"
          f"{1.0:>10.1f}")
    print(f"hot-plugged NICs given an address by the cycle: {addressed}/{len(changed)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000, help="running VMs in the monitoring cycle")
    parser.add_argument("--changed", type=float, default=0.01, help="share of VMs changed since the last cycle")
    parser.add_argument("--seconds", type=float, default=1.5, help="time spent measuring each per-VM step")
    args = parser.parse_args()
    reference = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6
    print(f"python {platform.python_version()}, lxml {lxml.__version__}, {platform.machine()}, one core; "
          f"reference loop sum(range(1000)): {reference:.1f} us")
    per_vm(args.seconds)
    monitoring_cycle(args.vms, args.changed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
