"""Reading a Domain XML as libvirt reports it: the devices device monitoring needs, and the metadata."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

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
            devices = [reported for item in el.Devices.from_element(child).items
                       if (reported := to_reported(item)) is not None]
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


def to_reported(item: Any) -> ReportedDevice | None:
    """The engine's view of one device object; ``None`` for devices monitoring does not look at."""
    convert = _CONVERTERS.get(type(item))
    return convert(item) if convert is not None else None


def _address(item: Any) -> dict[str, str] | None:
    return item.address or None


def _mac(value: str | None) -> str | None:
    return value.lower() if value else value


def _disk(item: el.Disk) -> ReportedDevice:
    params: dict[str, Any] = {}
    path = item.source_file or item.source_dev
    if path:
        params["path"] = path
    if item.target_bus:
        params["bus"] = item.target_bus
    return ReportedDevice("disk", item.device or "disk", item.alias, _address(item),
                          logical_name=item.target_dev, params=params)


def _interface(item: el.Interface) -> ReportedDevice:
    params: dict[str, Any] = {}
    for key, value in (("model", item.model), ("bridge", item.source_bridge), ("host_dev", item.target_dev)):
        if value is not None:
            params[key] = value
    return ReportedDevice("interface", item.type or "bridge", item.alias, _address(item), mac=_mac(item.mac),
                          params=params)


def _controller(item: el.Controller) -> ReportedDevice:
    device = "virtio-scsi" if item.model == "virtio-scsi" else (item.type or "")
    params: dict[str, Any] = {}
    if item.index is not None:
        params["index"] = item.index
    if item.model is not None:
        params["model"] = item.model
    return ReportedDevice("controller", device, item.alias, _address(item), params=params)


def _channel(item: el.Channel) -> ReportedDevice:
    params = {"name": item.target_name} if item.target_name else {}
    return ReportedDevice("channel", item.type or "", item.alias, _address(item), params=params)


def _graphics(item: el.Graphics) -> ReportedDevice:
    params: dict[str, Any] = {}
    if item.port is not None and item.port > 0:
        params["port"] = item.port
    if item.tls_port is not None and item.tls_port > 0:
        params["tls_port"] = item.tls_port
    return ReportedDevice("graphics", item.type or "", params=params)


def _video(item: el.Video) -> ReportedDevice:
    return ReportedDevice("video", item.model or "", item.alias, _address(item))


def _memballoon(item: el.Memballoon) -> ReportedDevice | None:
    if item.model == "none":
        return None
    return ReportedDevice("balloon", "memballoon", item.alias, _address(item), params={"model": item.model})


def _rng(item: el.Rng) -> ReportedDevice:
    params = {"source": item.backend.rsplit("/", 1)[-1]} if item.backend else {}
    return ReportedDevice("rng", item.model or "virtio", item.alias, _address(item), params=params)


def _console(item: el.Console) -> ReportedDevice:
    return ReportedDevice("console", "console", item.alias, _address(item))


def _watchdog(item: el.Watchdog) -> ReportedDevice:
    return ReportedDevice("watchdog", "watchdog", item.alias, _address(item),
                          params={key: value for key, value in (("model", item.model), ("action", item.action))
                                  if value is not None})


def _sound(item: el.Sound) -> ReportedDevice:
    return ReportedDevice("sound", item.model or "", item.alias, _address(item))


def _redirdev(item: el.Redirdev) -> ReportedDevice:
    return ReportedDevice("redir", item.type or "", item.alias, _address(item),
                          params={"bus": item.bus} if item.bus else {})


def _hostdev(item: el.Hostdev) -> ReportedDevice:
    params = {"source_address": dict(item.source_address)} if item.source_address else {}
    return ReportedDevice("hostdev", item.type or "", item.alias, _address(item), params=params)


def _memory(item: el.Memory) -> ReportedDevice:
    params: dict[str, Any] = {}
    if item.size_kib is not None:
        params["size_mb"] = item.size_kib // 1024
    if item.node is not None:
        params["node"] = item.node
    return ReportedDevice("memory", "memory", item.alias, _address(item), params=params)


_CONVERTERS: dict[type, Any] = {
    el.Disk: _disk, el.Interface: _interface, el.Controller: _controller, el.Channel: _channel,
    el.Graphics: _graphics, el.Video: _video, el.Memballoon: _memballoon, el.Rng: _rng,
    el.Console: _console, el.Watchdog: _watchdog, el.Sound: _sound, el.Redirdev: _redirdev,
    el.Hostdev: _hostdev, el.Memory: _memory,
}
