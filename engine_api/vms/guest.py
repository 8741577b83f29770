"""What a running VM's guest agent reports: its network devices with their addresses, and its
installed applications.

The guest agent starts a while after the VM does: :data:`AGENT_STEPS` transition steps after its
launch (ten seconds at the engine's default pace, at once when transitions are immediate), and
reports until the VM stops. Each vNIC appears as a reported device of type ``network`` named as
the guest names it (``eth0``…), with its MAC, an IPv4 address derived from the MAC in
``10.0.0.0/8`` and the IPv6 link-local address of the MAC (EUI-64). Both are computed
collections: made from the VM each time they are read, never stored.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select

from engine_api import models as m
from engine_api.services.context import RequestContext
from engine_api.types.fields import API_PREFIX

#: Transition steps between a VM's launch and its guest agent's first report.
AGENT_STEPS = 20
#: The namespace of the ids of reported devices and applications.
_NAMESPACE = uuid.UUID("5b6b9d0c-3f3c-4d53-9d39-0a1f8a3c1e42")
#: What the guest agent lists as installed, by the family of the VM's operating system.
APPLICATIONS = {
    "windows": ("QEMU guest agent", "Virtio-win-driver-installer"),
    "linux": ("kernel-5.14.0-362.8.1.el9_3.x86_64", "qemu-guest-agent-8.0.0", "cloud-init-23.1.1"),
}


@dataclass(frozen=True)
class ReportedDeviceEntity:
    id: str
    href: str
    name: str
    type: str
    mac: str
    ips: list[dict[str, str]]
    vm: dict[str, str]
    description: Optional[str] = None


@dataclass(frozen=True)
class ApplicationEntity:
    id: str
    href: str
    name: str
    vm: dict[str, str]


def reporting(ctx: RequestContext, vm: m.Vm) -> bool:
    """Whether the VM's guest agent reports: the VM runs and its agent has started."""
    if vm.status not in ("up", "reboot_in_progress", "migrating", "paused") or vm.start_time is None:
        return False
    started = vm.start_time if vm.start_time.tzinfo else vm.start_time.replace(tzinfo=dt.timezone.utc)
    return (ctx.now - started).total_seconds() >= AGENT_STEPS * ctx.settings.transition_delay / ctx.settings.time_speed


def addresses(mac: str) -> list[dict[str, str]]:
    """The guest's IPv4 address (``10.`` and the MAC's last three bytes, never .0 or .255) and its
    IPv6 link-local address (EUI-64 of the MAC)."""
    octets = [int(part, 16) for part in mac.split(":")]
    last = min(max(octets[5], 1), 254)
    ipv4 = f"10.{octets[3]}.{octets[4]}.{last}"
    eui = [octets[0] ^ 0x02, *octets[1:3], 0xFF, 0xFE, *octets[3:]]
    ipv6 = ipaddress.IPv6Address(bytes([0xFE, 0x80] + [0] * 6 + eui))
    return [{"address": ipv4, "netmask": "255.0.0.0", "gateway": "10.0.0.1", "version": "v4"},
            {"address": str(ipv6), "version": "v6"}]


def _owner(vm: m.Vm) -> dict[str, str]:
    return {"href": f"{API_PREFIX}/vms/{vm.id}", "id": vm.id}


def reported_devices_of(ctx: RequestContext, vms: Sequence[m.Vm]) -> list[list[ReportedDeviceEntity]]:
    """The network devices each VM's guest agent reports (one statement for all VMs)."""
    reporting_ids = [vm.id for vm in vms if reporting(ctx, vm)]
    nics: dict[str, list[m.Nic]] = defaultdict(list)
    if reporting_ids:
        for nic in ctx.session.scalars(select(m.Nic).where(m.Nic.vm_id.in_(reporting_ids), m.Nic.plugged.is_(True))
                                       .order_by(m.Nic.vm_id, m.Nic.name, m.Nic.id)):
            nics[nic.vm_id or ""].append(nic)
    found = []
    for vm in vms:
        devices = []
        for index, nic in enumerate(nics.get(vm.id, [])):
            if not nic.mac:
                continue
            device_id = str(uuid.uuid5(_NAMESPACE, f"{vm.id}/{nic.mac}"))
            devices.append(ReportedDeviceEntity(
                id=device_id, href=f"{API_PREFIX}/vms/{vm.id}/reporteddevices/{device_id}", name=f"eth{index}",
                description="guest reported data", type="network", mac=nic.mac, ips=addresses(nic.mac),
                vm=_owner(vm)))
        found.append(devices)
    return found


def applications_of(ctx: RequestContext, vms: Sequence[m.Vm]) -> list[list[ApplicationEntity]]:
    """The applications each running VM's guest agent lists."""
    found = []
    for vm in vms:
        family = "windows" if (vm.os_type or "").startswith("windows") else "linux"
        names = APPLICATIONS[family] if reporting(ctx, vm) else ()
        found.append([ApplicationEntity(id=str(uuid.uuid5(_NAMESPACE, name)),
                                        href=f"{API_PREFIX}/vms/{vm.id}/applications/{uuid.uuid5(_NAMESPACE, name)}",
                                        name=name, vm=_owner(vm)) for name in names])
    return found

