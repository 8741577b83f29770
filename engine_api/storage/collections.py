"""The collections of storage domains and disks, and of a data center's storage domains."""
from __future__ import annotations

from engine_api import models as m
from engine_api.datacenters.collections import DATA_CENTERS
from engine_api.services.follow_handlers import reference_lists
from engine_api.services.registry import CollectionDef, Concept, StepKind
from engine_api.storage import content, search
from engine_api.storage import schemas as t
from engine_api.storage.disks import (
    add_disk,
    add_storage_domain_disk,
    disk_step,
    remove_disk,
    storage_domain_disks,
    update_disk,
)
from engine_api.storage.domains import (
    activate_storage_domain,
    add_storage_domain,
    attach_storage_domain,
    deactivate_storage_domain,
    detach_storage_domain,
    remove_storage_domain,
    storage_domain_step,
    update_storage_domain,
)

STORAGE_DOMAINS = CollectionDef(
    "storagedomains", t.StorageDomain, m.StorageDomain, "StorageDomain",
    add=add_storage_domain, update=update_storage_domain, remove=remove_storage_domain,
    search=search.STORAGE_DOMAINS)
DISKS = CollectionDef("disks", t.Disk, m.Disk, "Disk", add=add_disk, update=update_disk, remove=remove_disk,
                      search=search.DISKS)
DATA_CENTER_STORAGE_DOMAINS = CollectionDef(
    "storagedomains", t.StorageDomain, m.StorageDomain, "StorageDomain", parent=DATA_CENTERS,
    parent_key="data_center_id", add=attach_storage_domain, remove=detach_storage_domain, attach=True,
    actions={"activate": activate_storage_domain, "deactivate": deactivate_storage_domain})
STORAGE_DOMAIN_DISKS = CollectionDef(
    "disks", t.Disk, m.Disk, "Disk", parent=STORAGE_DOMAINS, list_query=storage_domain_disks,
    add=add_storage_domain_disk, remove=remove_disk)
STORAGE_DOMAIN_VMS = CollectionDef(
    "vms", content.StorageDomainVm, content.HeldVm, "VM", parent=STORAGE_DOMAINS, order_by=(), read_only=True,
    compute=content.held_vms, find=content.find_held_vm, remove=content.remove_held_vm,
    actions={"import": content.import_vm, "register": content.register_vm})

CONCEPT = Concept(
    "storage", "Storage domains and disks",
    (STORAGE_DOMAINS, DISKS, DATA_CENTER_STORAGE_DOMAINS, STORAGE_DOMAIN_DISKS, STORAGE_DOMAIN_VMS),
    follow=(("disks", "storage_domains", reference_lists(m.StorageDomain, "storage_domain_ids")),),
    steps={"disk": StepKind(disk_step), "storage-domain": StepKind(storage_domain_step),
           content.KIND: StepKind(content.import_step)},
)
