"""The API engine-emu serves with behaviour of its own, gathered from its concept packages.

Each concept package (``engine_api.vms``, ``engine_api.hosts``…) declares in its ``collections``
module one :class:`~engine_api.services.registry.Concept`: its collections, the ``follow=`` paths
it answers with optimized handlers, and its kinds of transitions. :func:`build_registry` puts
them together; the application builds it when it starts, and everything else reads the same
registry through :func:`registry`. Everything the model has beyond these collections is served by
the generic store (``engine_api.generic``).
"""
from __future__ import annotations

from functools import cache

from engine_api.datacenters.collections import CONCEPT as DATACENTERS
from engine_api.hosts.collections import CONCEPT as HOSTS
from engine_api.network.collections import CONCEPT as NETWORK
from engine_api.permissions.collections import CONCEPT as PERMISSIONS
from engine_api.services.registry import Concept, Registry
from engine_api.snapshots.collections import CONCEPT as SNAPSHOTS
from engine_api.statistics.collections import CONCEPT as STATISTICS
from engine_api.tags.collections import CONCEPT as TAGS
from engine_api.storage.collections import CONCEPT as STORAGE
from engine_api.system.collections import CONCEPT as SYSTEM
from engine_api.vms.collections import CONCEPT as VMS

#: Every concept package's declaration, in the order their collections are served.
CONCEPTS: tuple[Concept, ...] = (DATACENTERS, HOSTS, STORAGE, NETWORK, VMS, SNAPSHOTS, STATISTICS, SYSTEM, PERMISSIONS,
                                 TAGS)


def build_registry(concepts: tuple[Concept, ...] = CONCEPTS) -> Registry:
    """A registry of the collections, ``follow=`` handlers and transition kinds of ``concepts``."""
    registry = Registry()
    for concept in concepts:
        for coll in concept.collections:
            registry.add(coll)
        for collection, path, handler in concept.follow:
            registry.handlers.register(collection, path, handler)
        for kind, step in concept.steps.items():
            if kind in registry.steps:
                raise ValueError(f"transition kind {kind!r} is declared twice")
            registry.steps[kind] = step
        registry.forgetters.extend(concept.forget)
    return registry


@cache
def registry() -> Registry:
    """The registry of this process: built on first use, then the same for every caller."""
    return build_registry()
