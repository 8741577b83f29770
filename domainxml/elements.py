"""The libvirt domain and its devices as declarative XML classes (see :mod:`domainxml.xmlmodel`).

Each class declares the parts of its element that the engine writes for "run VM" and the parts
libvirt reports back that device monitoring reads. ``ORDER`` is the order in which the engine
writes the child elements; libvirt itself does not care about it.
"""
from __future__ import annotations

from typing import ClassVar

from .metadata import Metadata
from .namespaces import OVIRT_TUNE_NS, OVIRT_VM_NS
from .xmlmodel import (
    ADDRESS_KEYS,
    INT,
    YES_NO,
    Attr,
    AttrMap,
    Child,
    Children,
    Flag,
    Items,
    Text,
    XmlObject,
)

# -- parts of the domain -----------------------------------------------------------------------


class SysinfoEntry(XmlObject):
    """``<entry name="manufacturer">oVirt</entry>`` of the SMBIOS system block."""

    TAG = "entry"
    name = Attr("@name")
    value = Text(".")


class SysinfoSystem(XmlObject):
    """``<system>`` of ``<sysinfo>``."""

    TAG = "system"
    ORDER = ("entry",)
    entries = Children(SysinfoEntry)


class Sysinfo(XmlObject):
    """``<sysinfo type="smbios">``: what the guest's SMBIOS tables say."""

    TAG = "sysinfo"
    ORDER = ("system",)
    type = Attr("@type")
    system = Child(SysinfoSystem)


class Timer(XmlObject):
    """``<timer name="rtc" tickpolicy="catchup"/>``."""

    TAG = "timer"
    name = Attr("@name")
    tickpolicy = Attr("@tickpolicy")
    present = Attr("@present", YES_NO)


class Clock(XmlObject):
    """``<clock offset="variable" adjustment="0">`` with its timers."""

    TAG = "clock"
    ORDER = ("timer",)
    offset = Attr("@offset")
    adjustment = Attr("@adjustment")
    basis = Attr("@basis")
    timers = Children(Timer)


class Hyperv(XmlObject):
    """Hyper-V enlightenments for Windows guests."""

    TAG = "hyperv"
    ORDER = ("relaxed", "vapic", "spinlocks")
    relaxed = Attr("relaxed/@state")
    vapic = Attr("vapic/@state")
    spinlocks = Attr("spinlocks/@state")
    spinlock_retries = Attr("spinlocks/@retries", INT)


class Features(XmlObject):
    """``<features>``: ACPI and Hyper-V enlightenments."""

    TAG = "features"
    ORDER = ("acpi", "hyperv")
    acpi = Flag("acpi")
    hyperv = Child(Hyperv)


class CpuFeature(XmlObject):
    """``<feature name="spec-ctrl" policy="require"/>``."""

    TAG = "feature"
    name = Attr("@name")
    policy = Attr("@policy")


class Cpu(XmlObject):
    """``<cpu>``: model or host-passthrough, topology and feature flags."""

    TAG = "cpu"
    ORDER = ("model", "feature", "topology")
    match = Attr("@match")
    mode = Attr("@mode")
    model = Text("model")
    model_fallback = Attr("model/@fallback")
    sockets = Attr("topology/@sockets", INT)
    cores = Attr("topology/@cores", INT)
    threads = Attr("topology/@threads", INT)
    features = Children(CpuFeature)


class PowerManagement(XmlObject):
    """``<pm>``: the guest may not suspend to disk or memory."""

    TAG = "pm"
    ORDER = ("suspend-to-disk", "suspend-to-mem")
    suspend_to_disk = Attr("suspend-to-disk/@enabled", YES_NO)
    suspend_to_mem = Attr("suspend-to-mem/@enabled", YES_NO)


class Os(XmlObject):
    """``<os>``: ``<type arch machine>hvm</type>``, SMBIOS mode, boot menu."""

    TAG = "os"
    ORDER = ("type", "smbios", "bootmenu")
    os_type = Text("type")
    arch = Attr("type/@arch")
    machine = Attr("type/@machine")
    smbios_mode = Attr("smbios/@mode")
    bootmenu_enable = Attr("bootmenu/@enable", YES_NO)
    bootmenu_timeout = Attr("bootmenu/@timeout", INT)


# -- devices -----------------------------------------------------------------------------------


class Device(XmlObject):
    """Common to devices: the alias libvirt knows it by and its address on a bus."""

    alias = Attr("alias/@name")
    address = AttrMap("address", keys=ADDRESS_KEYS)


class Disk(Device):
    """``<disk>``: an image (file or block), a CD-ROM or a LUN."""

    TAG = "disk"
    ORDER = ("target", "source", "driver", "alias", "address", "boot", "serial", "readonly", "shareable")
    type = Attr("@type")
    device = Attr("@device")
    snapshot = Attr("@snapshot")
    target_dev = Attr("target/@dev")
    target_bus = Attr("target/@bus")
    source_file = Attr("source/@file")
    source_dev = Attr("source/@dev")
    source_startup_policy = Attr("source/@startupPolicy")
    driver_name = Attr("driver/@name")
    driver_discard = Attr("driver/@discard")
    driver_iothread = Attr("driver/@iothread", INT)
    driver_io = Attr("driver/@io")
    driver_type = Attr("driver/@type")
    driver_error_policy = Attr("driver/@error_policy")
    driver_cache = Attr("driver/@cache")
    boot_order = Attr("boot/@order", INT)
    serial = Text("serial")
    readonly = Flag("readonly")
    shareable = Flag("shareable")


class Interface(Device):
    """``<interface>``: a vNIC on a bridge."""

    TAG = "interface"
    ORDER = ("model", "link", "source", "target", "driver", "alias", "address", "boot", "mac", "mtu",
             "filterref")
    type = Attr("@type")
    model = Attr("model/@type")
    link_state = Attr("link/@state")
    source_bridge = Attr("source/@bridge")
    target_dev = Attr("target/@dev")
    driver_name = Attr("driver/@name")
    driver_queues = Attr("driver/@queues", INT)
    boot_order = Attr("boot/@order", INT)
    mac = Attr("mac/@address")
    mtu = Attr("mtu/@size", INT)
    filter = Attr("filterref/@filter")


class Controller(Device):
    """``<controller>``: PCI, USB, SATA/IDE, virtio-serial, SCSI."""

    TAG = "controller"
    ORDER = ("driver", "alias", "address")
    type = Attr("@type")
    index = Attr("@index", INT)
    model = Attr("@model")
    ports = Attr("@ports", INT)
    driver_iothread = Attr("driver/@iothread", INT)


class Channel(Device):
    """``<channel>``: a virtio-serial port (guest agents, SPICE agent)."""

    TAG = "channel"
    ORDER = ("target", "source", "alias", "address")
    type = Attr("@type")
    target_type = Attr("target/@type")
    target_name = Attr("target/@name")
    target_state = Attr("target/@state")
    source_mode = Attr("source/@mode")
    source_path = Attr("source/@path")


class Input(Device):
    """``<input type="mouse" bus="ps2"/>``."""

    TAG = "input"
    ORDER = ("alias", "address")
    type = Attr("@type")
    bus = Attr("@bus")


class GraphicsChannel(XmlObject):
    """``<channel name="main" mode="secure"/>`` inside SPICE graphics."""

    TAG = "channel"
    name = Attr("@name")
    mode = Attr("@mode")


class Graphics(XmlObject):
    """``<graphics>``: SPICE or VNC. Graphics carry neither alias nor address."""

    TAG = "graphics"
    ORDER = ("filetransfer", "clipboard", "channel", "listen")
    type = Attr("@type")
    port = Attr("@port", INT)
    autoport = Attr("@autoport", YES_NO)
    passwd = Attr("@passwd")
    passwd_valid_to = Attr("@passwdValidTo")
    listen = Attr("@listen")
    tls_port = Attr("@tlsPort", INT)
    keymap = Attr("@keymap")
    file_transfer = Attr("filetransfer/@enable", YES_NO)
    copy_paste = Attr("clipboard/@copypaste", YES_NO)
    channels = Children(GraphicsChannel)
    listen_type = Attr("listen/@type")
    listen_network = Attr("listen/@network")
    listen_address = Attr("listen/@address")


class Video(Device):
    """``<video>`` with its ``<model>``."""

    TAG = "video"
    ORDER = ("model", "alias", "address")
    model = Attr("model/@type")
    vram = Attr("model/@vram", INT)
    heads = Attr("model/@heads", INT)
    ram = Attr("model/@ram", INT)
    vgamem = Attr("model/@vgamem", INT)
    primary = Attr("model/@primary", YES_NO)


class Memballoon(Device):
    """``<memballoon>``; ``model="none"`` when the VM has no balloon."""

    TAG = "memballoon"
    ORDER = ("stats", "alias", "address")
    model = Attr("@model")
    stats_period = Attr("stats/@period", INT)


class Rng(Device):
    """``<rng model="virtio">`` fed from a host random source."""

    TAG = "rng"
    ORDER = ("rate", "backend", "alias", "address")
    model = Attr("@model")
    rate_bytes = Attr("rate/@bytes", INT)
    rate_period = Attr("rate/@period", INT)
    backend_model = Attr("backend/@model")
    backend = Text("backend")


class Console(Device):
    """``<console>``: a virtio console on a pty or a unix socket (for ovirt-vmconsole)."""

    TAG = "console"
    ORDER = ("source", "target", "alias", "address")
    type = Attr("@type")
    source_path = Attr("source/@path")
    source_mode = Attr("source/@mode")
    target_type = Attr("target/@type")
    target_port = Attr("target/@port", INT)


class Watchdog(Device):
    """``<watchdog model="i6300esb" action="reset"/>``."""

    TAG = "watchdog"
    ORDER = ("alias", "address")
    model = Attr("@model")
    action = Attr("@action")


class Sound(Device):
    """``<sound model="ich6"/>``."""

    TAG = "sound"
    ORDER = ("alias", "address")
    model = Attr("@model")


class Redirdev(Device):
    """``<redirdev bus="usb" type="spicevmc"/>``: USB redirection over SPICE."""

    TAG = "redirdev"
    ORDER = ("alias", "address")
    type = Attr("@type")
    bus = Attr("@bus")


class Hostdev(Device):
    """``<hostdev>``: a host PCI/USB/SCSI device passed through."""

    TAG = "hostdev"
    ORDER = ("source", "alias", "address")
    mode = Attr("@mode")
    type = Attr("@type")
    managed = Attr("@managed", YES_NO)
    source_address = AttrMap("source/address")


class Memory(Device):
    """``<memory model="dimm">``: a hot-plugged memory module."""

    TAG = "memory"
    ORDER = ("target", "alias", "address")
    model = Attr("@model")
    size_kib = Text("target/size", INT)
    node = Text("target/node", INT)


DEVICE_CLASSES: tuple[type[Device | Graphics], ...] = (
    Disk, Interface, Controller, Channel, Input, Graphics, Video, Memballoon, Rng, Console, Watchdog,
    Sound, Redirdev, Hostdev, Memory,
)


class Devices(XmlObject):
    """``<devices>``: the devices in the order they are listed."""

    TAG = "devices"
    items = Items(*DEVICE_CLASSES)


class Domain(XmlObject):
    """``<domain>``: the whole Domain XML."""

    TAG = "domain"
    NSMAP: ClassVar[dict[str, str] | None] = {"ovirt-tune": OVIRT_TUNE_NS, "ovirt-vm": OVIRT_VM_NS}
    ORDER = ("name", "uuid", "memory", "currentMemory", "iothreads", "maxMemory", "vcpu", "sysinfo", "clock",
             "features", "cpu", "devices", "pm", "os", "metadata")
    type = Attr("@type")
    id = Attr("@id", INT)
    name = Text("name")
    uuid = Text("uuid")
    memory_kib = Text("memory", INT)
    current_memory_kib = Text("currentMemory", INT)
    iothreads = Text("iothreads", INT)
    max_memory_kib = Text("maxMemory", INT)
    max_memory_slots = Attr("maxMemory/@slots", INT)
    vcpus = Text("vcpu", INT)
    vcpus_current = Attr("vcpu/@current", INT)
    sysinfo = Child(Sysinfo)
    clock = Child(Clock)
    features = Child(Features)
    cpu = Child(Cpu)
    devices = Child(Devices)
    pm = Child(PowerManagement)
    os = Child(Os)
    metadata = Child(Metadata)
