"""What a VM is made of, as plain data: the input of :func:`domainxml.build`.

The engine fills these dataclasses from its database (the VM, its disks and disk attachments,
its vNICs and their profiles, its devices). Identifiers are uuid strings; a device's ``id`` is
its device id, written to the Domain XML as the alias ``ua-<id>``. ``address`` is the address
the engine last learnt from monitoring, as a dict of ``<address>`` attributes (``None`` for a
new device: libvirt assigns one). A ``boot_order`` of 0 means "not bootable".

Only plugged devices belong in a :class:`VmSpec`; the order of ``disks`` is the order in which
their target names are handed out (the engine puts the boot disk first).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from .errors import SpecError

Address = dict[str, str]

DISK_INTERFACES = ("virtio", "virtio_scsi", "sata", "ide")
CDROM_INTERFACES = ("ide", "sata", "scsi")
NIC_MODELS = ("virtio", "e1000", "e1000e", "rtl8139")
VDSM_DUMMY_BRIDGE = ";vdsmdummy;"
"""VDSM's bridge for vNICs without a network; what a host reports for them."""
NO_NETWORK_BRIDGE = ""
"""The bridge written for a vNIC without a network. VDSM reads an empty bridge name as
``;vdsmdummy;``; writing that name itself, as the engine does, fails libvirt's schema (a bridge
name may not contain ``;``)."""

DEFAULT_SPICE_SECURE_CHANNELS = ("main", "display", "inputs", "cursor", "playback", "record", "smartcard",
                                 "usbredir")


@dataclass
class DiskSpec:
    """A disk image attached to the VM.

    ``id`` is the disk id: the device id (alias ``ua-<id>``) and the ``<serial>`` the guest sees.
    ``image_id`` is the image group the volumes belong to (oVirt's disk id, so ``None`` means
    ``id``) and ``volume_id`` the active (leaf) volume. File storage is mounted under
    ``/rhev/data-center/mnt/<storage_connection with / as _>``; block storage lives under
    ``/rhev/data-center/mnt/blockSD``.
    """

    id: str
    volume_id: str
    storage_domain_id: str
    image_id: str | None = None
    interface: str = "virtio"
    """``virtio``, ``virtio_scsi``, ``sata`` or ``ide``."""
    format: str = "cow"
    """``cow`` (qcow2) or ``raw``."""
    storage: str = "file"
    """``file`` (NFS, GlusterFS, POSIX, local) or ``block`` (iSCSI, FC)."""
    storage_connection: str = "nfs.example.com:/exports/data"
    read_only: bool = False
    shareable: bool = False
    pass_discard: bool = False
    propagate_errors: bool = False
    """Report ENOSPC to the guest instead of pausing it."""
    boot_order: int = 0
    address: Address | None = None

    @property
    def image_group_id(self) -> str:
        return self.image_id or self.id


@dataclass
class CdromSpec:
    """The CD-ROM drive; ``path`` is the ISO image, ``None`` for an empty drive.

    ``interface`` defaults to what the machine type offers: ``sata`` on q35, ``ide`` otherwise.
    """

    id: str
    path: str | None = None
    interface: str | None = None
    boot_order: int = 0
    address: Address | None = None


@dataclass
class NicSpec:
    """A vNIC. ``network`` is the VDSM name of the bridge; ``None`` leaves it without one (VDSM's
    ``;vdsmdummy;``) with its link down."""

    id: str
    mac: str
    model: str = "virtio"
    """``virtio`` (oVirt's ``pv``), ``e1000``, ``e1000e`` or ``rtl8139``."""
    network: str | None = None
    linked: bool = True
    mtu: int = 1500
    network_filter: str | None = None
    """The libvirt network filter of the vNIC profile, e.g. ``vdsm-no-mac-spoofing``."""
    custom_properties: dict[str, str] = field(default_factory=dict)
    """The vNIC profile's custom properties: ``queues`` sets multi-queue vhost-net, the others
    are handed to VDSM in the metadata."""
    boot_order: int = 0
    address: Address | None = None


@dataclass
class VideoSpec:
    """A video card; sizes in KiB as libvirt takes them."""

    id: str
    model: str = "qxl"
    vram: int = 32768
    heads: int = 1
    ram: int | None = 65536
    vgamem: int | None = 16384
    address: Address | None = None


@dataclass
class GraphicsSpec:
    """A SPICE or VNC console. Graphics have no address and carry no alias.

    ``display_network`` is the VDSM name of the display network to listen on; ``None`` listens on all addresses.
    """

    id: str
    type: str = "spice"
    display_network: str | None = "ovirtmgmt"
    keymap: str = "en-us"
    copy_paste: bool = True
    file_transfer: bool = True
    secure_channels: tuple[str, ...] = DEFAULT_SPICE_SECURE_CHANNELS


@dataclass
class ControllerSpec:
    """A controller the engine manages: ``virtio-serial``, ``scsi`` (``model="virtio-scsi"``) or ``usb``.

    ``index`` ``None`` numbers controllers of a type in order. USB controllers are written without
    an alias, as the engine does (libvirt names them ``usb``).
    """

    id: str
    type: str
    model: str | None = None
    index: int | None = None
    ports: int | None = None
    address: Address | None = None


@dataclass
class BalloonSpec:
    """The memory balloon (``model="virtio"``) with its statistics period in seconds."""

    id: str
    model: str = "virtio"
    stats_period: int = 5
    address: Address | None = None


@dataclass
class RngSpec:
    """A virtio random number generator fed from ``/dev/<source>``, optionally rate-limited."""

    id: str
    source: str = "urandom"
    """``random``, ``urandom`` or ``hwrng``."""
    rate_bytes: int | None = None
    rate_period: int | None = None
    address: Address | None = None


@dataclass
class WatchdogSpec:
    """A watchdog card and what to do when it fires."""

    id: str
    model: str = "i6300esb"
    action: str = "reset"
    address: Address | None = None


@dataclass
class SoundSpec:
    """A sound card (``ich6``, ``ich9``, ``ac97``)."""

    id: str
    model: str = "ich6"
    address: Address | None = None


@dataclass
class ConsoleSpec:
    """The virtio console; with ``enable_socket`` it is a unix socket for ovirt-vmconsole, else a pty."""

    id: str
    enable_socket: bool = False


@dataclass
class VmSpec:
    """A VM to run: its resources, CPU, machine, metadata values and plugged devices.

    The guest has ``sockets * cores * threads`` vCPUs; ``max_vcpus`` (a multiple of
    ``cores * threads``) allows CPU hot-plug up to it. ``max_memory_mb`` above ``memory_mb``
    allows memory hot-plug in ``max_memory_slots`` DIMM slots. ``cpu_model`` may carry flags the
    engine's way (``"Skylake-Client,+spec-ctrl,-hle"``); ``host_passthrough`` ignores it.
    ``domain_type`` is ``kvm`` for a real host and ``test`` for libvirt's test driver.
    """

    id: str
    name: str
    memory_mb: int
    max_memory_mb: int | None = None
    max_memory_slots: int = 16
    min_guaranteed_memory_mb: int | None = None
    """The memory the balloon may not take away; ``None`` means all of ``memory_mb``."""
    sockets: int = 1
    cores: int = 1
    threads: int = 1
    max_vcpus: int | None = None
    io_threads: int = 0
    cpu_model: str | None = "Skylake-Client"
    host_passthrough: bool = False
    machine: str = "pc-q35-rhel8.6.0"
    arch: str = "x86_64"
    cluster_version: str = "4.7"
    launch_paused: bool = False
    resume_behavior: str = "auto_resume"
    """``auto_resume``, ``leave_paused`` or ``kill``."""
    storage_pool_id: str = "00000000-0000-0000-0000-000000000000"
    time_offset: int = 0
    """Seconds between the guest's clock and UTC."""
    acpi: bool = True
    hyperv: bool = False
    boot_menu: bool = False
    custom_properties: dict[str, str] = field(default_factory=dict)
    guest_agent_channels: bool = True
    domain_type: str = "kvm"
    disks: list[DiskSpec] = field(default_factory=list)
    cdroms: list[CdromSpec] = field(default_factory=list)
    nics: list[NicSpec] = field(default_factory=list)
    videos: list[VideoSpec] = field(default_factory=list)
    graphics: list[GraphicsSpec] = field(default_factory=list)
    controllers: list[ControllerSpec] = field(default_factory=list)
    balloon: BalloonSpec | None = None
    rng: RngSpec | None = None
    watchdog: WatchdogSpec | None = None
    sound: SoundSpec | None = None
    console: ConsoleSpec | None = None

    @property
    def vcpus(self) -> int:
        """The vCPUs the guest starts with."""
        return self.sockets * self.cores * self.threads

    @property
    def cdrom_interface(self) -> str:
        """The bus CD-ROMs sit on by default: SATA on q35 machines, IDE on i440fx."""
        return "sata" if "q35" in self.machine else "ide"

    def devices(self) -> list[object]:
        """Every device spec of the VM."""
        singles = [self.balloon, self.rng, self.watchdog, self.sound, self.console]
        return [*self.disks, *self.cdroms, *self.nics, *self.videos, *self.graphics, *self.controllers,
                *(device for device in singles if device is not None)]

    def check(self) -> None:
        """Raise :class:`SpecError` when the spec cannot make a sensible Domain XML."""
        _check_uuid("VM id", self.id)
        if not self.name:
            raise SpecError("the VM has no name")
        if self.arch != "x86_64":
            raise SpecError(f"architecture {self.arch!r} is not supported; only x86_64 is")
        if self.memory_mb <= 0:
            raise SpecError(f"memory of {self.memory_mb} MiB")
        if self.max_memory_mb is not None and self.max_memory_mb < self.memory_mb:
            raise SpecError(f"max memory {self.max_memory_mb} MiB is below memory {self.memory_mb} MiB")
        if min(self.sockets, self.cores, self.threads) < 1:
            raise SpecError("sockets, cores and threads must be at least 1")
        if self.max_vcpus is not None:
            per_socket = self.cores * self.threads
            if self.max_vcpus < self.vcpus or self.max_vcpus % per_socket:
                raise SpecError(f"max vCPUs {self.max_vcpus} must be at least {self.vcpus} and a multiple of "
                                f"{per_socket} (cores x threads)")
        if not self.host_passthrough and not self.cpu_model:
            raise SpecError("a CPU model is needed unless the CPU is passed through")
        if self.resume_behavior not in ("auto_resume", "leave_paused", "kill"):
            raise SpecError(f"resume behavior {self.resume_behavior!r}")
        ids: set[str] = set()
        for device in self.devices():
            device_id = device.id
            if not _is_uuid(device_id):
                raise _not_a_uuid(f"{type(device).__name__} id", device_id)
            key = device_id.lower()
            if key in ids:
                raise SpecError(f"device id {device_id} is used twice (libvirt rejects non-unique aliases)")
            ids.add(key)
        for disk in self.disks:
            _check_choice("disk interface", disk.interface, DISK_INTERFACES)
            _check_choice("disk format", disk.format, ("cow", "raw"))
            _check_choice("disk storage", disk.storage, ("file", "block"))
            for what, value in (("volume id", disk.volume_id), ("storage domain id", disk.storage_domain_id),
                                ("image id", disk.image_group_id)):
                if not _is_uuid(value):
                    raise _not_a_uuid(f"disk {disk.id} {what}", value)
        for cdrom in self.cdroms:
            _check_choice("CD-ROM interface", cdrom.interface or self.cdrom_interface, CDROM_INTERFACES)
        if len(self.cdroms) > 1:
            raise SpecError("a VM has at most one CD-ROM drive")
        macs: set[str] = set()
        for nic in self.nics:
            _check_choice("NIC model", nic.model, NIC_MODELS)
            queues = nic.custom_properties.get("queues")
            if queues is not None and not (queues.isdigit() and int(queues) > 0):
                raise SpecError(f"NIC {nic.id}: queues {queues!r} is not a positive number")
            if nic.mac.lower() in macs:
                raise SpecError(f"MAC address {nic.mac} is used twice")
            macs.add(nic.mac.lower())
        orders = [device.boot_order for device in [*self.disks, *self.cdroms, *self.nics] if device.boot_order]
        if len(orders) != len(set(orders)):
            raise SpecError(f"boot orders {sorted(orders)} are not unique")
        for graphics in self.graphics:
            _check_choice("graphics type", graphics.type, ("spice", "vnc"))
        if self.rng is not None:
            _check_choice("RNG source", self.rng.source, ("random", "urandom", "hwrng"))


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _is_uuid(value: str) -> bool:
    return isinstance(value, str) and _is_uuid_text(value)


@functools.lru_cache(maxsize=1 << 16)
def _is_uuid_text(text: str) -> bool:
    """Whether ``text`` is a uuid (remembered: a VM's ids are checked at every build)."""
    return _UUID.fullmatch(text) is not None


def _not_a_uuid(what: str, value: str) -> SpecError:
    return SpecError(f"{what} {value!r} is not a uuid (8-4-4-4-12 hexadecimal digits)")


def _check_uuid(what: str, value: str) -> None:
    if not _is_uuid(value):
        raise _not_a_uuid(what, value)


def _check_choice(what: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SpecError(f"{what} {value!r} is not one of {', '.join(choices)}")
