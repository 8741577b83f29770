"""Logical networks, their attachment to clusters, vNIC profiles and MAC pools."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine_api.limits import at_least
from engine_api.rows import Base, Id, ModelExtras, Named, new_id


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
