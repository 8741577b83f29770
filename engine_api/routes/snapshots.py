"""What one snapshot holds: its disks and vNICs, below ``/vms/{vm}/snapshots/{snapshot}``, one
service call each."""
from __future__ import annotations

from flask_smorest import Blueprint

from engine_api.routes.collections import register_list_and_one
from engine_api.snapshots import service
from engine_api.types import API_PREFIX

blp = Blueprint("snapshot-contents", __name__, url_prefix=API_PREFIX,
                description="The disks and vNICs a VM's snapshot holds")
_BASE = "/vms/<vm_id>/snapshots/<snapshot_id>"

register_list_and_one(blp, f"{_BASE}/disks", item="disk_id", endpoint="snapshot_disk",
                      summaries=("The disks a snapshot holds", "One disk a snapshot holds"),
                      services=(service.list_snapshot_disks, service.get_snapshot_disk))
register_list_and_one(blp, f"{_BASE}/nics", item="nic_id", endpoint="snapshot_nic",
                      summaries=("The vNICs a snapshot holds", "One vNIC a snapshot holds"),
                      services=(service.list_snapshot_nics, service.get_snapshot_nic))
