"""The API root: product information, special objects, summary and the collections' links."""
from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from engine_api import models as m
from engine_api.services.context import RequestContext
from engine_api.services.results import WireResult
from engine_api.types import API_PREFIX
from engine_api.version import ENGINE_VERSION, PRODUCT_NAME, PRODUCT_VENDOR

SEARCHABLE = ("clusters", "datacenters", "disks", "events", "hosts", "storagedomains", "templates", "vms")


def _counts(ctx: RequestContext, column: Any, active: Any) -> dict[str, int]:
    total, up = ctx.session.execute(
        select(func.count(column), func.coalesce(func.sum(case((active, 1), else_=0)), 0))
    ).one()
    return {"active": int(up), "total": int(total)}


def api_root(ctx: RequestContext) -> WireResult:
    major, minor, build, revision = ENGINE_VERSION
    links: list[dict[str, str]] = []
    for coll in sorted((c for c in ctx.registry if c.parent is None), key=lambda c: c.rel):
        links.append({"href": f"{API_PREFIX}/{coll.rel}", "rel": coll.rel})
        if coll.rel in SEARCHABLE:
            links.append({"href": f"{API_PREFIX}/{coll.rel}?search={{query}}", "rel": f"{coll.rel}/search"})
    data = {
        "link": links,
        "product_info": {
            "instance_id": ctx.extras.get("instance_id"),
            "name": PRODUCT_NAME,
            "vendor": PRODUCT_VENDOR,
            "version": {
                "build": build,
                "full_version": f"{major}.{minor}.{build}.{revision}-1.el8",
                "major": major,
                "minor": minor,
                "revision": revision,
            },
        },
        "special_objects": {
            "blank_template": {"href": f"{API_PREFIX}/templates/{m.BLANK_TEMPLATE_ID}", "id": m.BLANK_TEMPLATE_ID},
            "root_tag": {"href": f"{API_PREFIX}/tags/{m.ROOT_TAG_ID}", "id": m.ROOT_TAG_ID},
        },
        "summary": {
            "hosts": _counts(ctx, m.Host.id, m.Host.status == "up"),
            "storage_domains": _counts(ctx, m.StorageDomain.id, m.StorageDomain.status == "active"),
            "users": _counts(ctx, m.User.id, m.User.id.is_not(None)),
            "vms": _counts(ctx, m.Vm.id, m.Vm.status != "down"),
        },
        "time": ctx.now,
    }
    if ctx.user is not None:
        ref = {"href": f"{API_PREFIX}/users/{ctx.user.id}", "id": ctx.user.id}
        data["authenticated_user"] = ref
        data["effective_user"] = dict(ref)
    return WireResult("api", data)
