"""A host's operating system as the engine renders it: always an ``os`` with its custom kernel
command line, empty until a client sets one (``ovirt_host`` compares it on every run)."""
from __future__ import annotations

import ovirtsdk4.types as types
import pytest

pytestmark = pytest.mark.scenario("demo")


def test_a_host_has_an_empty_custom_kernel_command_line_until_a_client_sets_one(connection, http):
    hosts = connection.system_service().hosts_service()
    host = hosts.list(search="name=myhost")[0]
    assert host.os.custom_kernel_cmdline == ""
    listed = http.get(f"{http.base}/hosts", headers={"Accept": "application/json"}).json()["host"]
    assert {h["os"]["custom_kernel_cmdline"] for h in listed} == {""}

    hosts.host_service(host.id).update(types.Host(os=types.OperatingSystem(custom_kernel_cmdline="intel_iommu=on")))
    assert hosts.host_service(host.id).get().os.custom_kernel_cmdline == "intel_iommu=on"
    assert hosts.list(search="name=host02")[0].os.custom_kernel_cmdline == ""
