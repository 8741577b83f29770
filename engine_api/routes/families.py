"""One blueprint per family of collections, as the engine groups them."""
from __future__ import annotations

from flask_smorest import Blueprint

from engine_api.routes.collections import register_collection
from engine_api.services.registry import REGISTRY
from engine_api.types import API_PREFIX

FAMILIES: dict[str, tuple[str, ...]] = {
    "infrastructure": ("datacenters", "clusters", "hosts", "storagedomains", "networks", "vnicprofiles"),
    "virtual-machines": ("vms", "templates", "disks"),
    "system": ("events", "jobs", "users"),
}


def family_blueprints() -> list[Blueprint]:
    """Blueprints for every registered collection, nested ones with their parent's family."""
    blueprints = []
    for family, roots in FAMILIES.items():
        blp = Blueprint(family, __name__, url_prefix=API_PREFIX, description=f"The {family.replace('-', ' ')}")
        for coll in REGISTRY:
            root = coll.parent.rel if coll.parent is not None else coll.rel
            if root in roots:
                register_collection(blp, coll)
        blueprints.append(blp)
    return blueprints
