"""The pinned SDK's service tree, walked from the root through every locator: every GET answers
200 with a body the SDK's readers parse."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.exceptions import HTTPException

from engine_api.model import load
from tests.helpers import row_counts, wait_for

DEPTH = 5
"""Path segments walked below the root: ``vms/{vm}/snapshots/{snapshot}`` is four."""


@dataclass
class Walk:
    generic: Any
    adding: bool = True
    walked: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _locators(service: Any) -> tuple[list[str], list[str]]:
    """The names of the SDK service's path locators and of its identifier locators."""
    by_path, by_id = [], []
    for name, method in inspect.getmembers(type(service), inspect.isfunction):
        if name.endswith("_service") and not name.startswith("_"):
            parameters = list(inspect.signature(method).parameters)[1:]
            (by_id if parameters == ["id"] else by_path).append(name)
    return sorted(by_path), sorted(by_id)


def _minimal(path: str) -> Any:
    """The smallest entity the collection at ``path`` takes: its type with a name if it has one;
    None where the SDK cannot send one (its ``GlusterBricksService.add`` writes a list without
    the root element the writer needs)."""
    import ovirtsdk4.types as types

    method = load().methods(load().resolve(path).name)["add"]
    if method.body.list:
        return None
    cls = getattr(types, method.body.type)
    return cls(name="walked") if "name" in inspect.signature(cls.__init__).parameters else cls()


def _visit(walk: Walk, service: Any, path: str, level: int) -> None:
    try:
        if hasattr(service, "list"):
            items = service.list()
            walk.walked.append(path)
            minimal = _minimal(path) if (walk.adding and not items and hasattr(service, "add")
                                              and walk.generic(path)) else None
            if minimal is not None:
                items = [service.add(minimal)]
                walk.added.append(path)
            _, by_id = _locators(service)
            if items and by_id and level < DEPTH and getattr(items[0], "id", None):
                _visit(walk, getattr(service, by_id[0])(items[0].id), f"{path}/{items[0].id}", level + 1)
        elif hasattr(service, "get"):
            service.get()
            walk.walked.append(path)
    except Exception as error:  # noqa: BLE001  (every failure is reported at the end)
        walk.failures.append(f"{path}: {type(error).__name__}: {error}")
        return
    if level >= DEPTH:
        return
    by_path, _ = _locators(service)
    for name in by_path:
        child = getattr(service, name)()
        _visit(walk, child, f"{path}/{child._path.rsplit('/', 1)[-1]}" if path else child._path.strip("/"), level + 1)


def _generic(engine: Any) -> Any:
    adapter = engine.app.url_map.bind("localhost")

    def generic(path: str) -> bool:
        try:
            endpoint, _ = adapter.match(f"/ovirt-engine/api/{path}", method="GET")
        except HTTPException:
            return False
        return endpoint.startswith("generic.")

    return generic


def _quiet(engine: Any) -> bool:
    """No state change is due: nothing in the background writes while the walk runs."""
    from sqlalchemy import select

    from engine_api.models import Transition

    with engine.db.transaction() as session:
        return session.scalars(select(Transition.id).limit(1)).first() is None


def _walk(walk: Walk, connection: Any) -> Walk:
    system = connection.system_service()
    system.get()
    by_path, _ = _locators(system)
    for name in by_path:
        child = getattr(system, name)()
        _visit(walk, child, child._path.strip("/"), 1)
    return walk


@pytest.mark.scenario("demo")
def test_every_locator_answers_what_the_sdk_reads(engine, connection):
    walk = _walk(Walk(_generic(engine)), connection)
    print(f"\nwalked {len(walk.walked)} paths ({len(set(walk.walked))} distinct) {DEPTH} levels deep, "
          f"added a first entity to {len(walk.added)} empty collections")
    assert not walk.failures, "\n".join(walk.failures)
    assert len(walk.walked) > 200


@pytest.mark.scenario("demo")
def test_walking_again_reads_the_same_and_writes_nothing(engine, connection):
    first = _walk(Walk(_generic(engine)), connection)
    wait_for(lambda: _quiet(engine))
    before = row_counts(engine.db)
    again = _walk(Walk(_generic(engine), adding=False), connection)
    assert not again.failures, "\n".join(again.failures)
    assert row_counts(engine.db) == before
    assert len(again.walked) == len(first.walked)
