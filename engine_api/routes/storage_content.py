"""What a VM a storage domain holds has: its disks and disk attachments, below
``/storagedomains/{sd}/vms/{vm}``, one service call each."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine_api.routes.http import call
from engine_api.storage import content
from engine_api.types import API_PREFIX

blp = Blueprint("storage-domain-vm-contents", __name__, url_prefix=API_PREFIX,
                description="The disks and disk attachments of the VMs a storage domain holds")
_BASE = "/storagedomains/<domain_id>/vms/<vm_id>"


@blp.route(f"{_BASE}/disks", methods=["GET"])
@blp.doc(summary="The disks of a VM a storage domain holds")
def vm_disks(domain_id: str, vm_id: str) -> Any:
    return call(content.list_vm_disks, domain_id, vm_id)


@blp.route(f"{_BASE}/disks/<disk_id>", methods=["GET"])
@blp.doc(summary="One disk of a VM a storage domain holds")
def vm_disk(domain_id: str, vm_id: str, disk_id: str) -> Any:
    return call(content.get_vm_disk, domain_id, vm_id, disk_id)


@blp.route(f"{_BASE}/diskattachments", methods=["GET"])
@blp.doc(summary="The disk attachments of a VM a storage domain holds")
def vm_disk_attachments(domain_id: str, vm_id: str) -> Any:
    return call(content.list_vm_disk_attachments, domain_id, vm_id)


@blp.route(f"{_BASE}/diskattachments/<attachment_id>", methods=["GET"])
@blp.doc(summary="One disk attachment of a VM a storage domain holds")
def vm_disk_attachment(domain_id: str, vm_id: str, attachment_id: str) -> Any:
    return call(content.get_vm_disk_attachment, domain_id, vm_id, attachment_id)
