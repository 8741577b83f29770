"""The run-VM Domain XML, as the engine writes it, from a :class:`~domainxml.spec.VmSpec`.

Where the engine's output fails libvirt's schema, this one differs on purpose, so that every
document validates: the empty CD-ROM has a ``<source>`` without ``file=""``; no ``<seclabel>``
is put inside a disk's ``<source>``; a vNIC without a network has an empty bridge name (which
VDSM turns into ``;vdsmdummy;``, a name the schema does not allow); a CPU flag without ``+`` or
``-`` is written with ``policy="require"``, the policy libvirt gives it anyway.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from . import elements as el
from .metadata import DeviceMetadata, Metadata
from .naming import CDROM_INDEX, LIBVIRT_BUS, DiskNamer, disk_name
from .spec import (
    NO_NETWORK_BRIDGE,
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

BOOT_MENU_TIMEOUT_MS = 30000
GUEST_AGENT_CHANNELS = ("ovirt-guest-agent.0", "org.qemu.guest_agent.0")
SPICE_AGENT_CHANNEL = "com.redhat.spice.0"
CHANNELS_DIR = "/var/lib/libvirt/qemu/channels"
VMCONSOLE_DIR = "/var/run/ovirt-vmconsole-console"
STORAGE_ROOT = "/rhev/data-center/mnt"


def build(spec: VmSpec) -> str:
    """The run-VM Domain XML of ``spec`` as text (no XML declaration, no indentation)."""
    return build_domain(spec).to_xml()


def build_element(spec: VmSpec) -> etree._Element:
    """The run-VM Domain XML of ``spec`` as an lxml element."""
    return build_domain(spec).to_element()


def build_domain(spec: VmSpec) -> el.Domain:
    """The run-VM domain of ``spec`` as declarative objects (see :mod:`domainxml.elements`)."""
    spec.check()
    max_vcpus = spec.max_vcpus or spec.vcpus
    domain = el.Domain(
        type=spec.domain_type,
        name=spec.name,
        uuid=spec.id,
        memory_kib=spec.memory_mb * 1024,
        current_memory_kib=spec.memory_mb * 1024,
        iothreads=spec.io_threads or None,
        vcpus=max_vcpus,
        vcpus_current=spec.vcpus,
        sysinfo=_sysinfo(spec),
        clock=_clock(spec),
        features=_features(spec),
        cpu=_cpu(spec, max_vcpus),
        pm=el.PowerManagement(suspend_to_disk=False, suspend_to_mem=False),
        os=el.Os(os_type="hvm", arch=spec.arch, machine=spec.machine, smbios_mode="sysinfo",
                 bootmenu_enable=True if spec.boot_menu else None,
                 bootmenu_timeout=BOOT_MENU_TIMEOUT_MS if spec.boot_menu else None),
    )
    if spec.max_memory_mb is not None and spec.max_memory_mb != spec.memory_mb:
        domain.max_memory_kib = spec.max_memory_mb * 1024
        domain.max_memory_slots = spec.max_memory_slots
    metadata = vm_metadata(spec)
    domain.devices = el.Devices(items=_devices(spec, metadata))
    domain.metadata = metadata
    return domain


def vm_metadata(spec: VmSpec) -> Metadata:
    """The ``<metadata>`` of a VM without device entries (the device builders add theirs)."""
    values: dict[str, Any] = {
        "minGuaranteedMemoryMb": spec.min_guaranteed_memory_mb if spec.min_guaranteed_memory_mb is not None
        else spec.memory_mb,
        "clusterVersion": spec.cluster_version,
    }
    if spec.custom_properties:
        values["custom"] = dict(spec.custom_properties)
    # The engine writes these two as lowercase strings without a type attribute.
    values["launchPaused"] = "true" if spec.launch_paused else "false"
    values["resumeBehavior"] = spec.resume_behavior
    return Metadata(vm=values, qos={})


# -- top-level parts ---------------------------------------------------------------------------


def _sysinfo(spec: VmSpec) -> el.Sysinfo:
    # OS-NAME:, OS-VERSION: and HOST-SERIAL: are placeholders the host fills in.
    entries = [("manufacturer", "oVirt"), ("product", "OS-NAME:"), ("version", "OS-VERSION:"),
               ("serial", "HOST-SERIAL:"), ("uuid", spec.id)]
    system = el.SysinfoSystem(entries=[el.SysinfoEntry(name=name, value=value) for name, value in entries])
    return el.Sysinfo(type="smbios", system=system)


def _clock(spec: VmSpec) -> el.Clock:
    timers = []
    if spec.hyperv:
        timers.append(el.Timer(name="hypervclock", present=True))
    timers += [el.Timer(name="rtc", tickpolicy="catchup"), el.Timer(name="pit", tickpolicy="delay"),
               el.Timer(name="hpet", present=False)]
    return el.Clock(offset="variable", adjustment=str(spec.time_offset), timers=timers)


def _features(spec: VmSpec) -> el.Features | None:
    if not spec.acpi and not spec.hyperv:
        return None
    hyperv = el.Hyperv(relaxed="on", vapic="on", spinlocks="on", spinlock_retries=8191) if spec.hyperv else None
    return el.Features(acpi=spec.acpi, hyperv=hyperv)


def _cpu(spec: VmSpec, max_vcpus: int) -> el.Cpu:
    cpu = el.Cpu(match="exact", sockets=max_vcpus // (spec.cores * spec.threads), cores=spec.cores,
                 threads=spec.threads)
    if spec.host_passthrough:
        cpu.mode = "host-passthrough"
        return cpu
    name, *flags = (spec.cpu_model or "").split(",")
    cpu.model = name
    for flag in filter(None, flags):
        # A bare flag is required, as libvirt reads it; the schema wants the policy spelt out.
        policy = "disable" if flag[0] == "-" else "require"
        cpu.features.append(el.CpuFeature(name=flag.lstrip("+-"), policy=policy))
    return cpu


# -- devices -----------------------------------------------------------------------------------


def _devices(spec: VmSpec, metadata: Metadata) -> list[Any]:
    """The devices in the engine's order: input, agent channels, balloon, watchdog, video,
    controllers, graphics, sound, rng, console, SPICE channel, NICs by MAC, CD-ROMs, disks."""
    items: list[Any] = [_input(spec)]
    if spec.guest_agent_channels:
        items += [guest_agent_channel(spec.id, name) for name in GUEST_AGENT_CHANNELS]
    items.append(balloon(spec.balloon))
    if spec.watchdog is not None:
        items.append(watchdog(spec.watchdog))
    items += [video(video_spec) for video_spec in spec.videos]
    items += controllers(spec)
    items += [graphics(graphics_spec) for graphics_spec in spec.graphics]
    if spec.sound is not None:
        items.append(sound(spec.sound))
    if spec.rng is not None:
        items.append(rng(spec.rng))
    if spec.console is not None:
        items.append(console(spec.id, spec.console))
    if any(graphics_spec.type == "spice" for graphics_spec in spec.graphics):
        items.append(el.Channel(type="spicevmc", target_type="virtio", target_name=SPICE_AGENT_CHANNEL))
    for nic_spec in sorted(spec.nics, key=lambda nic_spec: nic_spec.mac.lower()):
        items.append(interface(nic_spec))
        metadata.devices.append(nic_metadata(nic_spec))
    names = disk_names(spec)
    for cdrom_spec in spec.cdroms:
        items.append(cdrom(cdrom_spec, cdrom_spec.interface or spec.cdrom_interface, names[cdrom_spec.id]))
    iothread = 0
    for disk_spec in spec.disks:
        name = names[disk_spec.id]
        pin = None
        if disk_spec.interface == "virtio" and spec.io_threads:
            pin = iothread % spec.io_threads + 1
            iothread += 1
        items.append(disk(disk_spec, name, iothread=pin))
        metadata.devices.append(disk_metadata(spec, disk_spec, name))
    return items


def disk_names(spec: VmSpec, taken: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """Target names by device id: the CD-ROM on its reserved index, disks in order on their bus.

    ``taken`` holds names that are in use already (on a running VM, names handed out earlier).
    """
    namer = DiskNamer(set(taken))
    names = {}
    for cdrom_spec in spec.cdroms:
        name = disk_name(cdrom_spec.interface or spec.cdrom_interface, CDROM_INDEX)
        namer.reserve(name)
        names[cdrom_spec.id] = name
    for disk_spec in spec.disks:
        names[disk_spec.id] = namer.next(disk_spec.interface)
    return names


def alias(device_id: str) -> str:
    """The user alias of a managed device: ``ua-<device id>``."""
    return f"ua-{device_id}"


def _address(address: dict[str, str] | None) -> dict[str, str] | None:
    return dict(address) if address else None


def _input(spec: VmSpec) -> el.Input:
    if len(spec.graphics) == 1 and spec.graphics[0].type == "vnc":
        return el.Input(type="tablet", bus="usb")
    return el.Input(type="mouse", bus="ps2")


def guest_agent_channel(vm_id: str, name: str) -> el.Channel:
    """A guest agent's virtio-serial channel on a unix socket (written without an alias)."""
    return el.Channel(type="unix", target_type="virtio", target_name=name, source_mode="bind",
                      source_path=f"{CHANNELS_DIR}/{vm_id}.{name}")


def balloon(spec: BalloonSpec | None) -> el.Memballoon:
    """The memory balloon; ``model="none"`` when the VM has none."""
    if spec is None:
        return el.Memballoon(model="none")
    return el.Memballoon(model=spec.model, stats_period=spec.stats_period, alias=alias(spec.id),
                         address=_address(spec.address))


def watchdog(spec: WatchdogSpec) -> el.Watchdog:
    return el.Watchdog(model=spec.model, action=spec.action, alias=alias(spec.id), address=_address(spec.address))


def video(spec: VideoSpec) -> el.Video:
    return el.Video(model=spec.model, vram=spec.vram, heads=spec.heads, ram=spec.ram, vgamem=spec.vgamem,
                    alias=alias(spec.id), address=_address(spec.address))


def controllers(spec: VmSpec) -> list[el.Controller]:
    """The managed controllers; indices counted per type where the spec leaves them open."""
    counters: dict[str, int] = {}
    written = []
    for controller_spec in spec.controllers:
        written.append(controller(controller_spec, counters, spec.io_threads))
    return written


def controller(spec: ControllerSpec, counters: dict[str, int], io_threads: int = 0) -> el.Controller:
    index = spec.index
    if index is None:
        index = counters.get(spec.type, 0)
    counters[spec.type] = max(counters.get(spec.type, 0), index + 1)
    written = el.Controller(type=spec.type, model=spec.model, index=index, ports=spec.ports,
                            address=_address(spec.address))
    if spec.type == "virtio-serial" and spec.ports is None:
        written.ports = 16
    if spec.type == "scsi" and spec.model == "virtio-scsi" and io_threads:
        written.driver_iothread = index % io_threads + 1
    if spec.type != "usb":  # libvirt must name USB controllers itself
        written.alias = alias(spec.id)
    return written


def graphics(spec: GraphicsSpec) -> el.Graphics:
    written = el.Graphics(type=spec.type, port=-1, autoport=True, passwd="*****",
                          passwd_valid_to="1970-01-01T00:00:01")
    if spec.display_network is None:
        written.listen = "0"
    if spec.type == "spice":
        written.tls_port = -1
        if not spec.file_transfer:
            written.file_transfer = False
        if not spec.copy_paste:
            written.copy_paste = False
        written.channels = [el.GraphicsChannel(name=name, mode="secure") for name in spec.secure_channels]
    else:
        written.keymap = spec.keymap
    if spec.display_network is not None:
        written.listen_type = "network"
        written.listen_network = f"vdsm-{spec.display_network}"
    return written


def sound(spec: SoundSpec) -> el.Sound:
    return el.Sound(model=spec.model, alias=alias(spec.id), address=_address(spec.address))


def rng(spec: RngSpec) -> el.Rng:
    return el.Rng(model="virtio", rate_bytes=spec.rate_bytes,
                  rate_period=spec.rate_period if spec.rate_bytes is not None else None,
                  backend_model="random", backend=f"/dev/{spec.source}", alias=alias(spec.id),
                  address=_address(spec.address))


def console(vm_id: str, spec: ConsoleSpec) -> el.Console:
    written = el.Console(type="pty", target_type="virtio", target_port=0, alias=alias(spec.id))
    if spec.enable_socket:
        written.type = "unix"
        written.source_path = f"{VMCONSOLE_DIR}/{vm_id}.sock"
        written.source_mode = "bind"
    return written


def interface(spec: NicSpec) -> el.Interface:
    """A vNIC on its bridge (or on none, with the link down); a ``queues`` custom property of its
    profile becomes multi-queue vhost-net, as the engine does."""
    networkless = spec.network is None
    queues = spec.custom_properties.get("queues")
    return el.Interface(
        type="bridge",
        model=spec.model,
        link_state="up" if spec.linked and not networkless else "down",
        source_bridge=NO_NETWORK_BRIDGE if networkless else spec.network,
        driver_name="vhost" if queues is not None else None,
        driver_queues=int(queues) if queues is not None else None,
        alias=alias(spec.id),
        address=_address(spec.address),
        boot_order=spec.boot_order or None,
        mac=spec.mac,
        mtu=None if networkless else spec.mtu,
        filter=spec.network_filter,
    )


def nic_metadata(spec: NicSpec) -> DeviceMetadata:
    """The NIC's metadata entry, found by VDSM through its MAC address."""
    custom = {key: value for key, value in spec.custom_properties.items() if key != "queues"}
    return DeviceMetadata({"alias": alias(spec.id), "mac_address": spec.mac}, {"custom": custom})


def cdrom(spec: CdromSpec, bus: str, name: str) -> el.Disk:
    """The CD-ROM drive; an empty one has a ``<source>`` with only its startup policy."""
    return el.Disk(type="file", device="cdrom", snapshot="no", target_dev=name, target_bus=bus,
                   source_file=spec.path or None, source_startup_policy="optional", driver_name="qemu",
                   driver_type="raw", driver_error_policy="report", readonly=True, alias=alias(spec.id),
                   address=_address(spec.address), boot_order=spec.boot_order or None)


def image_path(spec: DiskSpec) -> str:
    """Where VDSM exposes the disk's active volume."""
    mount = "blockSD" if spec.storage == "block" else spec.storage_connection.replace("/", "_")
    return f"{STORAGE_ROOT}/{mount}/{spec.storage_domain_id}/images/{spec.image_group_id}/{spec.volume_id}"


def disk(spec: DiskSpec, name: str, *, iothread: int | None = None) -> el.Disk:
    """A disk image named ``name`` on its bus; ``id`` doubles as alias and serial."""
    block = spec.storage == "block"
    path = image_path(spec)
    return el.Disk(
        type="block" if block else "file",
        device="disk",
        snapshot="no",
        target_dev=name,
        target_bus=LIBVIRT_BUS[spec.interface],
        source_file=None if block else path,
        source_dev=path if block else None,
        driver_name="qemu",
        driver_discard="unmap" if spec.pass_discard else None,
        driver_iothread=iothread,
        driver_io="native" if block else "threads",
        driver_type="qcow2" if spec.format == "cow" else "raw",
        driver_error_policy="enospace" if spec.propagate_errors else "stop",
        driver_cache="none",
        alias=alias(spec.id),
        address=_address(spec.address),
        boot_order=spec.boot_order or None,
        serial=spec.id,
        readonly=spec.read_only,
        shareable=spec.shareable,
    )


def disk_metadata(vm: VmSpec, spec: DiskSpec, name: str) -> DeviceMetadata:
    """The disk's metadata entry (found by ``devtype="disk"`` and its target name)."""
    values = {"poolID": vm.storage_pool_id, "domainID": spec.storage_domain_id,
              "imageID": spec.image_group_id, "volumeID": spec.volume_id}
    if spec.shareable:
        values["shared"] = "shareable"
    return DeviceMetadata({"devtype": "disk", "name": name}, values)
