"""vNICs of VMs and templates: MACs from the cluster's pool, hot-plug, linking."""
from __future__ import annotations

from typing import Any, Optional

from engine_api import models as m
from engine_api.faults import cannot
from engine_api.network import macs
from engine_api.services.context import RequestContext
from engine_api.services.crud import require, unique_name
from engine_api.system import events
from engine_api.system.events import acting_user
from engine_api.vms import devices, libvirt_domains, lifecycle
from engine_api.vms.lifecycle import RUNNING_STATES

NIC_NAME_IN_USE = "Network interface name is already in use"
"""``NETWORK_INTERFACE_NAME_ALREADY_IN_USE``, which has no ``Cannot …`` prefix."""

# -- VM NICs ------------------------------------------------------------------------------

def add_vm_nic(ctx: RequestContext, data: dict[str, Any], vm_id: Optional[str]) -> m.Nic:
    vm = ctx.session.get(m.Vm, vm_id)
    assert vm is not None
    require(data, "Nic", "name")
    unique_name(ctx, m.Nic, data["name"], NIC_NAME_IN_USE, vm_id=vm_id)
    if data.get("mac"):
        data["mac"] = macs.check_mac(ctx, data["mac"], vm.cluster_id)
    else:
        data["mac"] = macs.allocate_mac(ctx, vm.cluster_id)
    nic = m.Nic(vm_id=vm_id, mac_pool_id=macs.nic_pool_id(ctx.session, vm.cluster_id), **data)
    ctx.session.add(nic)
    ctx.session.flush()
    devices.add_nic_device(ctx, nic)
    if nic.plugged and libvirt_domains.needs_hotplug(vm):
        lifecycle.lock_vm(ctx, vm)
        libvirt_domains.plug_nic(ctx.session, vm, nic.id)
    events.record_event(ctx, 932, f"Interface {nic.name} ({nic.interface}) was added to VM {vm.name}.",
                        vm_id=vm.id, cluster_id=vm.cluster_id)
    return nic


def update_vm_nic(ctx: RequestContext, nic: m.Nic, data: dict[str, Any]) -> m.Nic:
    if data.get("name") and data["name"] != nic.name:
        unique_name(ctx, m.Nic, data["name"], NIC_NAME_IN_USE, exclude_id=nic.id, vm_id=nic.vm_id)
    if data.get("mac"):
        vm = ctx.session.get(m.Vm, nic.vm_id)
        data["mac"] = macs.check_mac(ctx, data["mac"], vm.cluster_id if vm else None, exclude_nic=nic.id,
                                     action="update NIC")
    plugged = data.pop("plugged", None)
    for key, value in data.items():
        setattr(nic, key, value)
    if plugged is not None and plugged != nic.plugged:
        nic.plugged = plugged
        vm = ctx.session.get(m.Vm, nic.vm_id) if nic.vm_id else None
        if vm is not None:
            devices.set_plugged(ctx, vm.id, nic.id, plugged)
            if libvirt_domains.needs_hotplug(vm):
                _plug_nic(ctx, vm, nic, plugged)
    return nic


def _plug_nic(ctx: RequestContext, vm: m.Vm, nic: m.Nic, plugged: bool) -> None:
    """Hot-plug or hot-unplug a vNIC of a running VM (its device row already says which)."""
    lifecycle.lock_vm(ctx, vm)
    if plugged:
        libvirt_domains.plug_nic(ctx.session, vm, nic.id)
    else:
        libvirt_domains.unplug_nic(ctx.session, vm, nic.id)
    libvirt_domains.nic_plug_event(ctx, vm, nic, plugged, f". (User: {acting_user(ctx)})")


def remove_vm_nic(ctx: RequestContext, nic: m.Nic, parent_id: Optional[str] = None) -> None:
    vm = ctx.session.get(m.Vm, nic.vm_id)
    if vm is not None and vm.status in RUNNING_STATES and nic.plugged:
        raise cannot("remove Interface", "The interface is plugged into a running VM; unplug it first")
    if vm is not None:
        devices.remove_device(ctx, vm.id, nic.id)
        events.record_event(ctx, 930, f"Interface {nic.name} ({nic.interface}) was removed from VM {vm.name}. "
                            f"(User: {acting_user(ctx)})", vm_id=vm.id, cluster_id=vm.cluster_id)
    ctx.session.delete(nic)


# -- template NICs ------------------------------------------------------------------------

def add_template_nic(ctx: RequestContext, data: dict[str, Any], template_id: Optional[str]) -> m.Nic:
    """A vNIC of a template: VMs made from the template get one like it, with a MAC of their own,
    so a template's NIC has none."""
    require(data, "Nic", "name")
    unique_name(ctx, m.Nic, data["name"], NIC_NAME_IN_USE, template_id=template_id)
    data.pop("mac", None)
    nic = m.Nic(template_id=template_id, **data)
    ctx.session.add(nic)
    return nic


def update_template_nic(ctx: RequestContext, nic: m.Nic, data: dict[str, Any]) -> m.Nic:
    if data.get("name") and data["name"] != nic.name:
        unique_name(ctx, m.Nic, data["name"], NIC_NAME_IN_USE, exclude_id=nic.id, template_id=nic.template_id)
    data.pop("mac", None)
    for key, value in data.items():
        setattr(nic, key, value)
    return nic
