"""Hosts: their lifecycle, network interfaces, and the monitoring of the VMs they run."""
