"""The paths the generic store serves, as the API model lays them out.

Every path template of the model (``vms/{vm}/snapshots/{snapshot}``) that no bespoke route serves
becomes a :class:`GenericPath`: a collection (its service lists or adds members, or has a member
locator), or a member of one. Each knows its collection key (the template without identifiers,
``vms/snapshots``), the model type of its entities, the methods the model gives it, and the
nearest entity above it, whose existence its requests check.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from engine_api.model import Action, ApiModel, Method, Service

_VARIABLE = re.compile(r"\{([^}]+)\}")


def collection_key(template: str) -> str:
    """The template without its identifier segments: ``vms/{vm}/snapshots/{s}`` → ``vms/snapshots``."""
    return "/".join(segment for segment in template.split("/") if not _VARIABLE.fullmatch(segment))


def concrete(template: str, values: dict[str, str]) -> str:
    """The template with its identifiers filled in from ``values``."""
    return _VARIABLE.sub(lambda match: values[match.group(1)], template)


def variables(template: str) -> list[str]:
    return _VARIABLE.findall(template)


def rule(template: str) -> str:
    """The template as a Flask URL rule below the API root: ``/vms/<vm>/snapshots``."""
    return "/" + _VARIABLE.sub(lambda match: f"<{match.group(1)}>", template)


@dataclass(frozen=True)
class GenericPath:
    """A path template the generic store serves.

    ``member`` is True for a member of a collection (the template ends with an identifier).
    ``type`` is the model type of the entities listed, added or read there (empty for a path a
    bespoke route serves). ``actions`` are those no bespoke route serves, by URL segment. ``owner`` is the
    template of the nearest entity above the path (``vms/{vm}`` for ``vms/{vm}/snapshots`` and
    for ``vms/{vm}/snapshots/{snapshot}``), None for a top-level collection; ``owner_bespoke``
    whether a bespoke route serves that entity.
    """

    template: str
    service: Service
    member: bool
    type: str
    methods: dict[str, Method]
    actions: dict[str, tuple[Action, ...]]
    owner: Optional[str]
    owner_bespoke: bool
    bespoke: bool = False
    """Whether a bespoke route serves the path itself (the generic store serves its actions only)."""

    @property
    def key(self) -> str:
        return collection_key(self.template)

    @property
    def collection(self) -> str:
        """The template of the collection: the path itself, or a member's without its identifier."""
        return self.template.rsplit("/", 1)[0] if self.member else self.template

    @property
    def identifier(self) -> Optional[str]:
        """The variable of a member's identifier (``snapshot``); None for a collection."""
        return variables(self.template)[-1] if self.member else None

    def verbs(self) -> set[str]:
        """``list``, ``add``, ``get``, ``update``, ``remove``: the requests the model allows here."""
        return {method.verb for method in self.methods.values()}

    def body_type(self, verb: str) -> str:
        """The model type of the request body of ``add`` or ``update``."""
        method = self.methods.get(verb)
        body = method.body if method is not None else None
        return body.type if body is not None and body.type is not None else self.type


def _entity_type(model: ApiModel, service: Service, member: Optional[Service]) -> Optional[str]:
    """The type of the entities of a collection service (or of a member service ``member``)."""
    for candidate in (service, member):
        if candidate is None:
            continue
        methods = model.methods(candidate.name)
        for verb in ("list", "get"):
            if verb in methods and methods[verb].returns:
                return methods[verb].returns
        for verb in ("add", "update"):
            body = methods[verb].body if verb in methods else None
            if body is not None and body.type:
                return body.type
    return None


def _linked_type(model: ApiModel, template: str, service: Service, types: dict[str, str]) -> Optional[str]:
    """The type of a collection whose service's methods do not tell it: the type its owner's
    type links to at its segment (``<link rel="nics">``), else the type whose collection element
    is the segment without underscores (``schedulingpolicyunits``: ``scheduling_policy_units``),
    else the type whose element is the name of its member locator (``operating_system``)."""
    segment = template.rsplit("/", 1)[-1]
    owner = _owner(template, False)
    owner_type = types.get(owner.rsplit("/", 1)[0]) if owner else None
    if owner_type is not None:
        linked = next((a.type for a in model.links(owner_type) if a.link == segment), None)
        if linked is not None:
            return linked
    named = {t.name for t in model.types.values() if t.plural.replace("_", "") == segment}
    if len(named) == 1:
        return named.pop()
    member = next((loc for loc in model.locators(service.name).values() if loc.by_id), None)
    named = {t.name for t in model.types.values() if member is not None and t.element == member.name}
    return named.pop() if len(named) == 1 else None


def _actions(model: ApiModel, service: Service) -> dict[str, tuple[Action, ...]]:
    """The actions of a service by URL segment (several SDK actions may share one: ``export``)."""
    found: dict[str, list[Action]] = {}
    for action in model.actions(service.name).values():
        found.setdefault(action.path, []).append(action)
    return {path: tuple(actions) for path, actions in sorted(found.items())}


def _owner(template: str, member: bool) -> Optional[str]:
    segments = template.split("/")
    if member:
        segments = segments[:-1]
    while segments and not _VARIABLE.fullmatch(segments[-1]):
        segments.pop()
    return "/".join(segments) or None


def entity_types(model: ApiModel) -> dict[str, str]:
    """The model type of the entities at every path template of ``model`` that has one: those a
    collection lists or adds, and the one a member is (``vms/{vm}/nics`` and ``vms/{vm}/nics/{nic}``:
    ``Nic``)."""
    types: dict[str, str] = {}
    for template, service in model.walk_paths():
        if template.endswith("}"):
            type_name = types.get(template.rsplit("/", 1)[0]) or _entity_type(model, service, None)
        else:
            type_name = (_entity_type(model, service, model.member_service(service.name))
                         or _linked_type(model, template, service, types))
        if type_name is not None:
            types[template] = type_name
    return types


def generic_paths(model: ApiModel, bespoke: Callable[[str, Optional[str]], bool]) -> Iterator[GenericPath]:
    """Every path template of ``model`` the generic store serves something of.

    ``bespoke(path, method)`` tells whether a bespoke route serves a concrete path below the API
    root (such as ``vms/x/snapshots``) for ``method``, or for any method when it is None. A template no bespoke route serves is served whole (its entity type
    known); one a bespoke route serves only for the actions it leaves (``vms/{vm}/clone``).
    """
    types = entity_types(model)
    for template, service in model.walk_paths():
        member = template.endswith("}")
        type_name = types.get(template)
        sample = _sample(template)
        served = bespoke(sample, None)
        actions = {segment: found for segment, found in _actions(model, service).items()
                   if not bespoke(f"{sample}/{segment}", "POST")}
        if served and not actions or not served and type_name is None:
            continue
        owner = _owner(template, member)
        yield GenericPath(template, service, member, type_name or "", dict(model.methods(service.name)), actions,
                          owner, owner is not None and bespoke(_sample(owner), None), served)


def _sample(template: str) -> str:
    return concrete(template, {name: "x" for name in variables(template)})
