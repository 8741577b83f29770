"""What the generic store's tests share: the paths it serves, concrete URLs for them, sample bodies."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import pytest
from werkzeug.exceptions import HTTPException

from engine_api.generic.paths import GenericPath, generic_paths, variables
from engine_api.model import load

JSON = {"Accept": "application/json", "Content-Type": "application/json"}


def served_paths(app: Any) -> list[GenericPath]:
    """The paths the generic store serves in ``app``, as it laid them out."""
    adapter = app.url_map.bind("localhost")

    def bespoke(path: str, method: Optional[str] = None) -> bool:
        for candidate in [method] if method else ["GET", "POST", "PUT", "DELETE"]:
            try:
                endpoint, _ = adapter.match(f"/ovirt-engine/api/{path}", method=candidate)
            except HTTPException:
                continue
            if not endpoint.startswith("generic."):
                return True
        return False

    return list(generic_paths(load(), bespoke))


def sample_value(type_name: str, seed: int) -> Any:
    """A value of a primitive or enum type in the JSON wire shape."""
    model = load()
    if type_name in model.enums:
        values = model.enum(type_name).values
        return values[seed % len(values)]
    return {"string": f"text-{seed}", "integer": str(seed), "decimal": f"{seed}.5", "boolean": "true",
            "date": int(dt.datetime(2026, 1, 1 + seed % 28, tzinfo=dt.timezone.utc).timestamp() * 1000)}[type_name]


def sample_body(type_name: str, seed: int = 1, count: int = 4) -> dict[str, Any]:
    """Up to ``count`` writable single attributes of a type with sample values, ``name`` first."""
    model = load()
    chosen = [a for a in model.attributes(type_name)
              if a.writable and not a.list and a.name not in ("id", "href") and a.type not in model.types]
    chosen.sort(key=lambda a: (a.name != "name", a.name))
    return {a.element: sample_value(a.type, seed + index) for index, a in enumerate(chosen[:count])}


class Urls:
    """Concrete URLs for path templates: each identifier an entity that exists, found by listing
    (JSON) or, in an empty generic collection, added."""

    def __init__(self, http: Any, base: str, paths: list[GenericPath]) -> None:
        self.http, self.base = http, base
        self.collections = {p.template: p for p in paths if not p.member and not p.bespoke}
        self.ids: dict[str, Optional[str]] = {}

    def fill(self, template: str) -> Optional[str]:
        """The template with every identifier filled, None when some collection on the way is empty."""
        path = ""
        for segment in template.split("/"):
            if segment.startswith("{"):
                entity = self._first(path)
                if entity is None:
                    return None
                path = f"{path}/{entity}"
            else:
                path = f"{path}/{segment}" if path else segment
        return path

    def _first(self, collection: str) -> Optional[str]:
        if collection not in self.ids:
            answer = self.http.get(f"{self.base}/{collection}", headers=JSON)
            items = next(iter(answer.json().values()), []) if answer.status_code == 200 and answer.json() else []
            entity = items[0]["id"] if items else None
            generic = self.collections.get(_template_of(collection, self.collections))
            if entity is None and generic is not None and "add" in generic.verbs():
                added = self.http.post(f"{self.base}/{collection}", json=sample_body(generic.body_type("add")),
                                       headers=JSON)
                entity = added.json()["id"] if added.status_code == 201 else None
            self.ids[collection] = entity
        return self.ids[collection]


def _template_of(path: str, collections: dict[str, GenericPath]) -> str:
    """The template of a concrete collection path, by its segments."""
    segments = path.split("/")
    for template in collections:
        parts = template.split("/")
        if len(parts) == len(segments) and all(p.startswith("{") or p == s for p, s in zip(parts, segments)):
            return template
    return ""


@pytest.fixture
def paths(engine: Any) -> list[GenericPath]:
    return served_paths(engine.app)


@pytest.fixture
def urls(http: Any, engine: Any, paths: list[GenericPath]) -> Urls:
    return Urls(http, engine.url, paths)


__all__ = ["JSON", "Urls", "sample_body", "sample_value", "served_paths", "variables"]
