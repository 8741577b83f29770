"""The VM device table: what the engine knows of each VM's devices."""
from __future__ import annotations

from sqlalchemy import delete, update

from engine_api import models as m
from engine_api.services.context import RequestContext

#: Devices every new VM gets, as (type, device, spec params). Channels are not among them: the
#: run-VM XML always has the guest agent channels, and monitoring records them as unmanaged.
DEFAULT_DEVICES: tuple[tuple[str, str, dict[str, object]], ...] = (
    ("video", "qxl", {"vram": "8192", "heads": "1", "ram": "65536", "vgamem": "16384"}),
    ("graphics", "vnc", {}),
    ("balloon", "memballoon", {"model": "virtio"}),
    ("rng", "virtio", {"source": "urandom"}),
    ("console", "console", {"consoleType": "serial"}),
    ("controller", "virtio-serial", {}),
    ("controller", "virtio-scsi", {}),
    ("controller", "usb", {"model": "qemu-xhci", "index": "0"}),
    ("disk", "cdrom", {"path": ""}),
)


def add_default_devices(ctx: RequestContext, vm: m.Vm) -> None:
    graphics = "spice" if vm.display_type == "spice" else "vnc"
    for kind, device, spec in DEFAULT_DEVICES:
        if kind == "graphics":
            device = graphics
        ctx.session.add(m.VmDevice(vm_id=vm.id, type=kind, device=device, spec_params=dict(spec),
                                   read_only=device == "cdrom"))


def add_disk_device(ctx: RequestContext, vm_id: str, attachment: m.DiskAttachment, boot_order: int = 0) -> None:
    ctx.session.add(m.VmDevice(
        id=attachment.disk_id, vm_id=vm_id, type="disk", device="disk", plugged=attachment.active,
        read_only=attachment.read_only, boot_order=boot_order,
    ))


def add_nic_device(ctx: RequestContext, nic: m.Nic) -> None:
    ctx.session.add(m.VmDevice(
        id=nic.id, vm_id=nic.vm_id, type="interface", device="bridge", plugged=nic.plugged,
    ))


def remove_device(ctx: RequestContext, vm_id: str, device_id: str) -> None:
    ctx.session.execute(delete(m.VmDevice).where(m.VmDevice.vm_id == vm_id, m.VmDevice.id == device_id))


def set_plugged(ctx: RequestContext, vm_id: str, device_id: str, plugged: bool) -> None:
    """Plug or unplug a managed device; an unplugged device gives up its address."""
    values: dict[str, object] = {"plugged": plugged}
    if not plugged:
        values["address"] = None
    ctx.session.execute(update(m.VmDevice).where(m.VmDevice.vm_id == vm_id, m.VmDevice.id == device_id)
                        .values(**values).execution_options(synchronize_session="fetch"))
