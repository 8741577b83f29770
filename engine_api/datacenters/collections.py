"""The collections of data centers and clusters."""
from __future__ import annotations

from engine_api import models as m
from engine_api.datacenters import schemas as t
from engine_api.datacenters import search
from engine_api.datacenters.service import (
    add_cluster,
    add_data_center,
    remove_cluster,
    remove_data_center,
    update_cluster,
    update_data_center,
)
from engine_api.services.follow_handlers import references
from engine_api.services.registry import CollectionDef, Concept

DATA_CENTERS = CollectionDef(
    "datacenters", t.DataCenter, m.DataCenter, "DataCenter", add=add_data_center, update=update_data_center,
    remove=remove_data_center, search=search.DATA_CENTERS)
CLUSTERS = CollectionDef(
    "clusters", t.Cluster, m.Cluster, "Cluster", add=add_cluster, update=update_cluster, remove=remove_cluster,
    search=search.CLUSTERS)
DATA_CENTER_CLUSTERS = CollectionDef(
    "clusters", t.Cluster, m.Cluster, "Cluster", parent=DATA_CENTERS, parent_key="data_center_id",
    add=add_cluster, update=update_cluster, remove=remove_cluster)

CONCEPT = Concept(
    "datacenters", "Data centers and their clusters", (DATA_CENTERS, CLUSTERS, DATA_CENTER_CLUSTERS),
    follow=(("clusters", "data_center", references(m.DataCenter, "data_center_id")),),
)
