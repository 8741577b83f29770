"""What one snapshot holds: its disks and vNICs, below ``/vms/{vm}/snapshots/{snapshot}``, one
service call each."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine_api.routes.http import call
from engine_api.snapshots import service
from engine_api.types import API_PREFIX

blp = Blueprint("snapshot-contents", __name__, url_prefix=API_PREFIX,
                description="The disks and vNICs a VM's snapshot holds")
_BASE = "/vms/<vm_id>/snapshots/<snapshot_id>"


@blp.route(f"{_BASE}/disks", methods=["GET"])
@blp.doc(summary="The disks a snapshot holds")
def snapshot_disks(vm_id: str, snapshot_id: str) -> Any:
    return call(service.list_snapshot_disks, vm_id, snapshot_id)


@blp.route(f"{_BASE}/disks/<disk_id>", methods=["GET"])
@blp.doc(summary="One disk a snapshot holds")
def snapshot_disk(vm_id: str, snapshot_id: str, disk_id: str) -> Any:
    return call(service.get_snapshot_disk, vm_id, snapshot_id, disk_id)


@blp.route(f"{_BASE}/nics", methods=["GET"])
@blp.doc(summary="The vNICs a snapshot holds")
def snapshot_nics(vm_id: str, snapshot_id: str) -> Any:
    return call(service.list_snapshot_nics, vm_id, snapshot_id)


@blp.route(f"{_BASE}/nics/<nic_id>", methods=["GET"])
@blp.doc(summary="One vNIC a snapshot holds")
def snapshot_nic(vm_id: str, snapshot_id: str, nic_id: str) -> Any:
    return call(service.get_snapshot_nic, vm_id, snapshot_id, nic_id)
