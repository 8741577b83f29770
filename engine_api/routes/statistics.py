"""The statistics of NICs and of a storage domain's disks: below a nested collection, one service
call each. (Those of VMs, hosts and disks are computed collections of their concept.)"""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine_api.routes.http import call
from engine_api.statistics import service
from engine_api.types import API_PREFIX

blp = Blueprint("nic-statistics", __name__, url_prefix=API_PREFIX,
                description="Statistics of NICs and of a storage domain's disks")


def _register(parent: str, rel: str) -> None:
    base = f"/{parent}/<parent_id>/{rel}/<owner_id>/statistics"
    owners = f"{parent}/{rel}"

    def listing(parent_id: str, owner_id: str) -> Any:
        return call(service.list_owner_statistics, owners, parent_id, owner_id)

    def one(parent_id: str, owner_id: str, statistic_id: str) -> Any:
        return call(service.get_owner_statistic, owners, parent_id, owner_id, statistic_id)

    listing.__name__, one.__name__ = f"{parent}_{rel}_statistics", f"{parent}_{rel}_statistic"
    blp.add_url_rule(base, view_func=blp.doc(summary=f"Statistics of one of a {parent[:-1]}'s {rel}")(listing),
                     methods=["GET"])
    blp.add_url_rule(f"{base}/<statistic_id>", view_func=blp.doc(summary="One statistic")(one), methods=["GET"])


for _owners in service.NESTED_OWNERS:
    _register(*_owners.split("/"))
