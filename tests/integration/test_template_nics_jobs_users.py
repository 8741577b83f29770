"""Template NICs, external jobs and users, through the SDK: add, read back, change, remove."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest


@pytest.mark.scenario("demo")
def test_a_template_nic_is_added_changed_and_removed(connection, engine):
    system = connection.system_service()
    templates = system.templates_service()
    vm = system.vms_service().list(search="name=myvm")[0]
    template = templates.add(types.Template(name="tmpl_nics", vm=types.Vm(id=vm.id)))
    nics = templates.template_service(template.id).nics_service()
    before = len(nics.list())
    added = nics.add(types.Nic(name="tnic1", interface=types.NicInterface.E1000, mac=types.Mac(address="00:1a:4a:16:01:51")))
    assert added.name == "tnic1" and added.interface == types.NicInterface.E1000
    # A template's NIC has no MAC: each VM made from it gets its own.
    assert added.mac is None or added.mac.address is None
    assert len(nics.list()) == before + 1
    with pytest.raises(sdk.Error) as duplicate:
        nics.add(types.Nic(name="tnic1"))
    assert duplicate.value.code == 409
    nic = nics.nic_service(added.id)
    nic.update(types.Nic(name="tnic2"))
    assert nic.get().name == "tnic2"
    nic.remove()
    with pytest.raises(sdk.NotFoundError):
        nic.get()
    assert len(nics.list()) == before


@pytest.mark.scenario("demo")
def test_an_external_job_is_added_and_ended(connection, engine):
    jobs = connection.system_service().jobs_service()
    job = jobs.add(types.Job(description="nightly backup", auto_cleared=True))
    assert job.description == "nightly backup" and job.external is True and job.status == types.JobStatus.STARTED
    assert job.owner is not None and job.owner.id
    with pytest.raises(sdk.Error) as missing:
        jobs.add(types.Job(auto_cleared=True))
    assert missing.value.code == 400
    jobs.job_service(job.id).end(succeeded=True)
    assert jobs.job_service(job.id).get().status == types.JobStatus.FINISHED


@pytest.mark.scenario("demo")
def test_a_user_is_added_and_removed_but_never_the_administrator(connection, engine):
    users = connection.system_service().users_service()
    alice = users.add(types.User(user_name="alice@internal-authz", domain=types.Domain(name="internal-authz")))
    assert alice.user_name == "alice@internal-authz" and alice.principal == "alice" and alice.namespace == "internal-authz"
    assert "alice@internal-authz" in [user.user_name for user in users.list()]
    with pytest.raises(sdk.Error) as duplicate:
        users.add(types.User(user_name="alice@internal-authz"))
    assert duplicate.value.code == 409
    users.user_service(alice.id).remove()
    with pytest.raises(sdk.NotFoundError):
        users.user_service(alice.id).get()
    admin = next(user for user in users.list() if user.user_name == engine.username)
    with pytest.raises(sdk.Error) as refused:
        users.user_service(admin.id).remove()
    assert refused.value.code == 409
    assert users.user_service(admin.id).get().user_name == engine.username


@pytest.mark.scenario("demo")
def test_a_disk_is_added_changed_and_removed_through_its_storage_domain(connection, engine):
    # Instant transitions: the disk is unlocked as it is added (the ticker's timing is tested elsewhere).
    engine.set_transition_delay(0)
    system = connection.system_service()
    domain = system.storage_domains_service().list(search="name=mydata")[0]
    disks = system.storage_domains_service().storage_domain_service(domain.id).disks_service()
    disk = disks.add(types.Disk(name="sd_disk", format=types.DiskFormat.COW, provisioned_size=2**30))
    assert disk.storage_domains[0].id == domain.id
    assert system.disks_service().disk_service(disk.id).get().name == "sd_disk"
    assert disk.id in [d.id for d in disks.list()]
    assert disks.disk_service(disk.id).get().status == types.DiskStatus.OK
    disks.disk_service(disk.id).update(types.Disk(description="through the domain"))
    assert disks.disk_service(disk.id).get().description == "through the domain"
    disks.disk_service(disk.id).remove()
    with pytest.raises(sdk.NotFoundError):
        system.disks_service().disk_service(disk.id).get()
