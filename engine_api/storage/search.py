"""What ``search=`` understands on storage domains and disks."""
from __future__ import annotations

from sqlalchemy import select

from engine_api import models as m
from engine_api.search import (
    FieldKind,
    SearchField,
    SearchSpec,
    enum_values,
    exists_via,
    name_of,
    named_fields,
)
from engine_api.types import enums

STORAGE_DOMAINS = SearchSpec(
    entity="Storage", entity_aliases=("StorageDomains", "StorageDomain", "Storages"),
    fields=[
        *named_fields(m.StorageDomain),
        SearchField("status", m.StorageDomain.status, kind=FieldKind.ENUM, enum_values=enum_values(enums.STORAGE_DOMAIN_STATUS)),
        SearchField("type", m.StorageDomain.storage_type, kind=FieldKind.ENUM, enum_values=enum_values(enums.STORAGE_TYPE)),
        SearchField("available", m.StorageDomain.available, kind=FieldKind.INT, aliases=("size",)),
        SearchField("used", m.StorageDomain.used, kind=FieldKind.INT),
        SearchField("datacenter", name_of(m.DataCenter, m.StorageDomain.data_center_id),
                    aliases=("datacenter.name", "datacenters.name")),
    ],
    free_text=[m.StorageDomain.name, m.StorageDomain.description],
    default_sort=[("name", "asc")],
    unique_key=m.StorageDomain.id,
)

DISKS = SearchSpec(
    entity="Disks", entity_aliases=("Disk",),
    fields=[
        SearchField("alias", m.Disk.name, aliases=("name",)),
        SearchField("description", m.Disk.description),
        SearchField("id", m.Disk.id),
        SearchField("provisioned_size", m.Disk.provisioned_size, kind=FieldKind.INT, aliases=("provisionedsize", "size")),
        SearchField("actual_size", m.Disk.actual_size, kind=FieldKind.INT, aliases=("actualsize",)),
        SearchField("status", m.Disk.status, kind=FieldKind.ENUM, enum_values=enum_values(enums.DISK_STATUS)),
        SearchField("format", m.Disk.format, kind=FieldKind.ENUM, enum_values=enum_values(enums.DISK_FORMAT)),
        SearchField("shareable", m.Disk.shareable, kind=FieldKind.BOOL),
        SearchField("creationdate", m.Disk.created_at, kind=FieldKind.DATE, aliases=("creation_date",)),
        SearchField("storage", name_of(m.StorageDomain, m.Disk.storage_domain_id),
                    aliases=("storage.name", "storagedomain", "storagedomains.name")),
        SearchField("disk_type", m.Disk.storage_type, kind=FieldKind.ENUM,
                    enum_values=enum_values(enums.DISK_STORAGE_TYPE), aliases=("disktype",)),
        # The names of the VMs a disk is attached to: ``vm_names=web`` finds web's disks.
        SearchField("vm_names", m.Vm.name, aliases=("vmnames", "vms.name"),
                    via=exists_via(select(m.DiskAttachment.disk_id).join(m.Vm, m.Vm.id == m.DiskAttachment.vm_id)
                                   .where(m.DiskAttachment.disk_id == m.Disk.id))),
    ],
    free_text=[m.Disk.name, m.Disk.description],
    default_sort=[("alias", "asc")],
    unique_key=m.Disk.id,
)
