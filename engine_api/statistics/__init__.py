"""Statistics of VMs, hosts, NICs and disks, as the engine reports them."""
