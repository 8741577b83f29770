"""The statistics of VMs, hosts and disks as computed sub-collections, and their ``follow=``."""
from __future__ import annotations

from engine_api.hosts.collections import HOSTS
from engine_api.services.follow_handlers import computed_children
from engine_api.services.registry import CollectionDef, Concept
from engine_api.statistics import service
from engine_api.statistics.schemas import Statistic
from engine_api.statistics.service import StatisticEntity
from engine_api.storage.collections import DISKS
from engine_api.vms.collections import VMS


def _statistics_of(parent: CollectionDef, compute: service.Compute) -> CollectionDef:
    return CollectionDef("statistics", Statistic, StatisticEntity, "Statistic", parent=parent, order_by=(),
                         read_only=True, removable=False, compute=compute)


VM_STATISTICS = _statistics_of(VMS, service.of_vms)
HOST_STATISTICS = _statistics_of(HOSTS, service.of_hosts)
DISK_STATISTICS = _statistics_of(DISKS, service.of_disks)

CONCEPT = Concept(
    "statistics", "Statistics of VMs, hosts, NICs and disks",
    (VM_STATISTICS, HOST_STATISTICS, DISK_STATISTICS),
    follow=(
        ("vms", "statistics", computed_children("vms/statistics")),
        ("hosts", "statistics", computed_children("hosts/statistics")),
        ("disks", "statistics", computed_children("disks/statistics")),
    ),
)
