"""Named VM specs the domainxml tests build, validate, run and match; their golden files are named alike."""
from __future__ import annotations

import itertools
import uuid
from pathlib import Path

from domainxml import (
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

GOLDEN = Path(__file__).parent / "golden"
_NAMESPACE = uuid.UUID("0b1c6a52-5d1e-4b8e-9a57-3f1f2f0c7d10")


def uid(label: str) -> str:
    """A stable uuid for a readable label, so golden files do not change from run to run."""
    return str(uuid.uuid5(_NAMESPACE, label))


def minimal() -> VmSpec:
    """No devices at all: what the builder adds on its own (input, agent channels, no balloon)."""
    return VmSpec(id=uid("minimal"), name="minimal", memory_mb=1024, cpu_model="Skylake-Client")


def desktop() -> VmSpec:
    """A q35 desktop: SPICE, an ISO to boot from, one disk and one NIC."""
    vm = "desktop"
    return VmSpec(
        id=uid(vm), name="desktop-01", memory_mb=4096, sockets=2, cores=1, cluster_version="4.7",
        storage_pool_id=uid("pool"), cpu_model="Skylake-Client,+spec-ctrl,-hle",
        disks=[DiskSpec(id=uid(f"{vm}/disk0"), volume_id=uid(f"{vm}/disk0/vol"), storage_domain_id=uid("nfs-data"),
                        boot_order=1)],
        cdroms=[CdromSpec(id=uid(f"{vm}/cdrom"), path="/rhev/data-center/mnt/iso.example.com:_isos/"
                          f"{uid('iso-domain')}/images/11111111-1111-1111-1111-111111111111/Fedora-39.iso",
                          boot_order=2)],
        nics=[NicSpec(id=uid(f"{vm}/nic0"), mac="56:6f:1a:2b:00:01", network="ovirtmgmt",
                      network_filter="vdsm-no-mac-spoofing")],
        videos=[VideoSpec(id=uid(f"{vm}/video"))],
        graphics=[GraphicsSpec(id=uid(f"{vm}/spice"))],
        controllers=[ControllerSpec(id=uid(f"{vm}/virtio-serial"), type="virtio-serial"),
                     ControllerSpec(id=uid(f"{vm}/usb"), type="usb", model="qemu-xhci")],
        balloon=BalloonSpec(id=uid(f"{vm}/balloon")),
        rng=RngSpec(id=uid(f"{vm}/rng")),
        console=ConsoleSpec(id=uid(f"{vm}/console")),
    )


def server() -> VmSpec:
    """Four disks on every bus and storage kind, four NICs out of MAC order, hot-plug headroom,
    known addresses from an earlier run, I/O threads, and VNC."""
    vm = "server"
    sd_file, sd_block = uid("nfs-data"), uid("iscsi-data")
    return VmSpec(
        id=uid(vm), name="db-server", memory_mb=8192, max_memory_mb=32768, max_memory_slots=8,
        min_guaranteed_memory_mb=6144, sockets=2, cores=2, threads=2, max_vcpus=32, io_threads=2,
        host_passthrough=True, cluster_version="4.8", launch_paused=True, resume_behavior="kill",
        storage_pool_id=uid("pool"), time_offset=-3600, custom_properties={"sndbuf": "0", "viodiskcache": "none"},
        disks=[
            DiskSpec(id=uid(f"{vm}/os"), volume_id=uid(f"{vm}/os/vol"), storage_domain_id=sd_file, boot_order=1,
                     address={"type": "pci", "domain": "0x0000", "bus": "0x00", "slot": "0x08", "function": "0x0"}),
            DiskSpec(id=uid(f"{vm}/data"), volume_id=uid(f"{vm}/data/vol"), storage_domain_id=sd_block,
                     interface="virtio_scsi", format="raw", storage="block", pass_discard=True,
                     address={"type": "drive", "controller": "0", "bus": "0", "target": "0", "unit": "0"}),
            DiskSpec(id=uid(f"{vm}/shared"), image_id=uid(f"{vm}/shared/image"), volume_id=uid(f"{vm}/shared/vol"),
                     storage_domain_id=sd_file, interface="sata", shareable=True, propagate_errors=True,
                     storage_connection="gluster.example.com:/vol/data"),
            DiskSpec(id=uid(f"{vm}/logs"), volume_id=uid(f"{vm}/logs/vol"), storage_domain_id=sd_file,
                     format="raw", read_only=True),
        ],
        cdroms=[CdromSpec(id=uid(f"{vm}/cdrom"))],
        nics=[
            NicSpec(id=uid(f"{vm}/nic-c"), mac="56:6F:1A:2B:00:1C", model="e1000e", network="storage", mtu=9000,
                    linked=False),
            NicSpec(id=uid(f"{vm}/nic-a"), mac="56:6f:1a:2b:00:1a", network="ovirtmgmt", boot_order=2,
                    custom_properties={"queues": "4", "SecurityGroups": "web"}, network_filter="vdsm-no-mac-spoofing",
                    address={"type": "pci", "domain": "0x0000", "bus": "0x00", "slot": "0x03", "function": "0x0"}),
            NicSpec(id=uid(f"{vm}/nic-d"), mac="56:6f:1a:2b:00:1d", model="rtl8139"),
            NicSpec(id=uid(f"{vm}/nic-b"), mac="56:6f:1a:2b:00:1b", model="e1000", network="backup"),
        ],
        videos=[VideoSpec(id=uid(f"{vm}/video"), model="vga", vram=16384, ram=None, vgamem=None)],
        graphics=[GraphicsSpec(id=uid(f"{vm}/vnc"), type="vnc", keymap="de", display_network="display")],
        controllers=[
            ControllerSpec(id=uid(f"{vm}/virtio-serial"), type="virtio-serial", ports=32),
            ControllerSpec(id=uid(f"{vm}/scsi"), type="scsi", model="virtio-scsi",
                           address={"type": "pci", "domain": "0x0000", "bus": "0x00", "slot": "0x05",
                                    "function": "0x0"}),
            ControllerSpec(id=uid(f"{vm}/usb"), type="usb", model="qemu-xhci", index=0),
        ],
        balloon=BalloonSpec(id=uid(f"{vm}/balloon"), stats_period=10),
        rng=RngSpec(id=uid(f"{vm}/rng"), source="hwrng", rate_bytes=1024, rate_period=2000),
        watchdog=WatchdogSpec(id=uid(f"{vm}/watchdog"), action="poweroff"),
        console=ConsoleSpec(id=uid(f"{vm}/console"), enable_socket=True),
    )


def windows() -> VmSpec:
    """An i440fx Windows guest: Hyper-V enlightenments, IDE, e1000, both consoles, sound, boot menu."""
    vm = "windows"
    return VmSpec(
        id=uid(vm), name="win2019", memory_mb=6144, sockets=1, cores=4, machine="pc-i440fx-rhel7.6.0",
        cpu_model="Cascadelake-Server-noTSX,+md-clear,ssbd", hyperv=True, boot_menu=True, time_offset=7200,
        storage_pool_id=uid("pool"),
        disks=[DiskSpec(id=uid(f"{vm}/c"), volume_id=uid(f"{vm}/c/vol"), storage_domain_id=uid("nfs-data"),
                        interface="ide", boot_order=1),
               DiskSpec(id=uid(f"{vm}/d"), volume_id=uid(f"{vm}/d/vol"), storage_domain_id=uid("nfs-data"),
                        interface="ide")],
        cdroms=[CdromSpec(id=uid(f"{vm}/cdrom"), path="/iso/virtio-win.iso")],
        nics=[NicSpec(id=uid(f"{vm}/nic"), mac="00:1a:4a:16:01:51", model="e1000", network="ovirtmgmt")],
        videos=[VideoSpec(id=uid(f"{vm}/video"))],
        graphics=[GraphicsSpec(id=uid(f"{vm}/spice"), copy_paste=False, file_transfer=False,
                               secure_channels=("main", "inputs")),
                  GraphicsSpec(id=uid(f"{vm}/vnc"), type="vnc")],
        controllers=[ControllerSpec(id=uid(f"{vm}/virtio-serial"), type="virtio-serial"),
                     ControllerSpec(id=uid(f"{vm}/usb"), type="usb", model="piix3-uhci")],
        balloon=BalloonSpec(id=uid(f"{vm}/balloon")),
        sound=SoundSpec(id=uid(f"{vm}/sound")),
    )


def headless() -> VmSpec:
    """No ACPI, no guest agent channels, SPICE listening everywhere, nothing plugged but a disk."""
    vm = "headless"
    return VmSpec(
        id=uid(vm), name="appliance", memory_mb=512, acpi=False, guest_agent_channels=False, cpu_model="Haswell-noTSX",
        storage_pool_id=uid("pool"),
        disks=[DiskSpec(id=uid(f"{vm}/disk"), volume_id=uid(f"{vm}/disk/vol"), storage_domain_id=uid("nfs-data"))],
        graphics=[GraphicsSpec(id=uid(f"{vm}/spice"), display_network=None)],
    )


NAMED_SPECS = {"minimal": minimal, "desktop": desktop, "server": server, "windows": windows, "headless": headless}


def spread() -> list[VmSpec]:
    """Many small combinations of buses, formats, storage, NIC models and consoles, for schema checks."""
    specs = []
    combos = itertools.product(("virtio", "virtio_scsi", "sata", "ide"), ("cow", "raw"), ("file", "block"),
                               ("virtio", "e1000", "e1000e", "rtl8139"), ("spice", "vnc"))
    for number, (interface, fmt, storage, model, graphics) in enumerate(combos):
        vm = f"spread-{number}"
        machine = "pc-i440fx-rhel7.6.0" if number % 3 == 0 else "pc-q35-rhel8.6.0"
        specs.append(VmSpec(
            id=uid(vm), name=vm, memory_mb=512 * (1 + number % 4), cores=1 + number % 2, machine=machine,
            storage_pool_id=uid("pool"),
            disks=[DiskSpec(id=uid(f"{vm}/d{index}"), volume_id=uid(f"{vm}/d{index}/v"),
                            storage_domain_id=uid("sd"), interface=interface, format=fmt, storage=storage,
                            boot_order=1 if index == 0 else 0)
                   for index in range(1 + number % 3)],
            cdroms=[CdromSpec(id=uid(f"{vm}/cd"))] if number % 2 else [],
            nics=[NicSpec(id=uid(f"{vm}/n{index}"), mac=f"56:6f:1a:2c:{number:02x}:{index:02x}", model=model,
                          network=None if index == 1 else "ovirtmgmt") for index in range(1 + number % 3)],
            videos=[VideoSpec(id=uid(f"{vm}/video"), model="qxl" if graphics == "spice" else "vga",
                              ram=65536 if graphics == "spice" else None,
                              vgamem=16384 if graphics == "spice" else None)],
            graphics=[GraphicsSpec(id=uid(f"{vm}/g"), type=graphics)],
            controllers=[ControllerSpec(id=uid(f"{vm}/vs"), type="virtio-serial")]
            + ([ControllerSpec(id=uid(f"{vm}/scsi"), type="scsi", model="virtio-scsi")]
               if interface == "virtio_scsi" else []),
            balloon=BalloonSpec(id=uid(f"{vm}/b")) if number % 2 == 0 else None,
            console=ConsoleSpec(id=uid(f"{vm}/c"), enable_socket=number % 4 == 1) if number % 2 else None,
        ))
    return specs
