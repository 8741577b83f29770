"""The statistics of NICs and of a storage domain's disks: below a nested collection, one service
call each. (Those of VMs, hosts and disks are computed collections of their concept.)"""
from __future__ import annotations

from flask_smorest import Blueprint

from engine_api.routes.collections import register_list_and_one
from engine_api.statistics import service
from engine_api.types import API_PREFIX

blp = Blueprint("nic-statistics", __name__, url_prefix=API_PREFIX,
                description="Statistics of NICs and of a storage domain's disks")

for _owners in service.NESTED_OWNERS:
    _parent, _rel = _owners.split("/")
    register_list_and_one(blp, f"/{_parent}/<parent_id>/{_rel}/<owner_id>/statistics", item="statistic_id",
                          endpoint=f"{_parent}_{_rel}_statistic",
                          summaries=(f"Statistics of one of a {_parent[:-1]}'s {_rel}", "One statistic"),
                          services=(service.list_owner_statistics, service.get_owner_statistic), bound=(_owners,))
