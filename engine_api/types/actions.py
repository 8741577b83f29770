"""Schemas of what every action takes and answers, and of faults."""
from __future__ import annotations

from typing import Any

from engine_api.types.base import StructSchema
from engine_api.types.fields import (
    API_PREFIX,
    Boolean,
    Ref,
    String,
    Struct,
    WrappedList,
)


class Fault(StructSchema):
    type_name = "fault"

    reason = String()
    detail = String()


class ActionParameters(StructSchema):
    """The body of an action (``POST /vms/{id}/start``): the parameters actions take."""

    type_name = "action"

    async_ = Boolean(data_key="async")
    force = Boolean()
    pause = Boolean()
    use_cloud_init = Boolean()
    use_sysprep = Boolean()
    volatile = Boolean()
    filter = Boolean()
    reason = String()
    host = Ref("hosts")
    cluster = Ref("clusters")
    vm = Struct(lambda: ActionVm())
    maintenance_after_restart = Boolean()
    stop_gluster_service = Boolean()
    correlation_id = String()
    snapshot = Struct(lambda: ActionId())
    restore_memory = Boolean()
    disks = WrappedList("disk", Struct(lambda: ActionId()))
    storage_domain = Ref("storagedomains")
    clone = Boolean()
    reassign_bad_macs = Boolean()
    vnic_profile_mappings = WrappedList("vnic_profile_mapping", Struct(lambda: ActionVnicProfileMapping()))


class ActionId(StructSchema):
    id = String()


class ActionVm(StructSchema):
    name = String()
    placement_policy = Struct(lambda: ActionPlacement())


class ActionVnicProfileMapping(StructSchema):
    source_network_name = String()
    source_network_profile_name = String()
    target_vnic_profile = Ref("vnicprofiles")


class ActionPlacement(StructSchema):
    hosts = WrappedList("host", Ref("hosts"))


def action_result(status: str, **extra: Any) -> dict[str, Any]:
    """The wire shape of an action's answer."""
    data: dict[str, Any] = dict(extra)
    data["status"] = status
    return data


def job_href(job_id: str) -> str:
    return f"{API_PREFIX}/jobs/{job_id}"
