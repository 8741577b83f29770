"""Device monitoring: pairing the devices a host reports with the devices the engine knows.

The rules are the engine's (since it matches by alias only):

1. A reported alias ``ua-<uuid>`` names the known device with that id; any other alias is
   compared with the alias stored for a known device (VMs started before user aliases existed
   report ``net0``, ``virtio-disk0``…).
2. Devices of which a VM has one (memory balloon, RNG, watchdog, sound card, console) are
   paired by type; graphics by type and protocol; a controller the engine writes without an
   alias (USB) by type and index, as long as no alias was stored for it yet.
3. Reported devices left over: controllers, channels, USB redirection, memory DIMMs and host
   devices become unmanaged devices to add (controllers and channels only when they have an
   address, or a controller of ``model="none"``); disks, NICs, video cards and the rest are
   ignored.
4. Known devices left over: plugged managed ones are marked unplugged (address cleared),
   unmanaged ones deleted. Graphics are never reported back by address and are left alone, and
   a paired device stays plugged whether or not it has an address. A device changed after the
   XML was fetched (``updated_at`` later than ``fetched_at``) is kept as it is: the report is
   older than what the engine knows.

Paths, MAC addresses and PCI addresses are not used for pairing: they produced wrong matches.
MAC addresses are compared lower-case wherever they are compared.
"""
from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .parser import USER_ALIAS_PREFIX, ReportedDevice
from .spec import VmSpec

SINGLETON_TYPES = frozenset({"balloon", "rng", "watchdog", "sound", "console"})
UNMANAGED_TYPES = frozenset({"controller", "channel", "redir", "memory", "hostdev"})
ADDRESS_NEEDED_TYPES = frozenset({"controller", "channel"})
NOT_REPORTED_TYPES = frozenset({"graphics"})


@dataclass
class KnownDevice:
    """A device as the engine's database knows it.

    ``type``/``device`` use the same words as :class:`~domainxml.parser.ReportedDevice`.
    ``params`` may carry a controller's ``index`` and ``model``. ``updated_at`` is when the
    row last changed (any clock, compared with ``fetched_at`` of :func:`match`).
    """

    id: str
    type: str
    device: str
    alias: str | None = None
    address: Mapping[str, str] | None = None
    managed: bool = True
    plugged: bool = True
    logical_name: str | None = None
    mac: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    updated_at: float | None = None


@dataclass
class MatchedDevice:
    """A reported device paired with a known one, and how (``alias``, ``stored-alias``, ``type``, ``index``)."""

    known: KnownDevice
    reported: ReportedDevice
    by: str

    @property
    def address(self) -> dict[str, str] | None:
        return dict(self.reported.address) if self.reported.address else None

    @property
    def alias(self) -> str | None:
        return self.reported.alias

    @property
    def logical_name(self) -> str | None:
        """The reported guest name, or the stored one when the report has none."""
        return self.reported.logical_name or self.known.logical_name

    @property
    def changes(self) -> list[str]:
        """What the engine has to update: ``plugged``, ``address``, ``alias``, ``logical_name``."""
        changed = []
        if not self.known.plugged:
            changed.append("plugged")
        if (dict(self.known.address) if self.known.address else None) != self.address:
            changed.append("address")
        if (self.known.alias or None) != self.alias:
            changed.append("alias")
        if (self.known.logical_name or None) != self.logical_name:
            changed.append("logical_name")
        return changed


@dataclass
class IgnoredDevice:
    """A reported device no known device pairs with and that is not added either."""

    reported: ReportedDevice
    reason: str


@dataclass
class MatchResult:
    """What a monitoring cycle does with one VM's devices."""

    matched: list[MatchedDevice] = field(default_factory=list)
    added: list[ReportedDevice] = field(default_factory=list)
    """Reported devices to add as unmanaged devices."""
    unplugged: list[KnownDevice] = field(default_factory=list)
    """Managed devices to mark unplugged, their address cleared."""
    removed: list[KnownDevice] = field(default_factory=list)
    """Unmanaged devices no longer reported, to delete."""
    ignored: list[IgnoredDevice] = field(default_factory=list)
    kept: list[KnownDevice] = field(default_factory=list)
    """Devices changed after the XML was fetched, left untouched."""
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the database needs any update."""
        return bool(self.added or self.unplugged or self.removed
                    or any(matched.changes for matched in self.matched))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready), for golden files and API answers."""
        return {
            "matched": [{"id": matched.known.id, "type": matched.known.type, "device": matched.known.device,
                         "by": matched.by, "alias": matched.alias, "address": matched.address,
                         "logical_name": matched.logical_name, "changes": matched.changes}
                        for matched in self.matched],
            "added": [reported.to_dict() for reported in self.added],
            "unplugged": [_known_dict(known) for known in self.unplugged],
            "removed": [_known_dict(known) for known in self.removed],
            "ignored": [{**ignored.reported.to_dict(), "reason": ignored.reason} for ignored in self.ignored],
            "kept": [_known_dict(known) for known in self.kept],
            "warnings": list(self.warnings),
        }


def _known_dict(known: KnownDevice) -> dict[str, Any]:
    return {"id": known.id, "type": known.type, "device": known.device}


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@functools.lru_cache(maxsize=1 << 16)
def _uuid_key(text: str) -> str | None:
    """A uuid in one canonical spelling, ``None`` when ``text`` is not a uuid."""
    if _CANONICAL_UUID.fullmatch(text):
        return text
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def match(reported: Sequence[ReportedDevice], known: Iterable[KnownDevice], *,
          fetched_at: float | None = None) -> MatchResult:
    """Pair ``reported`` devices with ``known`` ones by the engine's rules (see the module documentation)."""
    known = list(known)
    result = MatchResult()
    by_id: dict[str, KnownDevice] = {}
    by_alias: dict[str, KnownDevice] = {}
    for device in known:
        key = _uuid_key(device.id)
        if key is not None:
            by_id[key] = device
        if device.alias:
            by_alias.setdefault(device.alias, device)
    taken: set[int] = set()
    pairs: list[tuple[ReportedDevice, KnownDevice, str] | None] = []

    for device in reported:
        pair = None
        alias = device.alias
        if alias:
            if alias.startswith(USER_ALIAS_PREFIX):
                key = _uuid_key(alias[len(USER_ALIAS_PREFIX):])
                candidate = by_id.get(key) if key is not None else None
                if candidate is not None and id(candidate) not in taken:
                    pair = (device, candidate, "alias")
            if pair is None:
                candidate = by_alias.get(alias)
                if candidate is not None and id(candidate) not in taken:
                    pair = (device, candidate, "stored-alias")
        if pair is not None:
            taken.add(id(pair[1]))
        pairs.append(pair)

    for position, device in enumerate(reported):
        if pairs[position] is not None:
            continue
        candidate, how = _fallback(device, known, taken)
        if candidate is not None:
            taken.add(id(candidate))
            pairs[position] = (device, candidate, how)

    for position, device in enumerate(reported):
        pair = pairs[position]
        if pair is not None:
            _, candidate, how = pair
            result.matched.append(MatchedDevice(candidate, device, how))
            if device.mac and candidate.mac and device.mac != candidate.mac.lower():
                result.warnings.append(f"{candidate.type} {candidate.id}: reported MAC {device.mac} differs from "
                                       f"{candidate.mac.lower()}")
            continue
        if device.type in UNMANAGED_TYPES:
            if (device.type in ADDRESS_NEEDED_TYPES and not device.address
                    and device.params.get("model") != "none"):
                result.ignored.append(IgnoredDevice(device, f"{device.type} without an address"))
            else:
                result.added.append(device)
        else:
            result.ignored.append(IgnoredDevice(device, f"unmanaged {device.type} {device.device} is ignored"))

    for device in known:
        if id(device) in taken or (device.managed and not device.plugged):
            continue
        if device.type in NOT_REPORTED_TYPES:
            continue
        if fetched_at is not None and device.updated_at is not None and device.updated_at > fetched_at:
            result.kept.append(device)
        elif device.managed:
            result.unplugged.append(device)
        else:
            result.removed.append(device)
    return result


def _fallback(device: ReportedDevice, known: list[KnownDevice], taken: set[int]) -> tuple[KnownDevice | None, str]:
    """The known device a reported one pairs with without an alias match."""
    if device.type in SINGLETON_TYPES:
        for candidate in known:
            if candidate.type == device.type and id(candidate) not in taken:
                return candidate, "type"
    elif device.type == "graphics":
        for candidate in known:
            if candidate.type == "graphics" and candidate.device == device.device and id(candidate) not in taken:
                return candidate, "type"
    elif device.type == "controller":
        index = device.params.get("index")
        model = device.params.get("model")
        for candidate in known:
            if (candidate.type == "controller" and candidate.device == device.device and not candidate.alias
                    and id(candidate) not in taken
                    and candidate.params.get("index", index) == index
                    and (candidate.params.get("model") is None or candidate.params.get("model") == model)):
                return candidate, "index"
    return None, ""


def unmanaged_from_reported(reported: ReportedDevice, device_id: str | None = None) -> KnownDevice:
    """The database row for a reported device added as unmanaged (a fresh id unless one is given)."""
    return KnownDevice(id=device_id or str(uuid.uuid4()), type=reported.type, device=reported.device,
                       alias=reported.alias, address=dict(reported.address) if reported.address else None,
                       managed=False, plugged=True, logical_name=reported.logical_name, mac=reported.mac,
                       params=dict(reported.params))


def known_devices(spec: VmSpec) -> list[KnownDevice]:
    """The managed devices of a VM spec as database rows (before it ever ran: no aliases stored)."""
    known: list[KnownDevice] = []
    for disk in spec.disks:
        known.append(KnownDevice(disk.id, "disk", "disk", address=disk.address))
    for cdrom in spec.cdroms:
        known.append(KnownDevice(cdrom.id, "disk", "cdrom", address=cdrom.address))
    for nic in spec.nics:
        known.append(KnownDevice(nic.id, "interface", "bridge", address=nic.address, mac=nic.mac.lower()))
    for video in spec.videos:
        known.append(KnownDevice(video.id, "video", video.model, address=video.address))
    for graphics in spec.graphics:
        known.append(KnownDevice(graphics.id, "graphics", graphics.type))
    counters: dict[str, int] = {}
    for controller in spec.controllers:
        index = controller.index if controller.index is not None else counters.get(controller.type, 0)
        counters[controller.type] = max(counters.get(controller.type, 0), index + 1)
        device = "virtio-scsi" if controller.model == "virtio-scsi" else controller.type
        params: dict[str, Any] = {"index": index}
        if controller.model is not None:
            params["model"] = controller.model
        known.append(KnownDevice(controller.id, "controller", device, address=controller.address, params=params))
    if spec.balloon is not None:
        known.append(KnownDevice(spec.balloon.id, "balloon", "memballoon", address=spec.balloon.address))
    if spec.rng is not None:
        known.append(KnownDevice(spec.rng.id, "rng", "virtio", address=spec.rng.address))
    if spec.watchdog is not None:
        known.append(KnownDevice(spec.watchdog.id, "watchdog", "watchdog", address=spec.watchdog.address))
    if spec.sound is not None:
        known.append(KnownDevice(spec.sound.id, "sound", spec.sound.model, address=spec.sound.address))
    if spec.console is not None:
        known.append(KnownDevice(spec.console.id, "console", "console"))
    return known
