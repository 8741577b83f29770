"""Roles and permissions."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine_api.rows import Base, Id, ModelExtras, new_id
from engine_api.types.fields import API_PREFIX

#: The object type of a permission on the whole system.
SYSTEM = "system"


class Role(ModelExtras, Base):
    """A role: a named set of permits (the engine's action groups)."""

    __tablename__ = "roles"

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[Optional[str]] = mapped_column(Text)
    administrative: Mapped[bool] = mapped_column(Boolean, default=False)
    mutable: Mapped[bool] = mapped_column(Boolean, default=True)
    permits: Mapped[list[int]] = mapped_column(JSON, default=list)


class Permission(ModelExtras, Base):
    """A role a user (or group) holds on one object: ``object_type`` is the collection of the
    object (``vms``, ``clusters``…) or ``system``."""

    __tablename__ = "permissions"
    __table_args__ = (Index("ix_permissions_object", "object_type", "object_id"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True, default=new_id)
    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[str]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[Optional[str]] = mapped_column(Id, index=True)
    object_type: Mapped[str] = mapped_column(String(32), default=SYSTEM)
    object_id: Mapped[str] = mapped_column(Id, default=SYSTEM)

    def _object(self, object_type: str) -> Optional[str]:
        return self.object_id if self.object_type == object_type else None

    @property
    def vm_id(self) -> Optional[str]:
        return self._object("vms")

    @property
    def template_id(self) -> Optional[str]:
        return self._object("templates")

    @property
    def host_id(self) -> Optional[str]:
        return self._object("hosts")

    @property
    def cluster_id(self) -> Optional[str]:
        return self._object("clusters")

    @property
    def data_center_id(self) -> Optional[str]:
        return self._object("datacenters")

    @property
    def storage_domain_id(self) -> Optional[str]:
        return self._object("storagedomains")

    @property
    def disk_id(self) -> Optional[str]:
        return self._object("disks")

    @property
    def group(self) -> Optional[dict[str, str]]:
        return {"href": f"{API_PREFIX}/groups/{self.group_id}", "id": self.group_id} if self.group_id else None

    @property
    def href(self) -> str:
        if self.object_type == SYSTEM:
            return f"{API_PREFIX}/permissions/{self.id}"
        return f"{API_PREFIX}/{self.object_type}/{self.object_id}/permissions/{self.id}"
