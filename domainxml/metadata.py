"""The oVirt ``<metadata>`` of a domain: ``ovirt-tune:qos`` and ``ovirt-vm:vm`` with typed leaves.

Values are stored the way VDSM stores them:

- a leaf with ``type="int"``, ``type="float"`` or ``type="bool"`` is read back as that Python
  type; a leaf without ``type`` is a string and an empty leaf reads as ``''``;
- an element with children is a group and reads as a ``dict``; a tag repeated inside a group
  reads as a ``list``;
- a list is written as a container element repeating one item tag (``volumeChain`` holds
  ``volumeChainNode`` elements, ``portMirroring`` holds ``network`` elements, other lists hold
  ``item`` elements) and read back as a list.

Per-device entries, ``<ovirt-vm:device …>``, are found by a subset of their attributes, as VDSM
finds them: a NIC by ``mac_address``, a disk by ``devtype="disk"`` and ``name`` (its target dev),
other devices by ``devtype`` and ``name`` (their alias).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from lxml import etree

from .errors import DomainXmlError
from .namespaces import OVIRT_TUNE_NS, OVIRT_TUNE_PREFIX, OVIRT_VM_NS, OVIRT_VM_PREFIX
from .xmlmodel import escape_attribute, escape_text

LIST_ITEM_TAGS = {"volumeChain": "volumeChainNode", "hosts": "hostInfo", "portMirroring": "network"}
"""The item tag of the lists VDSM knows; any other list repeats ``item``."""

_VM = f"{{{OVIRT_VM_NS}}}vm"
_QOS = f"{{{OVIRT_TUNE_NS}}}qos"
_DEVICE = f"{{{OVIRT_VM_NS}}}device"
_VM_PREFIX = f"{{{OVIRT_VM_NS}}}"


@dataclass
class DeviceMetadata:
    """One ``<ovirt-vm:device>`` entry: identifying attributes and typed values."""

    attrs: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)

    def matches(self, **attrs: str) -> bool:
        """True when every given attribute has the given value (``mac_address`` case-insensitively)."""
        for key, wanted in attrs.items():
            have = self.attrs.get(key)
            if have is None:
                return False
            if key == "mac_address":
                if have.lower() != wanted.lower():
                    return False
            elif have != wanted:
                return False
        return True


@dataclass
class Metadata:
    """A domain's ``<metadata>``: the QoS section and the VM section with its device entries.

    ``qos`` is ``None`` when the document has no ``ovirt-tune:qos`` (hot-plug messages have none).
    """

    TAG: ClassVar[str] = "metadata"

    vm: dict[str, Any] = field(default_factory=dict)
    devices: list[DeviceMetadata] = field(default_factory=list)
    qos: dict[str, Any] | None = None

    # -- device entries -----------------------------------------------------------------------
    def find_devices(self, **attrs: str) -> list[DeviceMetadata]:
        """All device entries having the given attributes."""
        return [entry for entry in self.devices if entry.matches(**attrs)]

    def device(self, **attrs: str) -> DeviceMetadata | None:
        """The one device entry having the given attributes, ``None`` when there is none.

        Raises :class:`LookupError` when several entries match.
        """
        found = self.find_devices(**attrs)
        if len(found) > 1:
            raise LookupError(f"{len(found)} metadata device entries match {attrs}")
        return found[0] if found else None

    def nic(self, mac_address: str) -> DeviceMetadata | None:
        """The entry of the NIC with this MAC address."""
        return self.device(mac_address=mac_address)

    def disk(self, name: str) -> DeviceMetadata | None:
        """The entry of the disk with this target dev (``vda``, ``sdb``…)."""
        return self.device(devtype="disk", name=name)

    def put_device(self, entry: DeviceMetadata, *, key: tuple[str, ...] | None = None) -> None:
        """Replace the entry identified by ``key`` (attribute names; default: all of its attributes) or add it."""
        wanted = {name: entry.attrs[name] for name in (key or tuple(entry.attrs))}
        for position, existing in enumerate(self.devices):
            if existing.matches(**wanted):
                self.devices[position] = entry
                return
        self.devices.append(entry)

    def remove_devices(self, **attrs: str) -> int:
        """Remove the entries having the given attributes; answers how many were removed."""
        kept = [entry for entry in self.devices if not entry.matches(**attrs)]
        removed = len(self.devices) - len(kept)
        self.devices = kept
        return removed

    # -- reading ------------------------------------------------------------------------------
    @classmethod
    def from_element(cls, element: etree._Element) -> Metadata:
        """Read a ``<metadata>`` element (other namespaces in it are ignored)."""
        metadata = cls()
        for section in element:
            if section.tag == _VM:
                values: list[tuple[str, Any]] = []
                for child in section:
                    tag = child.tag
                    if tag == _DEVICE:
                        metadata.devices.append(DeviceMetadata(dict(child.attrib), load_group(child)))
                    elif isinstance(tag, str) and tag.startswith(_VM_PREFIX):
                        key = tag[len(_VM_PREFIX):]
                        values.append((key, load_value(child, key)))
                metadata.vm = _grouped(values)
            elif section.tag == _QOS:
                metadata.qos = load_group(section)
        return metadata

    # -- writing ------------------------------------------------------------------------------
    def to_element(self, parent: etree._Element | None = None) -> etree._Element:
        """This metadata as an lxml element (namespaces declared on it when it has no parent)."""
        if parent is None:
            element = etree.Element(self.TAG, nsmap=self._nsmap())
        else:
            element = etree.SubElement(parent, self.TAG)
        if self.qos is not None:
            _dump_group(etree.SubElement(element, _QOS), self.qos, OVIRT_TUNE_NS)
        vm = etree.SubElement(element, _VM)
        _dump_group(vm, self.vm, OVIRT_VM_NS)
        for entry in self.devices:
            device = etree.SubElement(vm, _DEVICE, entry.attrs)
            _dump_group(device, entry.values, OVIRT_VM_NS)
        return element

    def to_xml(self, *, declare_namespaces: bool = True) -> str:
        """This metadata as XML text; without declarations the prefixes must be declared above it."""
        out: list[str] = []
        self._write(out, declare_namespaces)
        return "".join(out)

    def _write(self, out: list[str], declare_namespaces: bool = False) -> None:
        out.append("<metadata")
        if declare_namespaces:
            for prefix, uri in self._nsmap().items():
                out.append(f' xmlns:{prefix}="{uri}"')
        out.append(">")
        if self.qos is not None:
            _write_group(out, f"{OVIRT_TUNE_PREFIX}:qos", "", self.qos, OVIRT_TUNE_PREFIX)
        mark = len(out)
        _write_items(out, self.vm, OVIRT_VM_PREFIX)
        for entry in self.devices:
            attributes = "".join([f' {name}="{escape_attribute(str(value))}"' for name, value in entry.attrs.items()])
            _write_group(out, f"{OVIRT_VM_PREFIX}:device", attributes, entry.values, OVIRT_VM_PREFIX)
        _wrap(out, mark, f"{OVIRT_VM_PREFIX}:vm", "")
        out.append("</metadata>")

    def _nsmap(self) -> dict[str, str]:
        nsmap = {OVIRT_VM_PREFIX: OVIRT_VM_NS}
        if self.qos is not None:
            nsmap = {OVIRT_TUNE_PREFIX: OVIRT_TUNE_NS, **nsmap}
        return nsmap

    def set_properties(self) -> Iterator[Any]:
        """Metadata is not a declarative object; it has no declared properties to report."""
        return iter(())


# -- typed values -------------------------------------------------------------------------------


def load_value(element: etree._Element, key: str = "") -> Any:
    """The Python value of one metadata element (see the module documentation)."""
    if len(element):
        item_tag = LIST_ITEM_TAGS.get(key, "item")
        children = [child for child in element if isinstance(child.tag, str)]
        if children and all(_localname(child.tag) == item_tag for child in children):
            return [load_value(child) for child in children]
        return load_group(element)
    text = element.text
    kind = element.get("type")
    if kind is None or kind == "str":
        return text or ""
    if text is None:
        raise DomainXmlError(f"metadata {_localname(element.tag)}: empty value of type {kind!r}")
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                raise ValueError(text)
            return lowered == "true"
    except ValueError:
        raise DomainXmlError(f"metadata {_localname(element.tag)}: {text!r} is not a valid {kind}") from None
    raise DomainXmlError(f"metadata {_localname(element.tag)}: unknown value type {kind!r}")


def load_group(element: etree._Element) -> dict[str, Any]:
    """The children of ``element`` as a dict of typed values (repeated tags become lists)."""
    values: list[tuple[str, Any]] = []
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            key = _localname(tag)
            values.append((key, load_value(child, key)))
    return _grouped(values)


def _localname(tag: str) -> str:
    return tag.rpartition("}")[2]


def _grouped(values: list[tuple[str, Any]]) -> dict[str, Any]:
    """Pairs in document order as a dict; a key given several times maps to the list of its values."""
    counts: dict[str, int] = {}
    for key, _ in values:
        counts[key] = counts.get(key, 0) + 1
    grouped: dict[str, Any] = {}
    for key, value in values:
        if counts[key] == 1:
            grouped[key] = value
        else:
            grouped.setdefault(key, []).append(value)
    return grouped


def _leaf(value: Any) -> tuple[str | None, str]:
    """(type attribute, text) of a scalar value."""
    if isinstance(value, bool):
        return "bool", "true" if value else "false"
    if isinstance(value, int):
        return "int", str(value)
    if isinstance(value, float):
        return "float", repr(value)
    if isinstance(value, str):
        return None, value
    raise TypeError(f"metadata cannot store {type(value).__name__} values")


def _dump_group(element: etree._Element, values: dict[str, Any], namespace: str) -> None:
    for key, value in values.items():
        _dump_value(element, key, value, namespace)


def _dump_value(parent: etree._Element, key: str, value: Any, namespace: str) -> None:
    if value is None:
        return
    element = etree.SubElement(parent, f"{{{namespace}}}{key}")
    if isinstance(value, dict):
        _dump_group(element, value, namespace)
    elif isinstance(value, (list, tuple)):
        item_tag = LIST_ITEM_TAGS.get(key, "item")
        for item in value:
            _dump_value(element, item_tag, item, namespace)
    else:
        kind, text = _leaf(value)
        if kind is not None:
            element.set("type", kind)
        element.text = text or None


def _write_items(out: list[str], values: dict[str, Any], prefix: str) -> None:
    for key, value in values.items():
        if type(value) is str:  # most values: untyped strings
            out.append(f"<{prefix}:{key}>{escape_text(value)}</{prefix}:{key}>" if value else f"<{prefix}:{key}/>")
        else:
            _write_value(out, key, value, prefix)


def _write_value(out: list[str], key: str, value: Any, prefix: str) -> None:
    if value is None:
        return
    tag = f"{prefix}:{key}"
    if type(value) is str:
        out.append(f"<{tag}>{escape_text(value)}</{tag}>" if value else f"<{tag}/>")
    elif isinstance(value, dict):
        _write_group(out, tag, "", value, prefix)
    elif isinstance(value, (list, tuple)):
        mark = len(out)
        item_tag = LIST_ITEM_TAGS.get(key, "item")
        for item in value:
            _write_value(out, item_tag, item, prefix)
        _wrap(out, mark, tag, "")
    else:
        kind_name, text = _leaf(value)
        attributes = f' type="{kind_name}"' if kind_name is not None else ""
        out.append(f"<{tag}{attributes}>{escape_text(text)}</{tag}>" if text else f"<{tag}{attributes}/>")


def _write_group(out: list[str], tag: str, attributes: str, values: dict[str, Any], prefix: str) -> None:
    mark = len(out)
    _write_items(out, values, prefix)
    _wrap(out, mark, tag, attributes)


def _wrap(out: list[str], mark: int, tag: str, attributes: str) -> None:
    """Enclose what was written to ``out`` since ``mark`` in ``<tag>`` (an empty element when nothing was)."""
    if len(out) > mark:
        out.insert(mark, f"<{tag}{attributes}>")
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}{attributes}/>")
