"""VMs and templates, their disk attachments, vNICs and devices, and a running VM's libvirt domain."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine_api.limits import at_least
from engine_api.rows import Base, Id, ModelExtras, Named, UtcDateTime, new_id, utcnow

BLANK_TEMPLATE_ID = "00000000-0000-0000-0000-000000000000"
#: The unique index that keeps a MAC address to one NIC per MAC pool.
MAC_IN_USE_CONSTRAINT = "uq_nics_mac_pool_mac"

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
    base_template_id: Mapped[Optional[str]] = mapped_column(ForeignKey("templates.id"), index=True)
    """The base template of a version; none for a base template, which is its own base."""
    source_vm_id: Mapped[Optional[str]] = mapped_column(String(36))

    @property
    def base_template_ref(self) -> str:
        return self.base_template_id or self.id


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


class DiskAttachment(ModelExtras, Base):
    """A disk attached to a VM or to a template; on the wire its id is the disk's id.

    A disk attached as one of its VM's snapshots holds it (to another VM, for a backup) names
    that snapshot in ``snapshot_id`` and the image the VM is given, the snapshot's, in ``image_id``.
    """

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
    snapshot_id: Mapped[Optional[str]] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"), index=True)
    image_id: Mapped[Optional[str]] = mapped_column(Id)

    @property
    def id(self) -> str:
        return self.disk_id
