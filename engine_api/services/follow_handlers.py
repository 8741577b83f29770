"""Optimized ``follow=`` handlers: each loads one level for all parents in one query.

A handler receives every parent entity of its level and returns one value per parent, in the
same order: a list for a sub-collection, an entity (or None) for a reference.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Sequence

from sqlalchemy import select

from engine_api import models as m
from engine_api.services.context import RequestContext
from engine_api.services.following import HANDLERS

Handler = Callable[[Sequence[Any], Any, RequestContext], list[Any]]


def children(model: type, parent_key: str, *order: str) -> Handler:
    """Sub-collection rows whose ``parent_key`` is one of the parents' ids, grouped per parent."""
    column = getattr(model, parent_key)
    order_by = [getattr(model, name) for name in order]

    def handler(parents: Sequence[Any], node: Any, ctx: RequestContext) -> list[Any]:
        ids = [parent.id for parent in parents]
        grouped: dict[str, list[Any]] = defaultdict(list)
        for row in ctx.session.scalars(select(model).where(column.in_(ids)).order_by(*order_by)):
            grouped[getattr(row, parent_key)].append(row)
        return [grouped.get(parent.id, []) for parent in parents]

    return handler


def references(model: type, source: str) -> Handler:
    """The entities the parents reference through their ``source`` id attribute."""

    def handler(parents: Sequence[Any], node: Any, ctx: RequestContext) -> list[Any]:
        ids = {getattr(parent, source) for parent in parents} - {None}
        found = {row.id: row for row in ctx.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}
        return [found.get(getattr(parent, source)) for parent in parents]

    return handler


def reference_lists(model: type, source: str) -> Handler:
    """The entities of each parent's list of ids (``storage_domain_ids`` of disks)."""

    def handler(parents: Sequence[Any], node: Any, ctx: RequestContext) -> list[Any]:
        ids = {i for parent in parents for i in getattr(parent, source) or ()}
        found = {row.id: row for row in ctx.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}
        return [[found[i] for i in getattr(parent, source) or () if i in found] for parent in parents]

    return handler


def attachment_disks(parents: Sequence[Any], node: Any, ctx: RequestContext) -> list[Any]:
    """The disks of a level of disk attachments."""
    return references(m.Disk, "disk_id")(parents, node, ctx)


for collection, path, handler in (
    ("vms", "disk_attachments", children(m.DiskAttachment, "vm_id", "disk_id")),
    ("vms", "disk_attachments.disk", attachment_disks),
    ("vms", "nics", children(m.Nic, "vm_id", "name")),
    ("vms", "cluster", references(m.Cluster, "cluster_id")),
    ("vms", "host", references(m.Host, "host_id")),
    ("vms", "template", references(m.Template, "template_id")),
    ("templates", "disk_attachments", children(m.DiskAttachment, "template_id", "disk_id")),
    ("templates", "disk_attachments.disk", attachment_disks),
    ("clusters", "data_center", references(m.DataCenter, "data_center_id")),
    ("hosts", "cluster", references(m.Cluster, "cluster_id")),
    ("hosts", "nics", children(m.HostNic, "host_id", "name")),
    ("disks", "storage_domains", reference_lists(m.StorageDomain, "storage_domain_ids")),
):
    HANDLERS.register(collection, path, handler)
