"""Base classes of the oVirt type model: one schema per oVirt type."""
from __future__ import annotations

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
        if cls.actions:
            data["actions"] = {"link": [{"href": f"{href}/{a}", "rel": a} for a in cls.actions]}
        if cls.links:
            data["link"] = [{"href": f"{href}/{rel}", "rel": rel} for rel, _, _ in cls.links]
        return data

    @classmethod
    def link_attribute(cls, key: str) -> str | None:
        """The attribute name of a sub-collection link given in either spelling."""
        wanted = key.replace("_", "").lower()
        for rel, attribute, _ in cls.links:
            if rel == wanted:
                return attribute
        return None
