"""The collections of hosts and their network interfaces."""
from __future__ import annotations

from engine_api import models as m
from engine_api.hosts import schemas as t
from engine_api.hosts import search
from engine_api.hosts.service import (
    activate_host,
    add_host,
    check_host_upgrade,
    deactivate_host,
    host_step,
    lock_host,
    remove_host,
    update_host,
)
from engine_api.services.follow_handlers import children, references
from engine_api.services.registry import CollectionDef, Concept, StepKind

HOSTS = CollectionDef(
    "hosts", t.Host, m.Host, "Host", add=add_host, update=update_host, remove=remove_host,
    actions={"activate": activate_host, "deactivate": deactivate_host, "upgradecheck": check_host_upgrade},
    search=search.HOSTS)
HOST_NICS = CollectionDef(
    "nics", t.HostNic, m.HostNic, "HostNic", parent=HOSTS, parent_key="host_id", read_only=True, removable=False)

CONCEPT = Concept(
    "hosts", "Hosts and their network interfaces", (HOSTS, HOST_NICS),
    follow=(
        ("hosts", "cluster", references(m.Cluster, "cluster_id")),
        ("hosts", "nics", children("hosts/nics")),
    ),
    steps={"host": StepKind(host_step, lock=lock_host)},
)
