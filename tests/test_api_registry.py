"""The registry of served collections is built from the concept packages' declarations."""
from __future__ import annotations

import subprocess
import sys

import pytest

from engine_api.api import CONCEPTS, build_registry, registry
from engine_api.services.registry import CollectionDef, Concept, StepKind


def test_every_concept_collection_is_served_once():
    built = build_registry()
    declared = [coll.key for concept in CONCEPTS for coll in concept.collections]
    assert sorted(declared) == sorted(coll.key for coll in built)
    assert len(declared) == len(set(declared))
    assert {"vms", "vms/nics", "hosts/nics", "datacenters/storagedomains", "events"} <= set(declared)


def test_each_build_is_a_new_registry_with_the_same_declarations():
    first, second = build_registry(), build_registry()
    assert first is not second
    assert [c.key for c in first] == [c.key for c in second]
    assert set(first.steps) == set(second.steps) == {"vm", "vm-image", "template", "disk", "host", "snapshot", "storage-domain", "domain-import"}
    assert ("vms", "nics") in first.handlers and ("hosts", "nics") in first.handlers
    assert registry() is registry()


def test_a_collection_or_transition_kind_declared_twice_is_refused():
    vms = next(concept for concept in CONCEPTS if concept.name == "vms")
    with pytest.raises(ValueError, match="'vms' is declared twice"):
        build_registry((vms, vms))
    coll = CollectionDef("things", vms.collections[0].schema, vms.collections[0].model, "Thing")
    twice = Concept("again", "", (coll,), steps={"vm": StepKind(lambda *args: None)})
    with pytest.raises(ValueError, match="transition kind 'vm' is declared twice"):
        build_registry((vms, twice))


def test_a_registry_holds_only_the_concepts_it_was_built_from():
    hosts = next(concept for concept in CONCEPTS if concept.name == "hosts")
    built = build_registry((hosts,))
    assert [c.key for c in built] == ["hosts", "hosts/nics"]
    assert set(built.steps) == {"host"}
    assert ("vms", "nics") not in built.handlers


def test_importing_the_concept_packages_registers_nothing():
    """Importing a concept's modules has no effect on any registry: only a build does."""
    code = (
        "import engine_api.vms.collections, engine_api.hosts.collections\n"
        "from engine_api.services.registry import Registry\n"
        "import gc\n"
        "print(sum(isinstance(o, Registry) for o in gc.get_objects()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
