"""Base classes of the oVirt type model: one schema per oVirt type."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar

from marshmallow import EXCLUDE, Schema, post_load

from engine_api.types.fields import API_PREFIX, String, flatten_inline


class StructSchema(Schema):
    """A structured value (cpu, os, product_info, …): no identity, no links."""

    class Meta:
        unknown = EXCLUDE

    @post_load
    def _flatten(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return flatten_inline(self, data)


class TypeSchema(StructSchema):
    """An oVirt entity type: ``id``/``href``, its sub-collection links and actions.

    Subclasses set:
    - ``type_name``: the XML element / JSON name (``vm``, ``disk_attachment``);
    - ``plural``: the collection element name (``vms``);
    - ``links``: sub-collections, as ``(rel, attribute name, item type name)`` triples
      (``("diskattachments", "disk_attachments", "disk_attachment")``);
    - ``actions``: action names (``start``, ``stop``…).
    The entity's href comes from :meth:`href` so sub-collection entities can be nested.
    """

    type_name: ClassVar[str] = ""
    plural: ClassVar[str] = ""
    collection: ClassVar[str] = ""
    links: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    actions: ClassVar[tuple[str, ...]] = ()
    rendered_defaults: ClassVar[dict[str, Any]] = {}
    """Attributes of the model the engine writes for every entity of the type until a client sets
    them (a host's ``power_management``), in the JSON wire shape; what a client sets is kept over them."""

    id = String(dump_only=True)

    @classmethod
    def href(cls, obj: Any) -> str:
        return f"{API_PREFIX}/{cls.collection}/{obj.id}"

    @classmethod
    def dump_entity(cls, obj: Any, schema: "TypeSchema") -> dict[str, Any]:
        """The wire shape of one entity: href and id first, then fields, actions, links."""
        from engine_api.types.dumper import compile_dumper

        href = cls.href(obj)
        data: dict[str, Any] = {"href": href}
        data.update(compile_dumper(cls)(obj))
        kept = getattr(obj, "model_extras", None)
        if cls.rendered_defaults:
            from engine_api.generic.values import merged

            kept = merged(cls.rendered_defaults, kept) if kept else cls.rendered_defaults
        if kept:
            from engine_api.types import extras

            for key, value in extras.rendered(cls, kept).items():
                data.setdefault(key, value)
        model_links, model_actions = served_links(cls.type_name, _shape(href))
        actions = list(cls.actions) + [a for a in model_actions if a not in cls.actions]
        if actions:
            data["actions"] = {"link": [{"href": f"{href}/{a}", "rel": a} for a in actions]}
        own = [rel for rel, _, _ in cls.links]
        links = own + [rel for rel in model_links if rel not in own]
        if links:
            data["link"] = [{"href": f"{href}/{rel}", "rel": rel} for rel in links]
        return data

    @classmethod
    def link_attribute(cls, key: str) -> str | None:
        """The attribute name of a sub-collection link given in either spelling."""
        wanted = key.replace("_", "").lower()
        for rel, attribute, _ in cls.links:
            if rel == wanted:
                return attribute
        return None


class ComputedSchema(TypeSchema):
    """An entity made when it is read (a statistic, a console), which carries its own ``href``."""

    @classmethod
    def href(cls, obj: Any) -> str:
        return obj.href


def _shape(href: str) -> tuple[str, ...]:
    """The collection segments of an entity's href: ``("vms", "nics")`` for ``…/vms/1/nics/2``."""
    segments = href[len(API_PREFIX) + 1:].split("/")
    return tuple(segments[0::2])


@lru_cache(maxsize=None)
def served_links(element: str, shape: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The sub-collection links and the actions the API model gives an entity of ``element``
    whose href has the collection segments ``shape``: the links of its type that its service
    locates (``permissions``, ``statistics``…), and its service's actions, each as its URL segment."""
    from engine_api.model import load

    model = load()
    try:
        service = model.resolve("/".join(f"{name}/x" for name in shape))
        struct = model.type_of_element(element)
    except KeyError:
        return (), ()
    return model.located_links(struct.name, service.name), model.action_paths(service.name)
