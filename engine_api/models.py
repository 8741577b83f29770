"""The SQL model of the emulated engine, gathered: every table, from the package it belongs to.

Each concept keeps its rows in its own package (``engine_api.vms.rows``…); importing this module
declares them all on one metadata, which is what creating a database needs, and gives the
service layer one name to reach any of them by (``m.Vm``).
"""
from engine_api.datacenters.rows import Cluster, DataCenter
from engine_api.documents.rows import HREF_LENGTH, Change, Document, RevisionCounter
from engine_api.hosts.rows import Host, HostNic
from engine_api.network.rows import ClusterNetwork, MacPool, Network, VnicProfile
from engine_api.permissions.rows import SYSTEM, Permission, Role
from engine_api.rows import (
    Base,
    Lease,
    ModelExtras,
    Named,
    Transition,
    UtcDateTime,
    new_id,
    utcnow,
)
from engine_api.snapshots.rows import Snapshot, SnapshotDisk
from engine_api.storage.rows import Disk, StorageDomain
from engine_api.system.rows import Event, Job, SsoToken, User
from engine_api.tags.rows import ROOT_TAG_ID, ROOT_TAG_NAME, Tag, TagAssignment
from engine_api.vms.rows import (
    BLANK_TEMPLATE_ID,
    MAC_IN_USE_CONSTRAINT,
    DiskAttachment,
    Nic,
    Template,
    Vm,
    VmBase,
    VmDevice,
    VmDomain,
)

__all__ = [
    "BLANK_TEMPLATE_ID", "Base", "Change", "Cluster", "ClusterNetwork", "DataCenter", "Disk", "DiskAttachment",
    "Document", "Event", "HREF_LENGTH", "Host", "HostNic", "Job", "Lease", "MAC_IN_USE_CONSTRAINT", "MacPool",
    "ModelExtras", "Named", "Network", "Nic", "Permission", "ROOT_TAG_ID", "ROOT_TAG_NAME", "RevisionCounter", "Role", "SYSTEM", "Tag",
    "TagAssignment", "Snapshot", "SnapshotDisk", "SsoToken", "StorageDomain", "Template",
    "Transition", "User", "UtcDateTime", "Vm", "VmBase", "VmDevice", "VmDomain", "VnicProfile", "new_id", "utcnow",
]
