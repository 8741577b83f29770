"""XML namespaces of the oVirt sections in a domain's ``<metadata>``."""
from __future__ import annotations

OVIRT_TUNE_NS = "http://ovirt.org/vm/tune/1.0"
OVIRT_TUNE_PREFIX = "ovirt-tune"
OVIRT_VM_NS = "http://ovirt.org/vm/1.0"
OVIRT_VM_PREFIX = "ovirt-vm"
