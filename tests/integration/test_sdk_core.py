"""The unmodified official SDK (ovirtsdk4) against a live engine, on SQLite and PostgreSQL."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from engine_api.models import BLANK_TEMPLATE_ID
from tests.helpers import wait_for


def test_connection_test_and_logout(engine):
    conn = sdk.Connection(url=engine.url, username=engine.username, password=engine.password, insecure=True)
    assert conn.test(raise_exception=True)
    token = conn.authenticate()
    assert token
    conn.close()
    # The revoked token no longer opens the API: a new connection with it is refused.
    import requests

    answer = requests.get(engine.url, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert b"<reason>Unauthorized</reason>" in answer.content
    assert "Bearer" in answer.headers["WWW-Authenticate"]


def test_wrong_password_raises_auth_error(engine):
    conn = sdk.Connection(url=engine.url, username=engine.username, password="wrong", insecure=True)
    with pytest.raises(sdk.AuthError):
        conn.system_service().get()
    assert conn.test() is False


@pytest.mark.scenario("demo")
def test_root_and_summary(connection):
    api = connection.system_service().get()
    assert api.product_info.name == "oVirt Engine"
    assert api.product_info.version.major == 4
    assert api.special_objects.blank_template.id == BLANK_TEMPLATE_ID
    assert api.summary.vms.total == 37
    assert 0 < api.summary.vms.active < api.summary.vms.total
    assert api.summary.hosts.total == 6
    assert api.authenticated_user.id


def test_build_data_center_cluster_host_and_storage(connection):
    system = connection.system_service()
    dc = system.data_centers_service().add(types.DataCenter(name="mydc", description="A DC", local=False))
    assert dc.id and dc.name == "mydc"
    assert dc.status == types.DataCenterStatus.UNINITIALIZED

    cluster = system.clusters_service().add(types.Cluster(
        name="mycluster",
        cpu=types.Cpu(architecture=types.Architecture.X86_64, type="Intel Nehalem Family"),
        data_center=types.DataCenter(name="mydc"),
    ))
    assert cluster.data_center.id == dc.id
    assert cluster.cpu.type == "Intel Nehalem Family"

    hosts = system.hosts_service()
    host = hosts.add(types.Host(name="myhost", address="node0.example.com", root_password="secret",
                                cluster=types.Cluster(name="mycluster")))
    assert host.status == types.HostStatus.INSTALLING
    host_service = hosts.host_service(host.id)
    wait_for(lambda: host_service.get().status == types.HostStatus.UP)

    sds = system.storage_domains_service()
    sd = sds.add(types.StorageDomain(
        name="mydata", type=types.StorageDomainType.DATA, host=types.Host(name="myhost"),
        storage=types.HostStorage(type=types.StorageType.NFS, address="server0.example.com", path="/nfs/ovirt/40/mydata"),
    ))
    assert sd.status == types.StorageDomainStatus.UNATTACHED
    attached = system.data_centers_service().data_center_service(dc.id).storage_domains_service()
    attached.add(types.StorageDomain(id=sd.id))
    sd_service = attached.storage_domain_service(sd.id)
    wait_for(lambda: sd_service.get().status == types.StorageDomainStatus.ACTIVE)
    assert system.data_centers_service().data_center_service(dc.id).get().status == types.DataCenterStatus.UP


@pytest.mark.scenario("demo")
def test_vm_lifecycle_of_records(connection):
    system = connection.system_service()
    vms = system.vms_service()
    vm = vms.add(types.Vm(name="sdkvm", cluster=types.Cluster(name="Default"),
                          template=types.Template(name="Blank"), memory=2 * 2**30,
                          os=types.OperatingSystem(type="rhel_9x64")))
    assert vm.id and vm.status == types.VmStatus.DOWN
    assert vm.template.id == BLANK_TEMPLATE_ID
    assert vm.memory == 2 * 2**30

    listed = vms.list()
    assert "sdkvm" in [v.name for v in listed]
    assert vms.vm_service(vm.id).get().name == "sdkvm"
    found = vms.list(search="name=sdkvm")
    assert [v.id for v in found] == [vm.id]
    assert {v.name for v in vms.list(search="name=demo-0*")} == {f"demo-0{i}" for i in range(1, 10)}

    # A disk through the disk attachments, polled to ok.
    attachments = vms.vm_service(vm.id).disk_attachments_service()
    attachment = attachments.add(types.DiskAttachment(
        disk=types.Disk(name="sdkvm_disk", format=types.DiskFormat.COW, provisioned_size=10 * 2**30,
                        storage_domains=[types.StorageDomain(name="mydata")]),
        interface=types.DiskInterface.VIRTIO, bootable=True, active=True,
    ))
    disk_service = system.disks_service().disk_service(attachment.disk.id)
    assert disk_service.get().status == types.DiskStatus.LOCKED
    wait_for(lambda: disk_service.get().status == types.DiskStatus.OK)
    assert disk_service.get().provisioned_size == 10 * 2**30

    # Find the data center by cluster name, its networks and the vNIC profiles.
    dc = system.data_centers_service().list(search="Clusters.name=Default")[0]
    assert dc.name == "Default"
    networks = system.data_centers_service().data_center_service(dc.id).networks_service().list()
    assert {"ovirtmgmt", "mynetwork"} <= {n.name for n in networks}
    profile = next(p for p in system.vnic_profiles_service().list() if p.name == "mynetwork")
    nic = vms.vm_service(vm.id).nics_service().add(types.Nic(
        name="nic1", vnic_profile=types.VnicProfile(id=profile.id), interface=types.NicInterface.VIRTIO))
    assert nic.mac.address.startswith("56:6f:")
    assert nic.vnic_profile.id == profile.id

    # follow_link on references and sub-collections.
    vm = vms.vm_service(vm.id).get()
    assert connection.follow_link(vm.cluster).name == "Default"
    assert connection.follow_link(vm.template).name == "Blank"
    assert [n.name for n in connection.follow_link(vm.nics)] == ["nic1"]
    followed = connection.follow_link(vm.disk_attachments)
    assert [a.disk.id for a in followed] == [attachment.disk.id]
    assert followed[0].bootable is True

    # A template from the VM, polled to ok.
    templates = system.templates_service()
    template = templates.add(types.Template(name="sdktemplate", vm=types.Vm(id=vm.id)))
    template_service = templates.template_service(template.id)
    wait_for(lambda: template_service.get().status == types.TemplateStatus.OK)
    assert len(template_service.disk_attachments_service().list()) == 1
    wait_for(lambda: vms.vm_service(vm.id).get().status == types.VmStatus.DOWN)

    # Update, then remove.
    updated = vms.vm_service(vm.id).update(types.Vm(description="updated", memory=4 * 2**30))
    assert updated.description == "updated" and updated.memory == 4 * 2**30
    assert vms.vm_service(vm.id).get().memory == 4 * 2**30
    vms.vm_service(vm.id).remove()
    with pytest.raises(sdk.NotFoundError):
        vms.vm_service(vm.id).get()


@pytest.mark.scenario("demo")
def test_vm_from_template_copies_disks(connection):
    system = connection.system_service()
    vms = system.vms_service()
    source = vms.list(search="name=myvm")[0]
    template = system.templates_service().add(types.Template(name="base", vm=types.Vm(id=source.id)))
    template_service = system.templates_service().template_service(template.id)
    wait_for(lambda: template_service.get().status == types.TemplateStatus.OK)
    vm = vms.add(types.Vm(name="fromtemplate", cluster=types.Cluster(name="Default"),
                          template=types.Template(name="base")))
    wait_for(lambda: vms.vm_service(vm.id).get().status == types.VmStatus.DOWN)
    disks = vms.vm_service(vm.id).disk_attachments_service().list()
    assert len(disks) == 1
    assert vms.vm_service(vm.id).get().memory == source.memory
    with pytest.raises(sdk.Error) as refused:
        template_service.remove()
    assert refused.value.code == 409


@pytest.mark.scenario("demo")
def test_errors_carry_codes(connection):
    vms = connection.system_service().vms_service()
    with pytest.raises(sdk.NotFoundError):
        vms.vm_service("00000000-0000-0000-0000-00000000dead").get()
    with pytest.raises(sdk.Error) as duplicate:
        vms.add(types.Vm(name="myvm", cluster=types.Cluster(name="Default"), template=types.Template(name="Blank")))
    assert duplicate.value.code == 409
    with pytest.raises(sdk.Error) as missing:
        vms.add(types.Vm(name="nocluster", cluster=types.Cluster(name="NoSuchCluster"),
                         template=types.Template(name="Blank")))
    assert missing.value.code == 400
    assert "NoSuchCluster" in str(missing.value)
