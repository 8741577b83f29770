"""libvirt Domain XML as the oVirt engine writes and reads it: build, metadata, parse, device
matching, hot-plug, validation against libvirt's schema, and a simulated host.

Depends on lxml and the standard library only::

    from domainxml import VmSpec, DiskSpec, NicSpec, build, validate, parse, match
"""
from .builder import build, build_domain, build_element, disk_names
from .devicehash import devices_hash
from .errors import (
    DomainXmlError,
    SchemaNotInstalledError,
    SchemaValidationError,
    SpecError,
)
from .host import HostIdentity, apply_hotplug, apply_hotunplug, start_domain
from .hotplug import (
    HotplugMessage,
    hotplug_disk,
    hotplug_nic,
    hotunplug_disk,
    hotunplug_nic,
    read_message,
)
from .matching import (
    IgnoredDevice,
    KnownDevice,
    MatchedDevice,
    MatchResult,
    known_devices,
    match,
    unmanaged_from_reported,
)
from .metadata import DeviceMetadata, Metadata
from .parser import ReportedDevice, ReportedDomain, parse, parse_devices
from .safexml import MAX_DOCUMENT_BYTES, parse_xml
from .spec import (
    BalloonSpec,
    CdromSpec,
    ConsoleSpec,
    ControllerSpec,
    DiskSpec,
    GraphicsSpec,
    NicSpec,
    RngSpec,
    SoundSpec,
    VideoSpec,
    VmSpec,
    WatchdogSpec,
)
from .validation import load_schema, validate, validation_errors

__all__ = [
    "MAX_DOCUMENT_BYTES", "BalloonSpec", "CdromSpec", "ConsoleSpec", "ControllerSpec", "DeviceMetadata", "DiskSpec",
    "DomainXmlError", "GraphicsSpec", "HostIdentity", "HotplugMessage", "IgnoredDevice", "KnownDevice",
    "MatchResult", "MatchedDevice", "Metadata", "NicSpec", "ReportedDevice", "ReportedDomain", "RngSpec",
    "SchemaNotInstalledError", "SchemaValidationError", "SoundSpec", "SpecError", "VideoSpec", "VmSpec",
    "WatchdogSpec", "apply_hotplug", "apply_hotunplug", "build", "build_domain", "build_element", "devices_hash",
    "disk_names", "hotplug_disk", "hotplug_nic", "hotunplug_disk", "hotunplug_nic", "known_devices", "load_schema",
    "match", "parse", "parse_devices", "parse_xml", "read_message", "start_domain", "unmanaged_from_reported",
    "validate", "validation_errors",
]
