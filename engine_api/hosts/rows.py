"""Hosts and their network interfaces."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine_api.limits import at_least
from engine_api.rows import Base, Id, ModelExtras, Named, UtcDateTime, new_id, utcnow


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
