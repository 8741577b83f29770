"""Reading a Domain XML as libvirt reports it: the devices device monitoring needs, and the metadata."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from lxml import etree

from . import elements as el
from .errors import DomainXmlError
from .metadata import Metadata
from .safexml import parse_xml

USER_ALIAS_PREFIX = "ua-"


@dataclass(slots=True)
class ReportedDevice:
    """One device of a reported domain, in the engine's terms.

    ``type`` is the engine's general device type (``disk``, ``interface``, ``video``,
    ``graphics``, ``controller``, ``channel``, ``balloon``, ``rng``, ``watchdog``, ``sound``,
    ``console``, ``redir``, ``hostdev``, ``memory``); ``device`` the kind within it (``disk``
    or ``cdrom``, ``bridge``, ``qxl``, ``virtio-serial``/``virtio-scsi``/``usb``…, ``unix``…).
    ``address`` keeps the attributes type, domain, bus, slot, function, controller, target,
    unit, port, multifunction and base; ``None`` when the device has no address. ``mac`` is
    lower-cased. ``logical_name`` is a disk's target dev, the name the guest gives it.
    ``params`` holds what identifies devices without an alias (a controller's index and model,
    a channel's target name, a DIMM's size and node, a host device's source address…).
    """

    type: str
    device: str
    alias: str | None = None
    address: Mapping[str, str] | None = None
    mac: str | None = None
    logical_name: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def user_alias_id(self) -> str | None:
        """The device id in a ``ua-<id>`` alias, as written (``None`` for other aliases)."""
        if self.alias and self.alias.startswith(USER_ALIAS_PREFIX):
            return self.alias[len(USER_ALIAS_PREFIX):]
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready), leaving out what is absent."""
        data: dict[str, Any] = {"type": self.type, "device": self.device}
        for key in ("alias", "address", "mac", "logical_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = dict(value) if key == "address" else value
        if self.params:
            data["params"] = dict(self.params)
        return data


@dataclass
class ReportedDomain:
    """A reported domain: its identity, monitored devices and (read on first use) its metadata."""

    name: str | None
    uuid: str | None
    id: int | None
    devices: list[ReportedDevice]
    metadata_element: etree._Element | None = field(default=None, repr=False, compare=False)

    @cached_property
    def metadata(self) -> Metadata | None:
        """The ``<metadata>`` section, ``None`` when the domain has none."""
        if self.metadata_element is None:
            return None
        return Metadata.from_element(self.metadata_element)


def parse(xml: str | bytes | etree._Element) -> ReportedDomain:
    """Read a Domain XML (text or an element already parsed with :func:`~domainxml.safexml.parse_xml`)."""
    root = xml if isinstance(xml, etree._Element) else parse_xml(xml, what="Domain XML")
    if root.tag != "domain":
        raise DomainXmlError(f"Domain XML: the root element is <{root.tag}>, not <domain>")
    name = uuid = None
    devices: list[ReportedDevice] = []
    metadata_element = None
    for child in root:
        tag = child.tag
        if tag == "devices":
            devices = _devices(child)
        elif tag == "metadata":
            metadata_element = child
        elif tag == "name":
            name = child.text
        elif tag == "uuid":
            uuid = child.text
    domain_id = root.get("id")
    try:
        number = int(domain_id) if domain_id is not None else None
    except ValueError:
        raise DomainXmlError(f"Domain XML: domain id {domain_id!r} is not a number") from None
    return ReportedDomain(name=name, uuid=uuid, id=number, devices=devices, metadata_element=metadata_element)


def parse_devices(xml: str | bytes | etree._Element) -> list[ReportedDevice]:
    """Only the monitored devices of a Domain XML."""
    return parse(xml).devices


def _devices(devices: etree._Element) -> list[ReportedDevice]:
    found = []
    for child in devices:
        view = _READERS.get(child.tag)
        if view is not None:
            read, convert = view
            device = convert(read(child))
            if device is not None:
                found.append(device)
    return found


def _mac(value: str | None) -> str | None:
    return value.lower() if value else value


def _present(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _disk(v: dict[str, Any]) -> ReportedDevice:
    return ReportedDevice("disk", v["device"] or "disk", v["alias"], v["address"] or None,
                          logical_name=v["target_dev"],
                          params=_present(path=v["source_file"] or v["source_dev"] or None, bus=v["target_bus"]))


def _interface(v: dict[str, Any]) -> ReportedDevice:
    return ReportedDevice("interface", v["type"] or "bridge", v["alias"], v["address"] or None, mac=_mac(v["mac"]),
                          params=_present(model=v["model"], bridge=v["source_bridge"], host_dev=v["target_dev"]))


def _controller(v: dict[str, Any]) -> ReportedDevice:
    device = "virtio-scsi" if v["model"] == "virtio-scsi" else (v["type"] or "")
    return ReportedDevice("controller", device, v["alias"], v["address"] or None,
                          params=_present(index=v["index"], model=v["model"]))


def _channel(v: dict[str, Any]) -> ReportedDevice:
    return ReportedDevice("channel", v["type"] or "", v["alias"], v["address"] or None,
                          params=_present(name=v["target_name"] or None))


def _graphics(v: dict[str, Any]) -> ReportedDevice:
    port, tls_port = v["port"], v["tls_port"]
    return ReportedDevice("graphics", v["type"] or "",
                          params=_present(port=port if port and port > 0 else None,
                                          tls_port=tls_port if tls_port and tls_port > 0 else None))


def _video(v: dict[str, Any]) -> ReportedDevice:
    return ReportedDevice("video", v["model"] or "", v["alias"], v["address"] or None)


def _memballoon(v: dict[str, Any]) -> ReportedDevice | None:
    if v["model"] == "none":
        return None
    return ReportedDevice("balloon", "memballoon", v["alias"], v["address"] or None, params=_present(model=v["model"]))


def _rng(v: dict[str, Any]) -> ReportedDevice:
    backend = v["backend"]
    return ReportedDevice("rng", v["model"] or "virtio", v["alias"], v["address"] or None,
                          params=_present(source=backend.rsplit("/", 1)[-1] if backend else None))


def _console(v: dict[str, Any]) -> ReportedDevice:
    return ReportedDevice("console", "console", v["alias"], v["address"] or None)


def _watchdog(v: dict[str, Any]) -> ReportedDevice:
    return ReportedDevice("watchdog", "watchdog", v["alias"], v["address"] or None,
                          params=_present(model=v["model"], action=v["action"]))


def _sound(v: dict[str, Any]) -> ReportedDevice:
    return ReportedDevice("sound", v["model"] or "", v["alias"], v["address"] or None)


def _redirdev(v: dict[str, Any]) -> ReportedDevice:
    return ReportedDevice("redir", v["type"] or "", v["alias"], v["address"] or None, params=_present(bus=v["bus"]))


def _hostdev(v: dict[str, Any]) -> ReportedDevice:
    return ReportedDevice("hostdev", v["type"] or "", v["alias"], v["address"] or None,
                          params=_present(source_address=dict(v["source_address"]) if v["source_address"] else None))


def _memory(v: dict[str, Any]) -> ReportedDevice:
    size = v["size_kib"]
    return ReportedDevice("memory", "memory", v["alias"], v["address"] or None,
                          params=_present(size_mb=size // 1024 if size is not None else None, node=v["node"]))


_DEVICE = ("alias", "address")
_VIEWS: dict[str, tuple[type, tuple[str, ...], Callable[[dict[str, Any]], ReportedDevice | None]]] = {
    "disk": (el.Disk, ("device", "target_dev", "target_bus", "source_file", "source_dev") + _DEVICE, _disk),
    "interface": (el.Interface, ("type", "mac", "model", "source_bridge", "target_dev") + _DEVICE, _interface),
    "controller": (el.Controller, ("type", "index", "model") + _DEVICE, _controller),
    "channel": (el.Channel, ("type", "target_name") + _DEVICE, _channel),
    "graphics": (el.Graphics, ("type", "port", "tls_port"), _graphics),
    "video": (el.Video, ("model",) + _DEVICE, _video),
    "memballoon": (el.Memballoon, ("model",) + _DEVICE, _memballoon),
    "rng": (el.Rng, ("model", "backend") + _DEVICE, _rng),
    "console": (el.Console, _DEVICE, _console),
    "watchdog": (el.Watchdog, ("model", "action") + _DEVICE, _watchdog),
    "sound": (el.Sound, ("model",) + _DEVICE, _sound),
    "redirdev": (el.Redirdev, ("type", "bus") + _DEVICE, _redirdev),
    "hostdev": (el.Hostdev, ("type", "source_address") + _DEVICE, _hostdev),
    "memory": (el.Memory, ("size_kib", "node") + _DEVICE, _memory),
}
"""Per monitored element: its declarative class, the properties monitoring reads of it, and how
they become a :class:`ReportedDevice` (``None``: not a device to monitor)."""

_READERS = {tag: (cls.reader(names), convert) for tag, (cls, names, convert) in _VIEWS.items()}
