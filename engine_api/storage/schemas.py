"""Schemas of storage domains and disks."""
from __future__ import annotations

from typing import Any, Mapping

from marshmallow import pre_load

from engine_api.types import enums
from engine_api.types.base import StructSchema, TypeSchema
from engine_api.types.common import Named
from engine_api.types.fields import (
    Boolean,
    Enum,
    Inline,
    Integer,
    ModelStruct,
    Ref,
    String,
    WrappedList,
)


class HostStorage(StructSchema):
    type = Enum(enums.STORAGE_TYPE, attribute="storage_type")
    address = String(attribute="storage_address")
    path = String(attribute="storage_path")


class StorageDomain(Named):
    type_name, plural, collection = "storage_domain", "storage_domains", "storagedomains"
    links = (("disks", "disks", "disk"),)

    type = Enum(enums.STORAGE_DOMAIN_TYPE)
    storage = Inline(HostStorage)
    storage_format = Enum(enums.STORAGE_FORMAT)
    status = Enum(enums.STORAGE_DOMAIN_STATUS, dump_only=True)
    external_status = Enum(enums.EXTERNAL_STATUS, dump_only=True)
    master = Boolean(dump_only=True)
    available = Integer(dump_only=True)
    used = Integer(dump_only=True)
    committed = Integer(dump_only=True)
    data_center = Ref("datacenters", attribute="data_center_id", dump_only=True)
    data_centers = WrappedList("data_center", Ref("datacenters"), attribute="data_center_ids", dump_only=True)
    host = Ref("hosts", attribute="host_id", load_only=True)


class Disk(TypeSchema):
    type_name, plural, collection = "disk", "disks", "disks"
    links = (("statistics", "statistics", "statistic"),)

    name = String()
    alias = String(attribute="name", dump_only=True)
    description = String()
    comment = String()
    provisioned_size = Integer()
    actual_size = Integer(dump_only=True)
    total_size = Integer(attribute="actual_size", dump_only=True)
    format = Enum(enums.DISK_FORMAT)
    sparse = Boolean()
    shareable = Boolean()
    wipe_after_delete = Boolean()
    propagate_errors = Boolean()
    status = Enum(enums.DISK_STATUS, dump_only=True)
    storage_type = Enum(enums.DISK_STORAGE_TYPE)
    content_type = Enum(enums.DISK_CONTENT_TYPE)
    image_id = String(dump_only=True)
    storage_domains = WrappedList("storage_domain", Ref("storagedomains"), attribute="storage_domain_ids")
    template = Ref("templates", attribute="template_id", dump_only=True)
    lun_storage = ModelStruct("HostStorage", load_only=True)

    @pre_load
    def _alias_as_name(self, data: Any, **kwargs: Any) -> Any:
        """Older clients name a disk by its ``alias``."""
        if isinstance(data, Mapping) and "alias" in data and "name" not in data:
            data = dict(data)
            data["name"] = data.pop("alias")
        return data

    @pre_load
    def _without_empty_storage_domains(self, data: Any, **kwargs: Any) -> Any:
        """A storage domain given with neither id nor name (``<storage_domain/>``, which
        ``ovirt_disk`` sends on every update) is no reference: the engine ignores it."""
        if not isinstance(data, Mapping) or not isinstance(data.get("storage_domains"), Mapping):
            return data
        items = data["storage_domains"].get("storage_domain")
        if items is None:
            return data
        listed = items if isinstance(items, list) else [items]
        kept = [item for item in listed if not _empty_reference(item)]
        if len(kept) == len(listed):
            return data
        data = dict(data)
        if kept:
            data["storage_domains"] = {"storage_domain": kept}
        else:
            del data["storage_domains"]
        return data


def _empty_reference(item: Any) -> bool:
    if item in ("", None):
        return True
    return isinstance(item, Mapping) and not any(item.get(key) for key in ("id", "name", "href"))
