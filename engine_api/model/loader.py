"""The oVirt API model, read from ``api.json`` into frozen data classes.

``api.json`` states each fact once: a type lists the attributes it declares (its base type the
rest), a service the methods, actions and locators it adds to its base service, and fields that
equal their default are left out (an attribute's ``element`` is its name, a list's ``item`` the
element of its item type, ``list`` and ``xml_attribute`` are false, a parameter's ``wire`` name
is its name). A locator's ``path`` is null at a collection's identifier. The classes here carry
every field explicitly; :class:`ApiModel` resolves inheritance.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from types import MappingProxyType
from typing import Any

PRIMITIVE_TYPES = frozenset({"string", "integer", "decimal", "boolean", "date"})


@dataclass(frozen=True)
class Attribute:
    """An attribute of a struct type as it travels in XML and JSON.

    ``type`` is a primitive (``string``, ``integer``, ``decimal``, ``boolean``, ``date``), an
    enum or a struct type name; for a list it is the type of the items. ``element`` is the XML
    element (and JSON member) name, ``item`` the element of each item of a list, ``link`` the
    ``rel`` of the ``<link>`` through which an entity refers to the list, ``xml_attribute``
    whether it is written as an XML attribute (``id``) rather than an element, and ``writable``
    whether the SDK writes it in request bodies at all.
    """

    name: str
    type: str
    element: str
    declared_by: str
    list: bool = False
    item: str | None = None
    link: str | None = None
    xml_attribute: bool = False
    writable: bool = True

    @property
    def is_primitive(self) -> bool:
        return self.type in PRIMITIVE_TYPES


@dataclass(frozen=True)
class StructType:
    """A struct type: its XML element, the element of a collection of it, its base type and the
    attributes it declares (:meth:`ApiModel.attributes` adds the inherited ones)."""

    name: str
    element: str
    plural: str
    base: str | None
    attributes: tuple[Attribute, ...]


@dataclass(frozen=True)
class EnumType:
    """An enum type and its values as written on the wire."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Parameter:
    """A parameter of a method or an action.

    ``location`` is ``query`` (a URL query parameter) or ``body`` (the request body of ``add``
    and ``update``, a member of the ``Action`` body of an action); ``wire`` is its name in the
    query or the body (``async`` for the SDK's ``async_``). ``type`` is None where the SDK only
    says it is a list. ``default`` is the documented default of a boolean, as written on the wire.
    """

    name: str
    type: str | None
    location: str
    wire: str
    list: bool = False
    default: str | None = None


class _Parameterised:
    """A method or an action: its parameters, found by either name."""

    name: str
    parameters: tuple[Parameter, ...]

    def parameter(self, name: str) -> Parameter:
        """The parameter by its SDK name or its wire name."""
        for parameter in self.parameters:
            if name in (parameter.name, parameter.wire):
                return parameter
        raise KeyError(f"{self.name} has no parameter {name!r}")


@dataclass(frozen=True)
class Method(_Parameterised):
    """A ``list``, ``add``, ``get``, ``update`` or ``remove`` method (or a variant of ``add`` or
    ``update`` such as ``add_from_snapshot``, same request, other documented parameters).

    ``returns`` is the entity type ``get`` returns or ``list`` returns a list of; None where the
    SDK does not say.
    """

    name: str
    parameters: tuple[Parameter, ...]
    returns: str | None = None

    @property
    def verb(self) -> str:
        """``list``, ``add``, ``get``, ``update`` or ``remove``: the HTTP request the method sends."""
        return self.name.split("_", 1)[0]

    @property
    def body(self) -> Parameter | None:
        """The parameter sent as the request body (``add`` and ``update``)."""
        return next((p for p in self.parameters if p.location == "body"), None)

    @property
    def query_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "query")


@dataclass(frozen=True)
class Action(_Parameterised):
    """An action: a ``POST`` of an ``Action`` body to ``path`` under the service.

    ``result`` is the member of the returned ``Action`` that carries the action's result
    (``ticket``, ``disk``...), None when the action returns nothing but its status.
    """

    name: str
    path: str
    parameters: tuple[Parameter, ...]
    result: str | None = None


@dataclass(frozen=True)
class Locator:
    """A sub-service: at ``path`` below the service, or, when ``path`` is None, at an
    identifier (a collection's members). ``name`` is the SDK's name for it (``disk_attachments``
    at ``diskattachments``, ``vm`` for a member of ``vms``)."""

    name: str
    path: str | None
    service: str

    @property
    def by_id(self) -> bool:
        return self.path is None


@dataclass(frozen=True)
class Service:
    """A service: the methods, actions and locators it defines, and its base service."""

    name: str
    base: str | None
    methods: tuple[Method, ...]
    actions: tuple[Action, ...]
    locators: tuple[Locator, ...]


def _mapping(items: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(items))


def _parameters(document: Mapping[str, Any]) -> tuple[Parameter, ...]:
    return tuple(
        Parameter(name, p["type"], p["in"], p.get("wire", name), p.get("list", False), p.get("default"))
        for name, p in document.items()
    )


class ApiModel:
    """The whole oVirt API: struct and enum types, services and the root service."""

    def __init__(self, sdk_version: str, types: Mapping[str, StructType], enums: Mapping[str, EnumType],
                 services: Mapping[str, Service], root: str, common_attributes: tuple[Attribute, ...]) -> None:
        self.sdk_version = sdk_version
        self.types = _mapping(types)
        self.enums = _mapping(enums)
        self.services = _mapping(services)
        self.root = root
        self.common_attributes = common_attributes
        self._elements = _mapping({element: t for t in types.values() for element in (t.element, t.plural)})
        self._attributes: dict[str, tuple[Attribute, ...]] = {}
        self._members: dict[tuple[str, str], Mapping[str, Any]] = {}

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> ApiModel:
        """The model of a parsed ``api.json`` document."""
        elements = {name: t["element"] for name, t in document["types"].items()}
        types = {}
        for name, t in document["types"].items():
            attributes = tuple(
                Attribute(
                    name=attr, type=a["type"], element=a.get("element", attr), declared_by=name,
                    list=a.get("list", False),
                    item=a.get("item", elements.get(a["type"])) if a.get("list") else None,
                    link=a.get("link"), xml_attribute=a.get("xml_attribute", False), writable=a.get("writable", True),
                )
                for attr, a in t["attributes"].items()
            )
            types[name] = StructType(name, t["element"], t["plural"], t.get("base"), attributes)
        enums = {name: EnumType(name, tuple(values)) for name, values in document["enums"].items()}
        services = {
            name: Service(
                name=name,
                base=s.get("base"),
                methods=tuple(Method(m, _parameters(d["parameters"]), d.get("returns")) for m, d in s["methods"].items()),
                actions=tuple(Action(a, d["path"], _parameters(d["parameters"]), d.get("result"))
                              for a, d in s["actions"].items()),
                locators=tuple(Locator(loc, d["path"], d["service"]) for loc, d in s["locators"].items()),
            )
            for name, s in document["services"].items()
        }
        common = tuple(
            Attribute(name=attr, type=a["type"], element=attr, declared_by="Struct",
                      xml_attribute=a.get("xml_attribute", False))
            for attr, a in document["common_attributes"].items()
        )
        return cls(document["sdk_version"], types, enums, services, document["root"], common)

    # types

    def type(self, name: str) -> StructType:
        """The struct type by name (``Vm``)."""
        return self.types[name]

    def enum(self, name: str) -> EnumType:
        """The enum type by name (``VmStatus``)."""
        return self.enums[name]

    def type_of_element(self, element: str) -> StructType:
        """The struct type whose element (``vm``) or collection element (``vms``) this is."""
        return self._elements[element]

    def bases(self, name: str) -> tuple[StructType, ...]:
        """The type and its base types, the type first (``Vm``, ``VmBase``, ``Identified``)."""
        return _lineage(self.types, name)

    def is_subtype(self, name: str, base: str) -> bool:
        return any(t.name == base for t in self.bases(name))

    def attributes(self, name: str) -> tuple[Attribute, ...]:
        """Every attribute of a struct type, inherited ones first and as the type spells them."""
        if name not in self._attributes:
            merged: dict[str, Attribute] = {}
            for struct in reversed(self.bases(name)):
                for attribute in struct.attributes:
                    inherited = merged.get(attribute.name)
                    merged[attribute.name] = attribute if inherited is None else replace(
                        attribute, declared_by=inherited.declared_by)
            self._attributes[name] = tuple(merged.values())
        return self._attributes[name]

    def attribute(self, type_name: str, name: str) -> Attribute:
        """An attribute of a struct type, declared or inherited, by its name."""
        for attribute in self.attributes(type_name):
            if attribute.name == name:
                return attribute
        raise KeyError(f"{type_name} has no attribute {name!r}")

    def links(self, type_name: str) -> tuple[Attribute, ...]:
        """The attributes an entity of the type refers to with ``<link rel="..."/>``."""
        return tuple(a for a in self.attributes(type_name) if a.link)

    # services

    def service(self, name: str) -> Service:
        """The service by name (``VmsService``)."""
        return self.services[name]

    @property
    def root_service(self) -> Service:
        """The service at the root of the API (``/ovirt-engine/api``)."""
        return self.services[self.root]

    def _service_chain(self, name: str) -> tuple[Service, ...]:
        """The service and the services it extends, the most basic first."""
        return tuple(reversed(_lineage(self.services, name)))

    def _members_of(self, service: str, kind: str) -> Mapping[str, Any]:
        key = (service, kind)
        if key not in self._members:
            self._members[key] = _mapping(
                {member.name: member for s in self._service_chain(service) for member in getattr(s, kind)})
        return self._members[key]

    def methods(self, service: str) -> Mapping[str, Method]:
        """The methods of a service by name, inherited ones included."""
        return self._members_of(service, "methods")

    def actions(self, service: str) -> Mapping[str, Action]:
        """The actions of a service by name, inherited ones included."""
        return self._members_of(service, "actions")

    def action_paths(self, service: str) -> tuple[str, ...]:
        """The URL segments of a service's actions, sorted (several SDK actions may share one)."""
        return tuple(sorted({action.path for action in self.actions(service).values()}))

    def located_links(self, type_name: str, service: str) -> tuple[str, ...]:
        """The link rels of an entity of ``type_name`` served by ``service``: those of its type's
        links that the service locates as sub-paths, in the type's order."""
        paths = {locator.path for locator in self.locators(service).values() if not locator.by_id}
        return tuple(a.link for a in self.links(type_name) if a.link in paths)

    def locators(self, service: str) -> Mapping[str, Locator]:
        """The locators of a service by name, inherited ones included."""
        return self._members_of(service, "locators")

    def locator(self, service: str, path: str | None) -> Locator:
        """The locator at a path segment (None: the identifier locator of a collection)."""
        for locator in self.locators(service).values():
            if locator.path == path:
                return locator
        raise KeyError(f"{service} has no locator at {path!r}")

    def member_service(self, service: str) -> Service | None:
        """The service of a collection's members (``VmService`` for ``VmsService``), if any."""
        locator = next((loc for loc in self.locators(service).values() if loc.by_id), None)
        return self.services[locator.service] if locator else None

    def walk_paths(self, depth: int | None = None) -> Iterator[tuple[str, Service]]:
        """(path template, service) for every path below the root, up to ``depth`` segments.

        Templates name an identifier segment after its locator: ``vms/{vm}/nics/{nic}``. A walk
        never enters a service already on its own path, so it ends without a depth.
        """
        def walk(prefix: str, service: Service, seen: tuple[str, ...], names: tuple[str, ...], level: int):
            if depth is not None and level >= depth:
                return
            for locator in sorted(self.locators(service.name).values(), key=lambda loc: (loc.path is None, loc.path or "")):
                if locator.service in seen:
                    continue
                child = self.services[locator.service]
                if locator.by_id:
                    name = locator.name
                    suffix = 2
                    while name in names:
                        name, suffix = f"{locator.name}{suffix}", suffix + 1
                    segment, child_names = f"{{{name}}}", names + (name,)
                else:
                    segment, child_names = locator.path, names
                path = f"{prefix}/{segment}" if prefix else segment
                yield path, child
                yield from walk(path, child, seen + (child.name,), child_names, level + 1)

        root = self.root_service
        yield from walk("", root, (root.name,), (), 0)

    def resolve(self, path: str) -> Service:
        """The service at a concrete path below the root (``vms/123/nics``)."""
        service = self.root_service
        for segment in filter(None, path.split("/")):
            locators = self.locators(service.name).values()
            locator = next((loc for loc in locators if loc.path == segment), None)
            if locator is None:
                locator = next((loc for loc in locators if loc.by_id), None)
            if locator is None:
                raise KeyError(f"no service at {path!r}")
            service = self.services[locator.service]
        return service


def _lineage(named: Mapping[str, Any], name: str) -> tuple[Any, ...]:
    """``named[name]`` and what it extends, following each one's ``base``, itself first."""
    chain = []
    current: str | None = name
    while current is not None:
        item = named[current]
        chain.append(item)
        current = item.base
    return tuple(chain)


def read_document() -> dict[str, Any]:
    """The parsed ``api.json`` shipped with this package."""
    text = resources.files(__package__).joinpath("api.json").read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def load() -> ApiModel:
    """The API model of the pinned SDK, read once per process."""
    return ApiModel.from_document(read_document())
