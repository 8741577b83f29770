"""The collections of VMs and templates, and of their disk attachments and vNICs."""
from __future__ import annotations

from engine_api import models as m
from engine_api.services.follow_handlers import children, references
from engine_api.services.registry import CollectionDef, Concept, StepKind
from engine_api.snapshots.service import VM_ACTIONS as SNAPSHOT_ACTIONS
from engine_api.vms import cdroms, consoles, content, guest, lifecycle, search
from engine_api.vms import schemas as t
from engine_api.vms.attachments import (
    add_vm_disk_attachment,
    remove_disk_attachment,
    update_disk_attachment,
)
from engine_api.vms.nics import (
    add_template_nic,
    add_vm_nic,
    remove_vm_nic,
    update_template_nic,
    update_vm_nic,
)
from engine_api.vms.service import (
    add_template,
    add_vm,
    remove_template,
    remove_vm,
    template_step,
    update_vm,
    vm_image_step,
)

VMS = CollectionDef(
    "vms", t.Vm, m.Vm, "VM", add=add_vm, update=update_vm, remove=remove_vm,
    actions={**lifecycle.ACTIONS, **SNAPSHOT_ACTIONS}, search=search.VMS, all_content=content.vm_all_content)
TEMPLATES = CollectionDef(
    "templates", t.Template, m.Template, "Template", add=add_template, remove=remove_template,
    search=search.TEMPLATES)
VM_DISK_ATTACHMENTS = CollectionDef(
    "diskattachments", t.DiskAttachment, m.DiskAttachment, "DiskAttachment", parent=VMS, parent_key="vm_id",
    id_attribute="disk_id", order_by=("disk_id",), add=add_vm_disk_attachment, update=update_disk_attachment,
    remove=remove_disk_attachment)
TEMPLATE_DISK_ATTACHMENTS = CollectionDef(
    "diskattachments", t.DiskAttachment, m.DiskAttachment, "DiskAttachment", parent=TEMPLATES,
    parent_key="template_id", id_attribute="disk_id", order_by=("disk_id",), read_only=True, removable=False)
VM_NICS = CollectionDef(
    "nics", t.Nic, m.Nic, "Nic", parent=VMS, parent_key="vm_id", add=add_vm_nic, update=update_vm_nic,
    remove=remove_vm_nic)
TEMPLATE_NICS = CollectionDef(
    "nics", t.Nic, m.Nic, "Nic", parent=TEMPLATES, parent_key="template_id", add=add_template_nic,
    update=update_template_nic)

VM_GRAPHICS_CONSOLES = CollectionDef(
    "graphicsconsoles", t.GraphicsConsole, consoles.ConsoleEntity, "GraphicsConsole", parent=VMS, order_by=(),
    compute=consoles.consoles_of, get=consoles.console_or_file, add=consoles.add_console,
    remove=consoles.remove_console,
    actions={"remoteviewerconnectionfile": consoles.remote_viewer_connection_file, "ticket": consoles.set_ticket})

VM_CDROMS = CollectionDef(
    "cdroms", t.Cdrom, cdroms.CdromEntity, "Cdrom", parent=VMS, order_by=(), removable=False,
    compute=cdroms.cdroms_of, add=cdroms.add_cdrom, update=cdroms.update_cdrom)

VM_REPORTED_DEVICES = CollectionDef(
    "reporteddevices", t.ReportedDevice, guest.ReportedDeviceEntity, "ReportedDevice", parent=VMS, order_by=(),
    read_only=True, removable=False, compute=guest.reported_devices_of)
VM_APPLICATIONS = CollectionDef(
    "applications", t.Application, guest.ApplicationEntity, "Application", parent=VMS, order_by=(),
    read_only=True, removable=False, compute=guest.applications_of)

_ATTACHMENT_DISKS = references(m.Disk, "disk_id")

CONCEPT = Concept(
    "vms", "VMs and templates, their disk attachments and vNICs",
    (VMS, TEMPLATES, VM_DISK_ATTACHMENTS, TEMPLATE_DISK_ATTACHMENTS, VM_NICS, TEMPLATE_NICS, VM_GRAPHICS_CONSOLES,
     VM_CDROMS, VM_REPORTED_DEVICES, VM_APPLICATIONS),
    follow=(
        ("vms", "disk_attachments", children("vms/diskattachments")),
        ("vms", "disk_attachments.disk", _ATTACHMENT_DISKS),
        ("vms", "nics", children("vms/nics")),
        ("vms", "cluster", references(m.Cluster, "cluster_id")),
        ("vms", "host", references(m.Host, "host_id")),
        ("vms", "template", references(m.Template, "template_id")),
        ("templates", "disk_attachments", children("templates/diskattachments")),
        ("templates", "disk_attachments.disk", _ATTACHMENT_DISKS),
    ),
    steps={
        "vm": StepKind(lifecycle.vm_step, lock=lifecycle.lock_vm_row),
        "vm-image": StepKind(vm_image_step),
        "template": StepKind(template_step),
    },
)
