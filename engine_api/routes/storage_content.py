"""What a VM a storage domain holds has: its disks and disk attachments, below
``/storagedomains/{sd}/vms/{vm}``, one service call each."""
from __future__ import annotations

from flask_smorest import Blueprint

from engine_api.routes.collections import register_list_and_one
from engine_api.storage import content
from engine_api.types import API_PREFIX

blp = Blueprint("storage-domain-vm-contents", __name__, url_prefix=API_PREFIX,
                description="The disks and disk attachments of the VMs a storage domain holds")
_BASE = "/storagedomains/<domain_id>/vms/<vm_id>"

register_list_and_one(blp, f"{_BASE}/disks", item="disk_id", endpoint="vm_disk",
                      summaries=("The disks of a VM a storage domain holds", "One disk of a VM a storage domain holds"),
                      services=(content.list_vm_disks, content.get_vm_disk))
register_list_and_one(blp, f"{_BASE}/diskattachments", item="attachment_id", endpoint="vm_disk_attachment",
                      summaries=("The disk attachments of a VM a storage domain holds",
                                 "One disk attachment of a VM a storage domain holds"),
                      services=(content.list_vm_disk_attachments, content.get_vm_disk_attachment))
