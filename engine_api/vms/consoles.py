"""A VM's graphics consoles: one per display protocol, with the address and ports of a running VM,
tickets, and the remote viewer (``.vv``) file a console client opens.

Consoles are made from the VM's graphics devices whenever they are read (a computed collection):
the engine answers a console's id as the hex of its protocol's name (``766e63`` for VNC), its
address as the host's, and its ports from the VM's running domain. With ``current=true`` only a
running VM's consoles are listed, with their address and ports.
"""
from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Optional

from sqlalchemy import delete, select

from engine_api import models as m
from engine_api.faults import cannot
from engine_api.services.context import RequestContext
from engine_api.services.results import RawResult
from engine_api.types.fields import API_PREFIX
from engine_api.vms.libvirt_domains import HOTPLUG_STATES

#: The media type of a remote viewer file, as ``Accept`` asks for one.
VIRT_VIEWER = "application/x-virt-viewer"
#: Seconds a console ticket is valid for when the request names none (the engine's default).
TICKET_SECONDS = 120
#: The first port of the displays a host gives its VMs.
FIRST_DISPLAY_PORT = 5900
#: The protocols a VM's graphics devices name, in the order the engine lists them.
PROTOCOLS = ("spice", "vnc")
#: The ports each VM on a host holds: SPICE's plain and TLS ports, then VNC's.
_PORTS_PER_VM = 3
_PORT_OFFSET = {"spice": 0, "vnc": 2}


@dataclass(frozen=True)
class ConsoleEntity:
    """One graphics console of one VM, ready for its schema."""

    id: str
    href: str
    protocol: str
    vm: dict[str, str]
    vm_name: str
    address: Optional[str] = None
    port: Optional[int] = None
    tls_port: Optional[int] = None


def console_id(protocol: str) -> str:
    return protocol.encode("ascii").hex()


def consoles_of(ctx: RequestContext, vms: Sequence[m.Vm]) -> list[list[ConsoleEntity]]:
    """The consoles of each VM: three statements for any number of VMs (the graphics devices, the
    hosts' addresses, the VMs on those hosts); three ports a VM on its host, in the order of their ids."""
    ids = [vm.id for vm in vms]
    protocols: dict[str, set[str]] = defaultdict(set)
    for vm_id, device in ctx.session.execute(
            select(m.VmDevice.vm_id, m.VmDevice.device).where(m.VmDevice.vm_id.in_(ids), m.VmDevice.type == "graphics")):
        protocols[vm_id].add(device)
    host_ids = {vm.host_id for vm in vms if vm.host_id}
    addresses: dict[str, str] = {}
    displays: dict[str, int] = {}  # a VM's display number on its host: its place among the host's VMs
    if host_ids:
        addresses = dict(ctx.session.execute(select(m.Host.id, m.Host.address).where(m.Host.id.in_(host_ids))).all())
        placed: dict[str, int] = defaultdict(int)
        for vm_id, host_id in ctx.session.execute(
                select(m.Vm.id, m.Vm.host_id).where(m.Vm.host_id.in_(host_ids)).order_by(m.Vm.host_id, m.Vm.id)):
            displays[vm_id] = placed[host_id]
            placed[host_id] += 1
    current = ctx.params.current
    found = []
    for vm in vms:
        running = vm.status in HOTPLUG_STATES and vm.host_id is not None
        consoles = []
        if running or not current:
            base = FIRST_DISPLAY_PORT + _PORTS_PER_VM * displays.get(vm.id, 0)
            for protocol in (p for p in PROTOCOLS if p in protocols.get(vm.id, ())):
                identifier = console_id(protocol)
                live = running and current
                port = base + _PORT_OFFSET[protocol]
                consoles.append(ConsoleEntity(
                    id=identifier, href=f"{API_PREFIX}/vms/{vm.id}/graphicsconsoles/{identifier}", protocol=protocol,
                    vm={"href": f"{API_PREFIX}/vms/{vm.id}", "id": vm.id}, vm_name=vm.name,
                    address=addresses.get(vm.host_id) if live else None, port=port if live else None,
                    tls_port=port + 1 if live and protocol == "spice" else None))
        found.append(consoles)
    return found


def add_console(ctx: RequestContext, data: dict[str, Any], vm_id: Optional[str]) -> ConsoleEntity:
    """``POST /vms/{id}/graphicsconsoles``: a display of another protocol (a graphics device)."""
    from engine_api.services.crud import require

    require(data, "GraphicsConsole", "protocol")
    vm = ctx.session.get(m.Vm, vm_id)
    assert vm is not None
    protocol = data["protocol"]
    if any(console.protocol == protocol for console in consoles_of(ctx, [vm])[0]):
        raise cannot("add Graphics Device", f"The VM already has a {protocol.upper()} graphics device")
    ctx.session.add(m.VmDevice(vm_id=vm.id, type="graphics", device=protocol, spec_params={}))
    ctx.session.flush()
    return next(console for console in consoles_of(ctx, [vm])[0] if console.protocol == protocol)


def remove_console(ctx: RequestContext, console: ConsoleEntity, vm_id: Optional[str] = None) -> None:
    """``DELETE …/graphicsconsoles/{id}``: the VM's graphics device of that protocol goes."""
    ctx.session.execute(delete(m.VmDevice).where(m.VmDevice.vm_id == console.vm["id"], m.VmDevice.type == "graphics",
                                                 m.VmDevice.device == console.protocol))


def _running_vm(ctx: RequestContext, console: ConsoleEntity, action: str) -> m.Vm:
    vm = ctx.session.get(m.Vm, console.vm["id"])
    if vm is None or vm.status not in HOTPLUG_STATES or vm.host_id is None:
        raise cannot(action, "VM is not running")
    return vm


def _live(ctx: RequestContext, vm: m.Vm, console: ConsoleEntity) -> ConsoleEntity:
    """The console with its address and ports, however it was listed."""
    for candidate in consoles_of(replace(ctx, params=replace(ctx.params, current=True)), [vm])[0]:
        if candidate.id == console.id:
            return candidate
    return console


def set_ticket(ctx: RequestContext, console: ConsoleEntity, params: dict[str, Any]) -> dict[str, Any]:
    """``POST …/graphicsconsoles/{id}/ticket``: a one-time password for the console."""
    _running_vm(ctx, console, "set ticket for VM console")
    return {"ticket": {"value": secrets.token_urlsafe(9), "expiry": TICKET_SECONDS}}


def remote_viewer_file(ctx: RequestContext, console: ConsoleEntity) -> str:
    """The ``.vv`` file of a running VM's console, with a fresh ticket, as the engine writes one."""
    vm = _running_vm(ctx, console, "get remote viewer connection file of VM console")
    live = _live(ctx, vm, console)
    lines = [
        "[virt-viewer]",
        f"type={live.protocol}",
        f"host={live.address}",
        f"port={live.port}",
        f"password={secrets.token_urlsafe(9)}",
        f"# Password is valid for {TICKET_SECONDS} seconds.",
        "delete-this-file=1",
        "fullscreen=0",
        f"title={vm.name}:%d",
        "toggle-fullscreen=shift+f11",
        "release-cursor=shift+f12",
        "secure-attention=ctrl+alt+end",
    ]
    if live.tls_port is not None:
        lines += [f"tls-port={live.tls_port}", "enable-smartcard=0", "enable-usb-autoshare=1",
                  "usb-filter=-1,-1,-1,-1,1", "tls-ciphers=DEFAULT",
                  "secure-channels=main;inputs;cursor;playback;record;display;smartcard;usbredir"]
    lines += ["", "[ovirt]", f"vm-guid={vm.id}", "admin=1", ""]
    return "\n".join(lines)


def remote_viewer_connection_file(ctx: RequestContext, console: ConsoleEntity, params: dict[str, Any]) -> dict[str, Any]:
    """``POST …/graphicsconsoles/{id}/remoteviewerconnectionfile``: the ``.vv`` file in the action."""
    return {"remote_viewer_connection_file": remote_viewer_file(ctx, console)}


def console_or_file(ctx: RequestContext, console: ConsoleEntity) -> Any:
    """What ``GET …/graphicsconsoles/{id}`` answers: the ``.vv`` file when ``Accept`` asks for one."""
    if ctx.params.virt_viewer:
        return RawResult(remote_viewer_file(ctx, console).encode("utf-8"), VIRT_VIEWER)
    return None
