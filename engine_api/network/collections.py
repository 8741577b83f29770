"""The collections of networks and vNIC profiles, and of the networks of data centers and clusters."""
from __future__ import annotations

from engine_api import models as m
from engine_api.datacenters.collections import CLUSTERS, DATA_CENTERS
from engine_api.network import schemas as t
from engine_api.network import search
from engine_api.network.service import (
    add_network,
    add_vnic_profile,
    attach_cluster_network,
    cluster_networks_query,
    detach_cluster_network,
    remove_network,
    remove_vnic_profile,
)
from engine_api.services.registry import CollectionDef, Concept

NETWORKS = CollectionDef(
    "networks", t.Network, m.Network, "Network", add=add_network, remove=remove_network, search=search.NETWORKS)
VNIC_PROFILES = CollectionDef(
    "vnicprofiles", t.VnicProfile, m.VnicProfile, "VnicProfile", add=add_vnic_profile, remove=remove_vnic_profile)
DATA_CENTER_NETWORKS = CollectionDef(
    "networks", t.Network, m.Network, "Network", parent=DATA_CENTERS, parent_key="data_center_id",
    add=add_network, remove=remove_network)
CLUSTER_NETWORKS = CollectionDef(
    "networks", t.Network, m.Network, "Network", parent=CLUSTERS, list_query=cluster_networks_query,
    add=attach_cluster_network, remove=detach_cluster_network, attach=True)
NETWORK_VNIC_PROFILES = CollectionDef(
    "vnicprofiles", t.VnicProfile, m.VnicProfile, "VnicProfile", parent=NETWORKS, parent_key="network_id",
    add=add_vnic_profile, remove=remove_vnic_profile)

CONCEPT = Concept(
    "network", "Networks and vNIC profiles",
    (NETWORKS, VNIC_PROFILES, DATA_CENTER_NETWORKS, CLUSTER_NETWORKS, NETWORK_VNIC_PROFILES),
)
