"""What ``search=`` understands on hosts."""
from __future__ import annotations

from sqlalchemy import select

from engine_api import models as m
from engine_api.search import (
    FieldKind,
    SearchField,
    SearchSpec,
    enum_values,
    name_of,
    named_fields,
)
from engine_api.tags.search import tag_field
from engine_api.types import enums

MIB = 1024**2
"""The engine searches a host's memory in megabytes (``physical_mem_mb``)."""

HOSTS = SearchSpec(
    entity="Hosts", entity_aliases=("Host",),
    fields=[
        *named_fields(m.Host),
        SearchField("address", m.Host.address),
        SearchField("status", m.Host.status, kind=FieldKind.ENUM, enum_values=enum_values(enums.HOST_STATUS)),
        SearchField("memory", m.Host.memory // MIB, kind=FieldKind.INT),
        SearchField("cluster", name_of(m.Cluster, m.Host.cluster_id), aliases=("cluster.name", "clusters.name")),
        SearchField("datacenter",
                    select(m.DataCenter.name).join(m.Cluster, m.Cluster.data_center_id == m.DataCenter.id)
                    .where(m.Cluster.id == m.Host.cluster_id).correlate_except(m.DataCenter, m.Cluster)
                    .scalar_subquery(),
                    aliases=("datacenter.name", "datacenters.name")),
        tag_field("hosts", m.Host.id),
    ],
    free_text=[m.Host.name, m.Host.address, m.Host.description],
    default_sort=[("name", "asc")],
    unique_key=m.Host.id,
)
