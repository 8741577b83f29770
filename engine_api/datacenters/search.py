"""What ``search=`` understands on data centers and clusters."""
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

DATA_CENTERS = SearchSpec(
    entity="Datacenter", entity_aliases=("Datacenters", "DataCenter", "DataCenters"),
    fields=[
        *named_fields(m.DataCenter),
        SearchField("status", m.DataCenter.status, kind=FieldKind.ENUM, enum_values=enum_values(enums.DATA_CENTER_STATUS)),
        SearchField("local", m.DataCenter.local, kind=FieldKind.BOOL),
        SearchField("clusters.name", m.Cluster.name, aliases=("cluster", "cluster.name"),
                    via=exists_via(select(m.Cluster.id).where(m.Cluster.data_center_id == m.DataCenter.id)
                                   .correlate(m.DataCenter))),
        SearchField("storage.name", m.StorageDomain.name, aliases=("storage", "storagedomains.name"),
                    via=exists_via(select(m.StorageDomain.id)
                                   .where(m.StorageDomain.data_center_id == m.DataCenter.id)
                                   .correlate(m.DataCenter))),
    ],
    free_text=[m.DataCenter.name, m.DataCenter.description],
    default_sort=[("name", "asc")],
    unique_key=m.DataCenter.id,
)

CLUSTERS = SearchSpec(
    entity="Clusters", entity_aliases=("Cluster",),
    fields=[
        *named_fields(m.Cluster),
        SearchField("architecture", m.Cluster.cpu_architecture, kind=FieldKind.ENUM, enum_values=enum_values(enums.ARCHITECTURE)),
        SearchField("datacenter", name_of(m.DataCenter, m.Cluster.data_center_id),
                    aliases=("datacenter.name", "datacenters.name")),
    ],
    free_text=[m.Cluster.name, m.Cluster.description],
    default_sort=[("name", "asc")],
    unique_key=m.Cluster.id,
)
