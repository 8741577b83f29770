"""VMs and templates: their lifecycle, vNICs, devices and libvirt domains."""
