"""Parts of the schemas that several concepts' types share: names, versions, CPU topologies, MACs."""
from __future__ import annotations

from typing import Any

from engine_api.types.base import StructSchema, TypeSchema
from engine_api.types.fields import (
    API_PREFIX,
    Integer,
    String,
)


class Version(StructSchema):
    major = Integer(attribute="version_major")
    minor = Integer(attribute="version_minor")


class Named(TypeSchema):
    name = String()
    description = String()
    comment = String()


class Topology(StructSchema):
    sockets = Integer(attribute="cpu_sockets")
    cores = Integer(attribute="cpu_cores")
    threads = Integer(attribute="cpu_threads")


class Identified(StructSchema):
    """A reference by id alone, as a body names the snapshot or disk an operation takes."""

    id = String()


class Mac(StructSchema):
    address = String(attribute="mac")


def owner_href(obj: Any) -> str:
    """The href of the VM or template a disk attachment or NIC belongs to."""
    return f"{API_PREFIX}/vms/{obj.vm_id}" if obj.vm_id else f"{API_PREFIX}/templates/{obj.template_id}"
