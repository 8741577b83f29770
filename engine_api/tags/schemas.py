"""The schema of a tag, in the tag tree and on the objects it is assigned to."""
from __future__ import annotations

from typing import Any

from engine_api.statistics.schemas import Owner
from engine_api.types.base import ComputedSchema, TypeSchema
from engine_api.types.fields import Ref, String, Struct


class Tag(TypeSchema):
    type_name, plural, collection = "tag", "tags", "tags"

    name = String()
    description = String()
    parent = Ref("tags", attribute="parent_id")


class AssignedTag(ComputedSchema):
    """A tag as an object lists it (``/vms/{vm}/tags/{tag}``), with the object it is on."""

    type_name, plural, collection = "tag", "tags", "tags"

    id = String()
    name = String()
    description = String(dump_only=True)
    parent = Ref("tags", attribute="parent_id", dump_only=True)
    vm = Struct(Owner, dump_only=True)
    host = Struct(Owner, dump_only=True)
    template = Struct(Owner, dump_only=True)
    user = Struct(Owner, dump_only=True)

    @classmethod
    def href(cls, obj: Any) -> str:
        return obj.href
