"""The schema of a statistic, as the engine writes one."""
from __future__ import annotations


from engine_api.types.base import ComputedSchema, StructSchema
from engine_api.types.fields import String, Struct, WrappedList


class Value(StructSchema):
    datum = String(dump_only=True)
    detail = String(dump_only=True)


class Owner(StructSchema):
    """The link of a statistic to what it measures: ``<vm href="…" id="…"/>``."""

    href = String(dump_only=True)
    id = String(dump_only=True)


class Statistic(ComputedSchema):
    type_name, plural, collection = "statistic", "statistics", "statistics"

    name = String(dump_only=True)
    description = String(dump_only=True)
    kind = String(dump_only=True)
    type = String(dump_only=True)
    unit = String(dump_only=True)
    values = WrappedList("value", Struct(Value), dump_only=True)
    disk = Struct(Owner, dump_only=True)
    host = Struct(Owner, dump_only=True)
    host_nic = Struct(Owner, dump_only=True)
    nic = Struct(Owner, dump_only=True)
    vm = Struct(Owner, dump_only=True)
