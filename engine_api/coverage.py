"""How far the engine serves the API model: per path and operation, what a request there does.

Every operation of every service the model reaches from the root is one of:

* ``behaviour``: a bespoke route does what the engine does (state in SQL rows with its rules,
  lifecycle, events, validation beyond the types);
* ``stored``: the generic store keeps the entities statefully as documents (what a client sets,
  it reads back; search, removal with the parent, events on add and remove);
* ``accepted``: an action the generic store validates and answers as the engine does, recording
  an event that says it was accepted with no other effect;
* ``missing``: nothing serves it (a 404).

The answer comes from the application's own URL map, so it cannot drift from what is served.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from werkzeug.exceptions import HTTPException

from engine_api.generic.paths import concrete, variables
from engine_api.model import ApiModel, load
from engine_api.types import API_PREFIX

LEVELS = ("behaviour", "stored", "accepted", "missing")
_HTTP = {"list": "GET", "add": "POST", "get": "GET", "update": "PUT", "remove": "DELETE"}
#: The blueprint of the generic store (:mod:`engine_api.routes.generic`).
_GENERIC = "generic."


@dataclass(frozen=True)
class Operation:
    """One operation of one path: ``verb`` is a method verb (``list``…) or ``action``."""

    template: str
    service: str
    verb: str
    action: Optional[str]
    level: str

    @property
    def name(self) -> str:
        return self.action if self.action is not None else self.verb


def _endpoint(adapter: Any, path: str, method: str) -> Optional[str]:
    try:
        endpoint, _ = adapter.match(path, method=method)
    except HTTPException:  # not found, another method only, or a redirect
        return None
    return str(endpoint)


def _level(endpoint: Optional[str], generic: str) -> str:
    if endpoint is None:
        return "missing"
    return generic if endpoint.startswith(_GENERIC) else "behaviour"


def operations(url_map: Any, model: Optional[ApiModel] = None) -> list[Operation]:
    """Every operation of every path of ``model`` (the pinned API model by default), as the
    rules of ``url_map`` serve it."""
    model = model or load()
    adapter = url_map.bind("localhost")
    found: list[Operation] = []
    for template, service in model.walk_paths():
        sample = f"{API_PREFIX}/{concrete(template, {name: 'x' for name in variables(template)})}"
        verbs = sorted({method.verb for method in model.methods(service.name).values()})
        for verb in verbs:
            endpoint = _endpoint(adapter, sample, _HTTP[verb])
            found.append(Operation(template, service.name, verb, None, _level(endpoint, "stored")))
        for segment in model.action_paths(service.name):
            endpoint = _endpoint(adapter, f"{sample}/{segment}", "POST")
            found.append(Operation(template, service.name, "action", segment, _level(endpoint, "accepted")))
    return found


def summary(found: Iterable[Operation]) -> dict[str, Counter[str]]:
    """Counts per level, for method verbs and actions apart: ``{"methods": …, "actions": …}``."""
    counts: dict[str, Counter[str]] = {"methods": Counter(), "actions": Counter()}
    for operation in found:
        counts["actions" if operation.action is not None else "methods"][operation.level] += 1
    return counts


def render_table(found: list[Operation]) -> str:
    """Plain text: one line per operation, then the summary."""
    width = max((len(op.template) for op in found), default=10)
    lines = [f"{'path':<{width}}  {'operation':<28} level"]
    for op in found:
        lines.append(f"{op.template:<{width}}  {op.name:<28} {op.level}")
    lines.append("")
    lines.extend(render_summary(found).splitlines())
    return "\n".join(lines) + "\n"


def render_summary(found: list[Operation]) -> str:
    """The summary as a Markdown table: operations per level, methods and actions apart."""
    counts = summary(found)
    paths = len({op.template for op in found})
    lines = [f"{paths} paths of the API model, {len(found)} operations", "",
             "| | " + " | ".join(LEVELS) + " | all |", "|---|" + "---|" * (len(LEVELS) + 1)]
    for kind in ("methods", "actions"):
        row = counts[kind]
        lines.append(f"| {kind} | " + " | ".join(str(row[level]) for level in LEVELS) + f" | {sum(row.values())} |")
    return "\n".join(lines) + "\n"
