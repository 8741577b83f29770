"""Guest device names (``vda``, ``sdb``, ``hdc``…) as libvirt derives them from the bus."""
from __future__ import annotations

import functools
import re

from .errors import DomainXmlError

BUS_PREFIX = {"virtio": "vd", "virtio_scsi": "sd", "scsi": "sd", "sata": "sd", "ide": "hd", "fdc": "fd"}
"""Device-name prefix of each bus (oVirt interface names and libvirt bus names)."""

LIBVIRT_BUS = {"virtio": "virtio", "virtio_scsi": "scsi", "scsi": "scsi", "sata": "sata", "ide": "ide",
               "fdc": "fdc"}
"""The libvirt ``<target bus>`` of an oVirt disk interface."""

_NAME = re.compile(r"^(vd|sd|hd|fd|xvd|ubd)([a-z]+)$")


@functools.lru_cache(maxsize=1024)
def disk_name(bus: str, index: int) -> str:
    """The name of the ``index``-th (0-based) disk on ``bus``: 0 → ``a``, 25 → ``z``, 26 → ``aa``."""
    if index < 0:
        raise ValueError(f"disk index {index}")
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return BUS_PREFIX[bus] + letters


def disk_index(name: str) -> int:
    """The 0-based index in a disk name: ``vda`` → 0, ``sdc`` → 2, ``hdaa`` → 26."""
    match = _NAME.match(name)
    if match is None:
        raise DomainXmlError(f"{name!r} is not a disk name")
    index = 0
    for letter in match.group(2):
        index = index * 26 + (ord(letter) - ord("a") + 1)
    return index - 1


CDROM_INDEX = 2
"""The index VDSM reserves for the CD-ROM on its bus (``hdc``, ``sdc``)."""


class DiskNamer:
    """Hands out target names bus by bus, skipping names already taken."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken = set(taken or ())

    def reserve(self, name: str) -> None:
        self.taken.add(name)

    def next(self, bus: str) -> str:
        index = 0
        while True:
            name = disk_name(bus, index)
            if name not in self.taken:
                self.taken.add(name)
                return name
            index += 1
