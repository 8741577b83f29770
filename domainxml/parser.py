"""Reading a Domain XML as libvirt reports it: the devices device monitoring needs, and the metadata."""
from __future__ import annotations

import inspect
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
        read = _READERS.get(child.tag)
        if read is not None:
            device = read(child)
            if device is not None:
                found.append(device)
    return found


def _mac(value: str | None) -> str | None:
    return value.lower() if value else value


def _present(**values: Any) -> dict[str, Any]:
    """The values given that are not ``None``."""
    if None in values.values():
        return {key: value for key, value in values.items() if value is not None}
    return values


_Text = str | None
_Number = int | None
_Attributes = Mapping[str, str] | None

# Each view below turns the properties of one monitored element into a ReportedDevice (None: not
# a device to monitor); its parameters name the properties it reads, in the order they are read.


def _disk(device: _Text, target_dev: _Text, target_bus: _Text, source_file: _Text, source_dev: _Text, alias: _Text,
          address: _Attributes) -> ReportedDevice:
    return ReportedDevice("disk", device or "disk", alias, address or None, logical_name=target_dev,
                          params=_present(path=source_file or source_dev or None, bus=target_bus))


def _interface(type: _Text, mac: _Text, model: _Text, source_bridge: _Text, target_dev: _Text, alias: _Text,
               address: _Attributes) -> ReportedDevice:
    return ReportedDevice("interface", type or "bridge", alias, address or None, mac=_mac(mac),
                          params=_present(model=model, bridge=source_bridge, host_dev=target_dev))


def _controller(type: _Text, index: _Number, model: _Text, alias: _Text, address: _Attributes) -> ReportedDevice:
    device = "virtio-scsi" if model == "virtio-scsi" else (type or "")
    return ReportedDevice("controller", device, alias, address or None, params=_present(index=index, model=model))


def _channel(type: _Text, target_name: _Text, alias: _Text, address: _Attributes) -> ReportedDevice:
    return ReportedDevice("channel", type or "", alias, address or None, params=_present(name=target_name or None))


def _graphics(type: _Text, port: _Number, tls_port: _Number) -> ReportedDevice:
    return ReportedDevice("graphics", type or "",
                          params=_present(port=port if port and port > 0 else None,
                                          tls_port=tls_port if tls_port and tls_port > 0 else None))


def _video(model: _Text, alias: _Text, address: _Attributes) -> ReportedDevice:
    return ReportedDevice("video", model or "", alias, address or None)


def _memballoon(model: _Text, alias: _Text, address: _Attributes) -> ReportedDevice | None:
    if model == "none":
        return None
    return ReportedDevice("balloon", "memballoon", alias, address or None, params=_present(model=model))


def _rng(model: _Text, backend: _Text, alias: _Text, address: _Attributes) -> ReportedDevice:
    return ReportedDevice("rng", model or "virtio", alias, address or None,
                          params=_present(source=backend.rsplit("/", 1)[-1] if backend else None))


def _console(alias: _Text, address: _Attributes) -> ReportedDevice:
    return ReportedDevice("console", "console", alias, address or None)


def _watchdog(model: _Text, action: _Text, alias: _Text, address: _Attributes) -> ReportedDevice:
    return ReportedDevice("watchdog", "watchdog", alias, address or None, params=_present(model=model, action=action))


def _sound(model: _Text, alias: _Text, address: _Attributes) -> ReportedDevice:
    return ReportedDevice("sound", model or "", alias, address or None)


def _redirdev(type: _Text, bus: _Text, alias: _Text, address: _Attributes) -> ReportedDevice:
    return ReportedDevice("redir", type or "", alias, address or None, params=_present(bus=bus))


def _hostdev(type: _Text, source_address: _Attributes, alias: _Text, address: _Attributes) -> ReportedDevice:
    return ReportedDevice("hostdev", type or "", alias, address or None,
                          params=_present(source_address=dict(source_address) if source_address else None))


def _memory(size_kib: _Number, node: _Number, alias: _Text, address: _Attributes) -> ReportedDevice:
    return ReportedDevice("memory", "memory", alias, address or None,
                          params=_present(size_mb=size_kib // 1024 if size_kib is not None else None, node=node))


_VIEWS: dict[str, tuple[type, Callable[..., ReportedDevice | None]]] = {
    "disk": (el.Disk, _disk),
    "interface": (el.Interface, _interface),
    "controller": (el.Controller, _controller),
    "channel": (el.Channel, _channel),
    "graphics": (el.Graphics, _graphics),
    "video": (el.Video, _video),
    "memballoon": (el.Memballoon, _memballoon),
    "rng": (el.Rng, _rng),
    "console": (el.Console, _console),
    "watchdog": (el.Watchdog, _watchdog),
    "sound": (el.Sound, _sound),
    "redirdev": (el.Redirdev, _redirdev),
    "hostdev": (el.Hostdev, _hostdev),
    "memory": (el.Memory, _memory),
}
"""Per monitored element: its declarative class and its view."""


def _reader(cls: type, view: Callable[..., ReportedDevice | None]) -> Callable[[etree._Element], Any]:
    """The reader of the properties ``view`` takes, in the order it takes them, answering the view."""
    return cls.reader(tuple(inspect.signature(view).parameters), into=view)


_READERS = {tag: _reader(cls, view) for tag, (cls, view) in _VIEWS.items()}
