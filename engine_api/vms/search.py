"""What ``search=`` understands on VMs and templates."""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

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
from engine_api.tags.search import tag_field
from engine_api.types import enums

MIB = 1024**2
"""The engine searches the memory of VMs and templates in megabytes (``mem_size_mb``)."""

CLUSTER_NAME_OF_VM = name_of(m.Cluster, m.Vm.cluster_id)

HOST_NAME_OF_VM = name_of(m.Host, m.Vm.host_id)

TEMPLATE_NAME_OF_VM = name_of(m.Template, m.Vm.template_id)

DC_NAME_OF_VM = (
    select(m.DataCenter.name).join(m.Cluster, m.Cluster.data_center_id == m.DataCenter.id)
    .where(m.Cluster.id == m.Vm.cluster_id).correlate_except(m.DataCenter, m.Cluster).scalar_subquery()
)

VMS = SearchSpec(
    entity="Vms", entity_aliases=("Vm",),
    fields=[
        *named_fields(m.Vm),
        SearchField("status", m.Vm.status, kind=FieldKind.ENUM, enum_values=enum_values(enums.VM_STATUS)),
        SearchField("memory", m.Vm.memory // MIB, kind=FieldKind.INT),
        SearchField("type", m.Vm.type, kind=FieldKind.ENUM, enum_values=enum_values(enums.VM_TYPE)),
        SearchField("os", m.Vm.os_type),
        SearchField("creationdate", m.Vm.creation_time, kind=FieldKind.DATE, aliases=("creation_date",)),
        SearchField("stateless", m.Vm.stateless, kind=FieldKind.BOOL),
        SearchField("cluster", CLUSTER_NAME_OF_VM, aliases=("cluster.name", "clusters.name")),
        SearchField("host", HOST_NAME_OF_VM, aliases=("host.name", "hosts.name")),
        SearchField("template", TEMPLATE_NAME_OF_VM, aliases=("template.name", "templates.name")),
        SearchField("datacenter", DC_NAME_OF_VM, aliases=("datacenter.name", "datacenters.name")),
        tag_field("vms", m.Vm.id),
    ],
    free_text=[m.Vm.name, m.Vm.description, m.Vm.comment],
    default_sort=[("name", "asc")],
    unique_key=m.Vm.id,
)

def _in_data_center(predicate: Any) -> Any:
    """A template's data center is its cluster's; the Blank template is in every data center."""
    clusters = select(m.Cluster.id).join(m.DataCenter, m.DataCenter.id == m.Cluster.data_center_id)
    return or_(m.Template.id == m.BLANK_TEMPLATE_ID,
               clusters.where(m.Cluster.id == m.Template.cluster_id, predicate).exists())


TEMPLATES = SearchSpec(
    entity="Templates", entity_aliases=("Template",),
    fields=[
        *named_fields(m.Template),
        SearchField("status", m.Template.status, kind=FieldKind.ENUM, enum_values=enum_values(enums.TEMPLATE_STATUS)),
        SearchField("mem", m.Template.memory // MIB, kind=FieldKind.INT, aliases=("memory",)),
        SearchField("os", m.Template.os_type),
        SearchField("creationdate", m.Template.creation_time, kind=FieldKind.DATE, aliases=("creation_date",)),
        SearchField("cluster", name_of(m.Cluster, m.Template.cluster_id),
                    aliases=("cluster.name", "clusters.name")),
        SearchField("datacenter", m.DataCenter.name, aliases=("datacenter.name", "datacenters.name"),
                    via=_in_data_center),
        # The VMs made from a template: ``vm.name=web`` finds web's template.
        SearchField("vm", m.Vm.name, aliases=("vm.name", "vms.name"),
                    via=exists_via(select(m.Vm.id).where(m.Vm.template_id == m.Template.id))),
        tag_field("templates", m.Template.id),
    ],
    free_text=[m.Template.name, m.Template.description],
    default_sort=[("name", "asc")],
    unique_key=m.Template.id,
)
