"""The SQL model of the emulated engine (SQLAlchemy 2, typed declarative)."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from engine_api.limits import at_least

BLANK_TEMPLATE_ID = "00000000-0000-0000-0000-000000000000"
#: The unique index that keeps a MAC address to one NIC per MAC pool.
MAC_IN_USE_CONSTRAINT = "uq_nics_mac_pool_mac"


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[dt.datetime], dialect: Any) -> Optional[dt.datetime]:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc) if value is not None else None

    def process_result_value(self, value: Optional[dt.datetime], dialect: Any) -> Optional[dt.datetime]:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


Id = String(36)
HREF_LENGTH = 512
"""The longest href a document has: the deepest path of the API with ids of 64 characters."""


class Base(DeclarativeBase):
    pass


class ModelExtras:
    """What a client set of an entity's attributes that the API model defines and its columns do
    not hold (a VM's ``serial_number``, a host's ``power_management``…), in the JSON wire shape,
    so that it reads back what it set."""

    model_extras: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON, default=None)


class Named:
    """Columns every named entity has."""

    name: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[Optional[str]] = mapped_column(Text)
    comment: Mapped[Optional[str]] = mapped_column(Text)


class User(ModelExtras, Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    user_name: Mapped[str] = mapped_column(String(255), unique=True)
    domain: Mapped[str] = mapped_column(String(255), default="internal-authz")
    principal: Mapped[str] = mapped_column(String(255))


class SsoToken(Base):
    """An SSO access token: the SHA-256 of the token (hex), never the token itself."""

    __tablename__ = "sso_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class DataCenter(ModelExtras, Named, Base):
    __tablename__ = "data_centers"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(32), default="uninitialized")
    storage_format: Mapped[str] = mapped_column(String(8), default="v5")
    version_major: Mapped[int] = mapped_column(Integer, default=4, info=at_least(0))
    version_minor: Mapped[int] = mapped_column(Integer, default=7, info=at_least(0))
    quota_mode: Mapped[str] = mapped_column(String(16), default="disabled")


class Cluster(ModelExtras, Named, Base):
    __tablename__ = "clusters"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    data_center_id: Mapped[Optional[str]] = mapped_column(ForeignKey("data_centers.id"), index=True)
    cpu_type: Mapped[Optional[str]] = mapped_column(String(255))
    cpu_architecture: Mapped[str] = mapped_column(String(16), default="x86_64")
    version_major: Mapped[int] = mapped_column(Integer, default=4, info=at_least(0))
    version_minor: Mapped[int] = mapped_column(Integer, default=7, info=at_least(0))
    memory_over_commit: Mapped[int] = mapped_column(Integer, default=100, info=at_least(0))
    ballooning_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    mac_pool_id: Mapped[Optional[str]] = mapped_column(ForeignKey("mac_pools.id"))


class Host(ModelExtras, Named, Base):
    __tablename__ = "hosts"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    address: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=54321, info=at_least(0, 65535))
    cluster_id: Mapped[Optional[str]] = mapped_column(ForeignKey("clusters.id"), index=True)
    status: Mapped[str] = mapped_column(String(32), default="installing")
    type: Mapped[str] = mapped_column(String(32), default="rhel")
    memory: Mapped[int] = mapped_column(BigInteger, default=32 * 1024**3, info=at_least(0))
    cpu_sockets: Mapped[int] = mapped_column(Integer, default=2, info=at_least(1))
    cpu_cores: Mapped[int] = mapped_column(Integer, default=8, info=at_least(1))
    cpu_threads: Mapped[int] = mapped_column(Integer, default=2, info=at_least(1))
    cpu_name: Mapped[str] = mapped_column(String(255), default="Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz")
    cpu_speed: Mapped[int] = mapped_column(Integer, default=2100, info=at_least(0))
    spm_status: Mapped[str] = mapped_column(String(16), default="none")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class HostNic(ModelExtras, Base):
    __tablename__ = "host_nics"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    host_id: Mapped[str] = mapped_column(ForeignKey("hosts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(17))
    ip_address: Mapped[Optional[str]] = mapped_column(String(64))
    speed: Mapped[int] = mapped_column(BigInteger, default=10_000_000_000, info=at_least(0))
    mtu: Mapped[int] = mapped_column(Integer, default=1500, info=at_least(0))
    status: Mapped[str] = mapped_column(String(16), default="up")
    network_id: Mapped[Optional[str]] = mapped_column(ForeignKey("networks.id", ondelete="SET NULL"))


class StorageDomain(ModelExtras, Named, Base):
    __tablename__ = "storage_domains"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(16), default="data")
    storage_type: Mapped[str] = mapped_column(String(16), default="nfs")
    storage_address: Mapped[Optional[str]] = mapped_column(String(255))
    storage_path: Mapped[Optional[str]] = mapped_column(String(1024))
    storage_format: Mapped[str] = mapped_column(String(8), default="v5")
    data_center_id: Mapped[Optional[str]] = mapped_column(ForeignKey("data_centers.id"), index=True)
    status: Mapped[Optional[str]] = mapped_column(String(32))
    external_status: Mapped[str] = mapped_column(String(16), default="ok")
    master: Mapped[bool] = mapped_column(Boolean, default=False)
    available: Mapped[int] = mapped_column(BigInteger, default=2 * 1024**4, info=at_least(0))
    used: Mapped[int] = mapped_column(BigInteger, default=0, info=at_least(0))
    committed: Mapped[int] = mapped_column(BigInteger, default=0, info=at_least(0))
    host_id: Mapped[Optional[str]] = mapped_column(ForeignKey("hosts.id", ondelete="SET NULL"))

    @property
    def data_center_ids(self) -> list[str]:
        return [self.data_center_id] if self.data_center_id else []


class Network(ModelExtras, Named, Base):
    __tablename__ = "networks"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    data_center_id: Mapped[Optional[str]] = mapped_column(ForeignKey("data_centers.id"), index=True)
    vlan_id: Mapped[Optional[int]] = mapped_column(Integer, info=at_least(0, 4094))
    mtu: Mapped[int] = mapped_column(Integer, default=0, info=at_least(0))
    stp: Mapped[bool] = mapped_column(Boolean, default=False)
    usages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["vm"])
    status: Mapped[str] = mapped_column(String(32), default="operational")


class ClusterNetwork(Base):
    __tablename__ = "cluster_networks"
    __table_args__ = (UniqueConstraint("cluster_id", "network_id"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    display: Mapped[bool] = mapped_column(Boolean, default=False)


class VnicProfile(ModelExtras, Named, Base):
    __tablename__ = "vnic_profiles"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    pass_through: Mapped[str] = mapped_column(String(16), default="disabled")
    port_mirroring: Mapped[bool] = mapped_column(Boolean, default=False)


class MacPool(ModelExtras, Named, Base):
    __tablename__ = "mac_pools"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    range_from: Mapped[int] = mapped_column(BigInteger)
    range_to: Mapped[int] = mapped_column(BigInteger)
    next_mac: Mapped[int] = mapped_column(BigInteger)
    allow_duplicates: Mapped[bool] = mapped_column(Boolean, default=False)
    default_pool: Mapped[bool] = mapped_column(Boolean, default=False)


class VmBase:
    """Columns VMs and templates share (the engine's VmBase)."""

    memory: Mapped[int] = mapped_column(BigInteger, default=1024**3, info=at_least(0))
    memory_guaranteed: Mapped[Optional[int]] = mapped_column(BigInteger, info=at_least(0))
    memory_max: Mapped[Optional[int]] = mapped_column(BigInteger, info=at_least(0))
    cpu_sockets: Mapped[int] = mapped_column(Integer, default=1, info=at_least(1))
    cpu_cores: Mapped[int] = mapped_column(Integer, default=1, info=at_least(1))
    cpu_threads: Mapped[int] = mapped_column(Integer, default=1, info=at_least(1))
    cpu_architecture: Mapped[Optional[str]] = mapped_column(String(16))
    os_type: Mapped[str] = mapped_column(String(64), default="other")
    boot_devices: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["hd"])
    type: Mapped[str] = mapped_column(String(32), default="server")
    stateless: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[str] = mapped_column(String(32), default="ovirt")
    display_type: Mapped[str] = mapped_column(String(16), default="vnc")
    high_availability: Mapped[bool] = mapped_column(Boolean, default=False)
    creation_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Template(ModelExtras, Named, VmBase, Base):
    __tablename__ = "templates"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    cluster_id: Mapped[Optional[str]] = mapped_column(ForeignKey("clusters.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="ok")
    version_number: Mapped[int] = mapped_column(Integer, default=1)
    version_name: Mapped[Optional[str]] = mapped_column(String(255))
    source_vm_id: Mapped[Optional[str]] = mapped_column(String(36))


class Vm(ModelExtras, Named, VmBase, Base):
    __tablename__ = "vms"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.id"), index=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id"), default=BLANK_TEMPLATE_ID, index=True)
    host_id: Mapped[Optional[str]] = mapped_column(ForeignKey("hosts.id"), index=True)
    placement_host_id: Mapped[Optional[str]] = mapped_column(ForeignKey("hosts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(32), default="down", index=True)
    start_time: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime)
    stop_time: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime)
    stop_reason: Mapped[Optional[str]] = mapped_column(Text)
    run_once: Mapped[bool] = mapped_column(Boolean, default=False)
    devices_hash: Mapped[Optional[str]] = mapped_column(String(64))
    """The devices hash of the Domain XML that device monitoring last applied."""


class Disk(ModelExtras, Base):
    __tablename__ = "disks"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[Optional[str]] = mapped_column(Text)
    comment: Mapped[Optional[str]] = mapped_column(Text)
    image_id: Mapped[str] = mapped_column(Id, default=new_id)
    provisioned_size: Mapped[int] = mapped_column(BigInteger, info=at_least(0))
    actual_size: Mapped[int] = mapped_column(BigInteger, default=0, info=at_least(0))
    format: Mapped[str] = mapped_column(String(8), default="cow")
    sparse: Mapped[bool] = mapped_column(Boolean, default=True)
    shareable: Mapped[bool] = mapped_column(Boolean, default=False)
    wipe_after_delete: Mapped[bool] = mapped_column(Boolean, default=False)
    propagate_errors: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="locked")
    storage_type: Mapped[str] = mapped_column(String(16), default="image")
    content_type: Mapped[str] = mapped_column(String(32), default="data")
    storage_domain_id: Mapped[Optional[str]] = mapped_column(ForeignKey("storage_domains.id"), index=True)
    template_id: Mapped[Optional[str]] = mapped_column(ForeignKey("templates.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    @property
    def storage_domain_ids(self) -> list[str]:
        return [self.storage_domain_id] if self.storage_domain_id else []


class DiskAttachment(ModelExtras, Base):
    """A disk attached to a VM or to a template; on the wire its id is the disk's id."""

    __tablename__ = "disk_attachments"
    __table_args__ = (
        UniqueConstraint("vm_id", "disk_id"),
        UniqueConstraint("template_id", "disk_id"),
    )

    pk: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    disk_id: Mapped[str] = mapped_column(ForeignKey("disks.id", ondelete="CASCADE"), index=True)
    vm_id: Mapped[Optional[str]] = mapped_column(ForeignKey("vms.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[Optional[str]] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"), index=True)
    interface: Mapped[str] = mapped_column(String(16), default="virtio")
    bootable: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    pass_discard: Mapped[bool] = mapped_column(Boolean, default=False)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    uses_scsi_reservation: Mapped[bool] = mapped_column(Boolean, default=False)
    logical_name: Mapped[Optional[str]] = mapped_column(String(64))

    @property
    def id(self) -> str:
        return self.disk_id


class Nic(ModelExtras, Base):
    """A vNIC of a VM or a template.

    ``mac_pool_id`` is the MAC pool the NIC's MAC is taken from, kept unique within it; it is
    empty for template NICs, which have no MAC, and for pools that allow duplicates.
    """

    __tablename__ = "nics"
    __table_args__ = (UniqueConstraint("mac_pool_id", "mac", name=MAC_IN_USE_CONSTRAINT),)

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    vm_id: Mapped[Optional[str]] = mapped_column(ForeignKey("vms.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[Optional[str]] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[Optional[str]] = mapped_column(Text)
    comment: Mapped[Optional[str]] = mapped_column(Text)
    interface: Mapped[str] = mapped_column(String(16), default="virtio")
    mac: Mapped[Optional[str]] = mapped_column(String(17), index=True)
    mac_pool_id: Mapped[Optional[str]] = mapped_column(ForeignKey("mac_pools.id", ondelete="SET NULL"))
    vnic_profile_id: Mapped[Optional[str]] = mapped_column(ForeignKey("vnic_profiles.id", ondelete="SET NULL"))
    plugged: Mapped[bool] = mapped_column(Boolean, default=True)
    linked: Mapped[bool] = mapped_column(Boolean, default=True)


class VmDevice(Base):
    """Every device of a VM as the engine tracks it; disks and NICs share their entity's id."""

    __tablename__ = "vm_devices"
    __table_args__ = (Index("ix_vm_devices_vm_type", "vm_id", "type"),)

    pk: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    id: Mapped[str] = mapped_column(Id, default=new_id, index=True)
    vm_id: Mapped[str] = mapped_column(ForeignKey("vms.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    device: Mapped[str] = mapped_column(String(64))
    address: Mapped[Optional[dict[str, str]]] = mapped_column(JSON)
    alias: Mapped[Optional[str]] = mapped_column(String(255))
    managed: Mapped[bool] = mapped_column(Boolean, default=True)
    plugged: Mapped[bool] = mapped_column(Boolean, default=True)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    logical_name: Mapped[Optional[str]] = mapped_column(String(64))
    boot_order: Mapped[int] = mapped_column(Integer, default=0, info=at_least(0))
    spec_params: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)


class VmDomain(Base):
    """A running VM's libvirt domain as its (simulated) host reports it.

    This is the host's side: the Domain XML libvirt would answer ``dumpxmls`` with and the
    devices hash reported with the VM's statistics. Device monitoring compares that hash with
    :attr:`Vm.devices_hash` to find the VMs whose XML it has to read.
    """

    __tablename__ = "vm_domains"

    vm_id: Mapped[str] = mapped_column(ForeignKey("vms.id", ondelete="CASCADE"), primary_key=True)
    host_id: Mapped[Optional[str]] = mapped_column(ForeignKey("hosts.id", ondelete="SET NULL"))
    domain_id: Mapped[int] = mapped_column(Integer, default=1)
    xml: Mapped[str] = mapped_column(Text)
    devices_hash: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Event(ModelExtras, Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[int] = mapped_column(Integer, index=True)
    severity: Mapped[str] = mapped_column(String(16), default="normal")
    time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    description: Mapped[str] = mapped_column(Text)
    correlation_id: Mapped[Optional[str]] = mapped_column(String(255), index=True)
    origin: Mapped[str] = mapped_column(String(255), default="oVirt")
    custom_id: Mapped[int] = mapped_column(Integer, default=-1)
    flood_rate: Mapped[int] = mapped_column(Integer, default=30, info=at_least(0))
    vm_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    host_id: Mapped[Optional[str]] = mapped_column(String(36), index=True)
    cluster_id: Mapped[Optional[str]] = mapped_column(String(36))
    data_center_id: Mapped[Optional[str]] = mapped_column(String(36))
    storage_domain_id: Mapped[Optional[str]] = mapped_column(String(36))
    template_id: Mapped[Optional[str]] = mapped_column(String(36))
    user_id: Mapped[Optional[str]] = mapped_column(String(36))


class Job(ModelExtras, Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="started")
    start_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    end_time: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime)
    last_updated: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_cleared: Mapped[bool] = mapped_column(Boolean, default=True)
    correlation_id: Mapped[Optional[str]] = mapped_column(String(255), index=True)
    owner_id: Mapped[Optional[str]] = mapped_column(String(36))


class Transition(Base):
    """A state change due at a given time: what makes the engine's asynchronous work happen."""

    __tablename__ = "transitions"
    __table_args__ = (Index("ix_transitions_due", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    step: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    job_id: Mapped[Optional[str]] = mapped_column(String(36))
    correlation_id: Mapped[Optional[str]] = mapped_column(String(255))
    payload: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)


class Lease(Base):
    """A duty one process of several holds at a time (the ticker), until ``expires_at`` (epoch s)."""

    __tablename__ = "engine_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[float] = mapped_column(Float)


class Document(Base):
    """The full wire representation (JSON shape) of one API entity, as of ``revision``.

    ``href`` is the entity's API path; ``collection`` the registry key of the collection that
    holds it (``vms``, ``vms/nics``), or for an entity of the generic store its path template
    without identifiers (``vms/snapshots``). Entities with bespoke behaviour keep their rows too;
    types without it live here alone.
    """

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_collection", "collection", "entity_id"),
                      Index("ix_documents_row", "collection", "row_key"))

    href: Mapped[str] = mapped_column(String(HREF_LENGTH), primary_key=True)
    collection: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[str] = mapped_column(String(64))
    """The primary key of the entity's row; for an entity without a row, its insertion order."""
    parent_href: Mapped[Optional[str]] = mapped_column(String(HREF_LENGTH), index=True)
    revision: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[str] = mapped_column(Text)
    """The JSON wire shape, as JSON text."""
    xml: Mapped[str] = mapped_column(Text)
    """The same entity as its XML element: a rendering kept with the document."""


class Change(Base):
    """One committed change of one entity: the change log, in revision order without gaps."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_collection", "collection", "revision"),)

    revision: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    collection: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    href: Mapped[str] = mapped_column(String(HREF_LENGTH))
    kind: Mapped[str] = mapped_column(String(16))
    document: Mapped[Optional[str]] = mapped_column(Text)
    patch: Mapped[str] = mapped_column(Text)
    committed_at: Mapped[float] = mapped_column(Float)


class RevisionCounter(Base):
    """The last revision handed out. Its row stays locked by the writing transaction until
    commit, so revisions are assigned in commit order, across processes."""

    __tablename__ = "revision_counter"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
