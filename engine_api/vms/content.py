"""What a VM read with ``all_content=true`` carries besides its stored document: its console (whether
it has a serial console device) and its OVF as ``initialization.configuration``."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from engine_api import models as m
from engine_api.services.context import RequestContext
from engine_api.vms.ovf import vm_ovf


def console_enabled(ctx: RequestContext, vm_ids: Sequence[str]) -> set[str]:
    """The VMs of ``vm_ids`` that have a console device."""
    if not vm_ids:
        return set()
    return set(ctx.session.scalars(select(m.VmDevice.vm_id).where(
        m.VmDevice.vm_id.in_(list(vm_ids)), m.VmDevice.type == "console")))


def set_console(ctx: RequestContext, vm: m.Vm, enabled: bool) -> None:
    """Add or remove the VM's console device, as the engine's ``consoleEnabled`` does."""
    has = bool(console_enabled(ctx, [vm.id]))
    if enabled and not has:
        ctx.session.add(m.VmDevice(vm_id=vm.id, type="console", device="console",
                                   spec_params={"consoleType": "serial"}))
    elif not enabled and has:
        for device in ctx.session.scalars(select(m.VmDevice).where(m.VmDevice.vm_id == vm.id,
                                                                   m.VmDevice.type == "console")):
            ctx.session.delete(device)


def vm_all_content(ctx: RequestContext, vms: Sequence[m.Vm]) -> list[dict[str, Any]]:
    enabled = console_enabled(ctx, [vm.id for vm in vms])
    return [{
        "console": {"enabled": vm.id in enabled},
        "initialization": {"configuration": {"type": "ovf", "data": vm_ovf(ctx.session, vm, ctx.now)}},
    } for vm in vms]
