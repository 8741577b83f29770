"""Small SDK helpers the harness tests share, as a client project would write them."""
from __future__ import annotations

import time
from typing import Any, Callable

import ovirtsdk4.types as types

GiB = 1024**3


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``predicate`` like a client does until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(0.02)


def system(connection: Any) -> Any:
    return connection.system_service()


def vms(connection: Any) -> Any:
    return connection.system_service().vms_service()


def vm_service(connection: Any, name: str) -> Any:
    """The service of the VM called ``name``."""
    found = vms(connection).list(search=f"name={name}")
    assert [vm.name for vm in found] == [name]
    return vms(connection).vm_service(found[0].id)


def host_service(connection: Any, name: str) -> Any:
    hosts = connection.system_service().hosts_service()
    found = hosts.list(search=f"name={name}")
    assert [host.name for host in found] == [name]
    return hosts.host_service(found[0].id)


def by_name(service: Any, name: str) -> Any:
    """The one entity called ``name`` in the collection ``service``."""
    found = [item for item in service.list() if item.name == name]
    assert len(found) == 1, f"{len(found)} entities called {name}"
    return found[0]


def wait_status(service: Any, status: types.VmStatus, timeout: float = 10.0) -> Any:
    """Poll the VM until it is in ``status``; its last representation."""
    return wait_until(lambda: (vm := service.get()).status == status and vm, timeout)


def running(connection: Any, name: str = "myvm") -> Any:
    """Start the VM called ``name`` and wait until it is up; its service."""
    service = vm_service(connection, name)
    service.start()
    wait_status(service, types.VmStatus.UP)
    return service


def new_vm(connection: Any, name: str, cluster: str = "Default", **attributes: Any) -> Any:
    """Add a VM from the Blank template; its service."""
    vm = vms(connection).add(types.Vm(name=name, cluster=types.Cluster(name=cluster),
                                      template=types.Template(name="Blank"), **attributes))
    return vms(connection).vm_service(vm.id)


def new_disk(connection: Any, name: str, size: int = GiB, domain: str = "mydata", **attributes: Any) -> Any:
    """Add a floating disk and wait until it is ok; the disk."""
    disks = connection.system_service().disks_service()
    disk = disks.add(types.Disk(name=name, format=attributes.pop("format", types.DiskFormat.COW),
                                provisioned_size=size, storage_domains=[types.StorageDomain(name=domain)],
                                **attributes))
    service = disks.disk_service(disk.id)
    return wait_until(lambda: (found := service.get()).status == types.DiskStatus.OK and found)


def last_event_id(connection: Any) -> int:
    return int(connection.system_service().events_service().list(max=1)[0].id)


def events_since(connection: Any, mark: int) -> list[Any]:
    """The events written after ``mark``, oldest first."""
    return list(reversed(connection.system_service().events_service().list(from_=mark)))


def codes_since(connection: Any, mark: int) -> list[int]:
    return [event.code for event in events_since(connection, mark)]


def host_name(connection: Any, vm: Any) -> Any:
    return connection.follow_link(vm.host).name if vm.host is not None else None
