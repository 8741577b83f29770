"""One blueprint per concept package, holding the routes of its collections."""
from __future__ import annotations

from flask_smorest import Blueprint

from engine_api.routes.collections import register_collection
from engine_api.services.registry import Concept
from engine_api.types import API_PREFIX


def concept_blueprints(concepts: tuple[Concept, ...]) -> list[Blueprint]:
    """A blueprint per concept, with the routes of each collection it declares."""
    blueprints = []
    for concept in concepts:
        blp = Blueprint(concept.name, __name__, url_prefix=API_PREFIX, description=concept.description)
        for coll in concept.collections:
            register_collection(blp, coll)
        blueprints.append(blp)
    return blueprints
