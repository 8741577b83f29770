"""Projection: the attributes of an answer a client selects, nested paths included.

A projection is written as comma-separated paths of dot-separated attribute names, as the wire
shape names them: ``name,status,nics.mac.address``. :func:`parse_projection` reads it into a
tree once; :func:`project` applies the tree to data of the wire shape (an entity as a ``dict``,
or a ``list`` of entities; :func:`project_collection` to a collection's answer, ``{"vm": [...]}``)
and answers a new value, leaving its argument as it was::

    projection = parse_projection("name,status,nics.mac.address")
    project({"href": "/vms/1", "id": "1", "name": "a", "memory": "1024",
             "nics": {"nic": [{"id": "n", "name": "nic1", "mac": {"address": "56:6f"}}]}}, projection)
    # {"href": "/vms/1", "id": "1", "name": "a", "nics": {"nic": [{"id": "n", "mac": {"address": "56:6f"}}]}}

The rules:

* ``href`` and ``id`` are kept on every object the answer keeps, at every level.
* A path keeps the whole value its last name selects; ``nics`` and ``nics.mac`` together keep
  all of ``nics``. The same path given twice counts once.
* An object the path goes through is kept with its ``href``, ``id`` and what the rest of the path
  selects in it, even when that is nothing; a value that is not an object (text, a number) where
  the path goes on is left out.
* A path through a list applies to each item: a bare list, or a list wrapped under its item's
  name as the wire shape has it (``{"nic": [...]}``), which the path need not name (``nics.mac``
  and ``nics.nic.mac`` select the same).
* An attribute the data lacks is simply absent from the answer; it is not an error.
* ``link`` and ``actions`` are attributes like any other: absent unless a path names them.
* The answer keeps the data's order of attributes.

A projection that cannot be read (an empty path or attribute name, a name with other characters
than letters, digits and ``_``, more than :data:`MAX_PATHS` paths, a path of more than
:data:`MAX_DEPTH` names, a text longer than :data:`MAX_LENGTH`) raises :class:`ProjectionError`,
whose message names what is wrong.
"""
from __future__ import annotations

import re
from typing import Any, Iterator, Mapping, Optional

MAX_LENGTH = 4096
"""The longest projection text, in characters."""
MAX_PATHS = 100
"""The most paths one projection may hold."""
MAX_DEPTH = 16
"""The most attribute names one path may hold."""
MAX_NAME = 64
"""The longest attribute name, in characters."""

ALWAYS_KEPT = ("href", "id")
"""The members every object of a projected answer keeps."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ABSENT = object()


class ProjectionError(ValueError):
    """A projection text that cannot be read; the message names what is wrong."""


def _shown(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class Projection:
    """A parsed projection: for each attribute name it selects, ``None`` (the whole value) or
    the projection to apply inside it. Immutable, comparable and hashable by its paths."""

    __slots__ = ("_fields", "_paths")

    def __init__(self, fields: Mapping[str, Optional["Projection"]]) -> None:
        self._fields = dict(fields)
        self._paths = tuple(sorted(self._walk("")))

    @property
    def fields(self) -> Mapping[str, Optional["Projection"]]:
        return self._fields

    @property
    def paths(self) -> tuple[str, ...]:
        """The paths this projection selects, each once, sorted: its canonical form."""
        return self._paths

    def _walk(self, prefix: str) -> Iterator[str]:
        for name, inner in self._fields.items():
            if inner is None:
                yield prefix + name
            else:
                yield from inner._walk(f"{prefix}{name}.")

    def __str__(self) -> str:
        return ",".join(self._paths)

    def __repr__(self) -> str:
        return f"Projection({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Projection) and other._paths == self._paths

    def __hash__(self) -> int:
        return hash(self._paths)


def parse_projection(text: str) -> Projection:
    """The projection ``text`` writes (see the module's rules); :class:`ProjectionError` when it
    cannot be read. Spaces around a path are ignored."""
    if len(text) > MAX_LENGTH:
        raise ProjectionError(f"the projection is {len(text)} characters long; at most {MAX_LENGTH} are allowed")
    paths = text.split(",")
    if len(paths) > MAX_PATHS:
        raise ProjectionError(f"the projection has {len(paths)} paths; at most {MAX_PATHS} are allowed")
    tree: dict[str, Any] = {}
    for raw in paths:
        path = raw.strip()
        if not path:
            raise ProjectionError("the projection has an empty path" if text.strip()
                                  else "the projection is empty")
        names = path.split(".")
        if len(names) > MAX_DEPTH:
            raise ProjectionError(f"the path '{_shown(path)}' has {len(names)} attribute names; "
                                  f"at most {MAX_DEPTH} are allowed")
        for name in names:
            if not name:
                raise ProjectionError(f"the path '{_shown(path)}' has an empty attribute name")
            if len(name) > MAX_NAME:
                raise ProjectionError(f"the attribute name '{_shown(name)}' is longer than {MAX_NAME} characters")
            if not _NAME.fullmatch(name):
                raise ProjectionError(f"'{_shown(name)}' in the path '{_shown(path)}' is not an attribute name "
                                      "(letters, digits and '_')")
        _insert(tree, names)
    return _built(tree)


def _insert(tree: dict[str, Any], names: list[str]) -> None:
    node = tree
    for name in names[:-1]:
        if name in node and node[name] is None:
            return  # the whole value is selected already
        node = node.setdefault(name, {})
    node[names[-1]] = None


def _built(tree: dict[str, Any]) -> Projection:
    return Projection({name: None if inner is None else _built(inner) for name, inner in tree.items()})


def of_paths(*paths: str) -> Projection:
    """The projection of ``paths``, each a dotted path: ``of_paths("name", "nics.mac")``."""
    return parse_projection(",".join(paths))


def project(data: Any, projection: Projection) -> Any:
    """``data`` (an entity of the wire shape, or a list of them) with only what ``projection``
    selects; a value that is neither is answered as it is."""
    if isinstance(data, list):
        return [project(item, projection) for item in data]
    if isinstance(data, dict):
        return _object(data, projection)
    return data


def project_collection(data: dict[str, Any], projection: Projection) -> dict[str, Any]:
    """A collection as its answer has it, its items wrapped under their name (``{"vm": [...]}``,
    ``{}`` when empty), with each item projected."""
    return {name: project(items, projection) for name, items in data.items()}


def _object(data: dict[str, Any], projection: Projection) -> dict[str, Any]:
    fields = projection.fields
    kept: dict[str, Any] = {}
    for key, value in data.items():
        if key in ALWAYS_KEPT:
            kept[key] = value
        elif key in fields:
            inner = fields[key]
            if inner is None:
                kept[key] = value
            else:
                selected = _inside(value, inner)
                if selected is not _ABSENT:
                    kept[key] = selected
    return kept


def _inside(value: Any, projection: Projection) -> Any:
    """What ``projection`` selects inside one value: each item of a list, the items of a wrapped
    list, the attributes of an object; ``_ABSENT`` for a value that has no attributes."""
    if isinstance(value, list):
        return [item for item in (_inside(entry, projection) for entry in value) if item is not _ABSENT]
    if isinstance(value, dict):
        if len(value) == 1:
            ((item, entries),) = value.items()
            if isinstance(entries, list) and item not in projection.fields and item not in ALWAYS_KEPT:
                return {item: _inside(entries, projection)}
        return _object(value, projection)
    return _ABSENT


__all__ = [
    "ALWAYS_KEPT",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NAME",
    "MAX_PATHS",
    "Projection",
    "ProjectionError",
    "of_paths",
    "parse_projection",
    "project",
    "project_collection",
]
