"""What a client sets, it reads: random instances of every type the generic store adds, sent with
the SDK's writers and read back with its readers.

For every type some generic collection with ``add`` takes (the list derived from the API model
and the application's generic paths), hypothesis draws instances from the model's attributes:
every writable attribute of the type itself that is neither its ``id``, its ``href`` nor a link
to a sub-collection, with nested structs two levels deep holding a few attributes each, and lists
of a few items. Each is built as an ``ovirtsdk4.types`` object, added through the SDK's service
locators and read back with ``get()`` (or the list, where the model gives the member no ``get``),
and where the model allows, updated with an empty instance and read again (the update merges
into what is stored, so the stored document is read back as the model types it). The add answer
and every read must hold every value sent, attribute by attribute.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Optional

import ovirtsdk4.types as sdk_types
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ovirtsdk4 import Struct

from engine_api import limits
from engine_api.generic.paths import GenericPath, variables
from engine_api.generic.values import read_value
from engine_api.model import Attribute, load
from engine_api.wire.codec import JsonCodec

EXAMPLES = 5
"""Instances drawn per type."""

DEPTH = 2
"""Levels of structs nested below an entity: ``snapshot.cpu.topology`` is two."""

NESTED_ATTRIBUTES = (4, 3)
"""At most how many attributes a struct one and two levels below the entity sets."""

LIST_ITEMS = 3
"""At most how many items a list holds."""

NOT_SENT = {
    "GlusterBrick": "the SDK's GlusterBricksService.add writes a list without the root element its "
                    "writer needs, so the SDK cannot send one",
}
"""Types a generic collection adds that the SDK cannot send, with the reason."""

UNREACHABLE = {
    "OpenStackSubnet": "its collection is below a network of an OpenStack network provider, which the "
                       "model lists and never adds, so no subnet collection has an owner",
    "Permit": "its collections the generic store serves are below the roles of a user or group "
              "(users/{user}/roles), which the model only lists; a role's own permits are bespoke",
}
"""Types whose collections have no owner a client can create, with the reason."""

_TIMEZONES = (dt.timezone.utc, dt.timezone(dt.timedelta(hours=2)), dt.timezone(-dt.timedelta(hours=5, minutes=30)))

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"),
                             exclude_characters="\ufffe\uffff"), max_size=40)
"""Strings: any Unicode XML 1.0 carries as text, without control characters (U+0000 included)."""

PRIMITIVES: dict[str, st.SearchStrategy[Any]] = {
    "string": TEXT,
    "integer": st.integers(*limits.INT64),
    "decimal": st.floats(allow_nan=False, allow_infinity=False),
    "boolean": st.booleans(),
    "date": st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2999, 12, 31), timezones=st.sampled_from(_TIMEZONES))
              .map(lambda value: value.replace(microsecond=value.microsecond // 1000 * 1000)),
}
"""Values of the model's primitive types: dates at whole milliseconds, with an offset."""


def _sent(attribute: Attribute, level: int) -> bool:
    """Whether instances carry the attribute at ``level`` (0: the entity itself): never a link to a
    sub-collection or an ``href``; an entity's own ``id`` is the engine's to give."""
    if attribute.link or attribute.name == "href" or (level == 0 and attribute.name == "id"):
        return False
    return attribute.type not in load().types or level < DEPTH


def value_strategy(attribute: Attribute, level: int) -> st.SearchStrategy[Any]:
    """Values of one attribute of a struct at ``level``: a list of a few items for a list."""
    model = load()
    if attribute.type in model.types:
        single = struct_strategy(attribute.type, level + 1)
    elif attribute.type in model.enums:
        enum = getattr(sdk_types, attribute.type)
        single = st.sampled_from([enum(value) for value in model.enum(attribute.type).values])
    else:
        single = PRIMITIVES[attribute.type]
    return st.lists(single, max_size=LIST_ITEMS) if attribute.list else single


def struct_strategy(type_name: str, level: int = 0) -> st.SearchStrategy[Any]:
    """SDK instances of a struct type: at level 0 (the entity) every attribute it sends, below it a
    few of them."""
    attributes = [a for a in load().attributes(type_name) if _sent(a, level)]
    cls = getattr(sdk_types, type_name)
    if level == 0:
        return st.fixed_dictionaries({a.name: value_strategy(a, level) for a in attributes}) \
            .map(lambda kwargs: cls(**kwargs))

    @st.composite
    def nested(draw: Any) -> Any:
        chosen = draw(st.lists(st.sampled_from(attributes), unique=True, max_size=NESTED_ATTRIBUTES[level - 1])) \
            if attributes else []
        return cls(**{a.name: draw(value_strategy(a, level)) for a in chosen})

    return nested()


def differences(sent: Any, read: Any, where: str) -> list[str]:
    """Where ``read`` does not hold what ``sent`` holds, recursively; None in ``sent`` is not sent."""
    if sent is None:
        return []
    if isinstance(sent, list):
        if not isinstance(read, list) or len(read) != len(sent):
            return [f"{where}: sent {sent!r}, read {read!r}"]
        return [found for index, (s, r) in enumerate(zip(sent, read)) for found in differences(s, r, f"{where}[{index}]")]
    if isinstance(sent, Struct):
        if read is None or type(read) is not type(sent):
            return [f"{where}: sent {sent!r}, read {read!r}"]
        found = []
        for attribute in load().attributes(type(sent).__name__):
            found.extend(differences(getattr(sent, attribute.name), getattr(read, attribute.name),
                                     f"{where}.{attribute.element}"))
        return found
    return [] if sent == read else [f"{where}: sent {sent!r}, read {read!r}"]


@dataclass(frozen=True)
class Target:
    """Where instances of one type are added: a concrete collection path and how to read a member."""

    type: str
    path: str
    readable: bool
    listable: bool
    updatable: bool


def targets(paths: list[GenericPath], urls: Any) -> tuple[list[Target], dict[str, str]]:
    """One collection per type the generic store adds (the one with the fewest identifiers whose
    owners exist in the scenario), and the types left out with the reason."""
    members = {p.collection: p for p in paths if p.member and not p.bespoke}
    candidates: dict[str, list[GenericPath]] = {}
    for path in paths:
        if not path.member and not path.bespoke and "add" in path.verbs():
            candidates.setdefault(path.body_type("add"), []).append(path)
    found, left_out = [], {}
    for type_name, collections in sorted(candidates.items()):
        if type_name in NOT_SENT or type_name in UNREACHABLE:
            left_out[type_name] = NOT_SENT.get(type_name) or UNREACHABLE[type_name]
            continue
        for path in sorted(collections, key=lambda p: (len(variables(p.template)), p.template)):
            concrete = urls.fill(path.template)
            if concrete is not None:
                member = members.get(path.template)
                verbs = member.verbs() if member is not None else set()
                found.append(Target(type_name, concrete, "get" in verbs, "list" in path.verbs(),
                                    "update" in verbs and "get" in verbs))
                break
        else:
            left_out[type_name] = "no collection of it has its owners in the scenario or the test"
    return found, left_out


def _read_back(collection: Any, target: Target, added: Any) -> Optional[Any]:
    """The entity read with the SDK: its member's ``get()``, else found in the collection's ``list()``."""
    if target.readable:
        return collection.service(added.id).get()
    if target.listable:
        return next((item for item in collection.list() if item.id == added.id), None)
    return None


def check_type(system: Any, target: Target) -> list[str]:
    """The differences hypothesis finds for one type (empty when every instance reads back)."""
    collection = system.service(target.path)
    element = load().type(target.type).element
    problems: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(struct_strategy(target.type))
    def round_trip(instance: Any) -> None:
        added = collection.add(instance)
        found = differences(instance, added, f"{element} (add answer)")
        read = _read_back(collection, target, added)
        if target.readable or target.listable:
            found += differences(instance, read, f"{element} (read back)")
        if target.updatable:
            member = collection.service(added.id)
            member.update(type(instance)())
            found += differences(instance, member.get(), f"{element} (read after an update that sets nothing)")
        assert not found, "\n".join(found)

    try:
        round_trip()
    except Exception as error:  # noqa: BLE001  (an SDK error is a mismatch too; every type is reported)
        problems.append(f"{target.type} at {target.path}: {type(error).__name__}:\n{error}")
    return problems


@pytest.mark.scenario("demo")
def test_what_the_sdk_sends_it_reads(engine, connection, paths, urls):
    system = connection.system_service()
    system.jobs_service().add(sdk_types.Job(description="an owner for steps"))  # the demo has no job
    found, left_out = targets(paths, urls)
    started = time.perf_counter()
    problems = [problem for target in found for problem in check_type(system, target)]
    print(f"\nround-tripped {EXAMPLES} random instances of each of {len(found)} types in "
          f"{time.perf_counter() - started:.1f} s; left out: {left_out}")
    assert not problems, "\n\n".join(problems)
    assert set(left_out) == set(NOT_SENT) | set(UNREACHABLE), left_out


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(PRIMITIVES)).flatmap(lambda name: st.tuples(st.just(name), PRIMITIVES[name])))
def test_a_stored_value_reads_back_as_sent(typed):
    """The JSON shape a document keeps (numbers as text, dates as epoch milliseconds) reads back
    as the value sent, as an update's merge reads it."""
    type_name, value = typed
    assert read_value(type_name, JsonCodec.wire(value), "value") == value
