"""Tags: a hierarchy under the root tag, assigned to VMs, hosts, templates and users."""
