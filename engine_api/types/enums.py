"""Enumerations of the oVirt API, as lowercase wire values."""

VM_STATUS = (
    "down", "image_locked", "migrating", "not_responding", "paused", "powering_down",
    "powering_up", "reboot_in_progress", "restoring_state", "saving_state", "suspended",
    "unassigned", "unknown", "up", "wait_for_launch",
)
HOST_STATUS = (
    "connecting", "down", "error", "initializing", "install_failed", "installing",
    "installing_os", "kdumping", "maintenance", "non_operational", "non_responsive",
    "pending_approval", "preparing_for_maintenance", "reboot", "unassigned", "up",
)
HOST_TYPE = ("ovirt_node", "rhel", "rhev_h")
SPM_STATUS = ("contending", "none", "spm")
DATA_CENTER_STATUS = ("contend", "maintenance", "not_operational", "problematic", "uninitialized", "up")
STORAGE_FORMAT = ("v1", "v2", "v3", "v4", "v5")
QUOTA_MODE = ("audit", "disabled", "enabled")
ARCHITECTURE = ("aarch64", "ppc64", "s390x", "undefined", "x86_64")
STORAGE_DOMAIN_TYPE = ("data", "export", "image", "iso", "managed_block_storage", "volume")
STORAGE_TYPE = (
    "cinder", "fcp", "glance", "glusterfs", "iscsi", "localfs", "managed_block_storage",
    "nfs", "posixfs",
)
STORAGE_DOMAIN_STATUS = (
    "activating", "active", "detaching", "inactive", "locked", "maintenance", "mixed",
    "preparing_for_maintenance", "unattached", "unknown",
)
EXTERNAL_STATUS = ("error", "failure", "info", "ok", "warning")
NETWORK_USAGE = ("default_route", "display", "gluster", "management", "migration", "vm")
NETWORK_STATUS = ("non_operational", "operational")
PASS_THROUGH_MODE = ("disabled", "enabled")
TEMPLATE_STATUS = ("illegal", "locked", "ok")
VM_TYPE = ("desktop", "high_performance", "server")
BOOT_DEVICE = ("cdrom", "hd", "network")
DISPLAY_TYPE = ("spice", "vnc")
DISK_STATUS = ("illegal", "locked", "ok")
SNAPSHOT_STATUS = ("in_preview", "locked", "ok")
SNAPSHOT_TYPE = ("active", "preview", "regular", "stateless")
DISK_FORMAT = ("cow", "raw")
DISK_INTERFACE = ("ide", "sata", "spapr_vscsi", "virtio", "virtio_scsi")
DISK_STORAGE_TYPE = ("cinder", "image", "lun", "managed_block_storage")
DISK_CONTENT_TYPE = (
    "backup_scratch", "data", "hosted_engine", "hosted_engine_configuration",
    "hosted_engine_metadata", "hosted_engine_sanlock", "iso", "memory_dump_volume",
    "memory_metadata_volume", "ovf_store",
)
NIC_INTERFACE = ("e1000", "e1000e", "pci_passthrough", "rtl8139", "rtl8139_virtio", "spapr_vlan", "virtio")
NIC_STATUS = ("down", "up")
LOG_SEVERITY = ("alert", "error", "normal", "warning")
JOB_STATUS = ("aborted", "failed", "finished", "started", "unknown")
CREATION_STATUS = ("complete", "failed", "in_progress", "pending")
