"""Users, roles and permissions: the administrator, the engine's roles, and a second user who
sees and does what his permissions give him."""
from __future__ import annotations

import contextlib

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import by_name, vm_service, vms, wait_status

SUPER_USER = "00000000-0000-0000-0000-000000000001"
USER_ROLE = "00000000-0000-0000-0001-000000000001"


@contextlib.contextmanager
def logged_in(engine, name="alice@internal", password="wonderland"):
    connection = sdk.Connection(url=engine.url, username=name, password=password, insecure=True)
    try:
        yield connection
    finally:
        connection.close()


def grant(service, role, user_id):
    return service.permissions_service().add(types.Permission(role=types.Role(name=role),
                                                              user=types.User(id=user_id)))


def test_the_administrator_holds_super_user_on_the_system(ovirt_engine, ovirt_connection):
    system = ovirt_connection.system_service()
    admin, = system.users_service().list()
    assert admin.user_name == ovirt_engine.username
    assert (SUPER_USER, admin.id) in [(p.role.id, p.user and p.user.id) for p in system.permissions_service().list()]
    assert system.get().authenticated_user.id == admin.id


def test_the_engine_has_its_predefined_roles(ovirt_connection):
    roles = {r.name: r for r in ovirt_connection.system_service().roles_service().list()}
    assert len(roles) == 37
    assert (roles["SuperUser"].id, roles["SuperUser"].administrative) == (SUPER_USER, True)
    assert (roles["UserRole"].id, roles["UserRole"].administrative, roles["UserRole"].mutable) == (
        USER_ROLE, False, False)


def test_a_user_without_any_role_cannot_log_in(ovirt_engine):
    ovirt_engine.add_user("alice", "wonderland")
    with logged_in(ovirt_engine) as alice, pytest.raises(sdk.AuthError):
        alice.system_service().vms_service().list()


def test_a_user_sees_only_the_vm_he_holds_a_role_on(ovirt_engine, ovirt_connection):
    alice_id = ovirt_engine.add_user("alice", "wonderland")
    grant(vm_service(ovirt_connection, "myvm"), "UserRole", alice_id)
    with logged_in(ovirt_engine) as alice:
        system = alice.system_service()
        assert [vm.name for vm in system.vms_service().list()] == ["myvm"]
        assert system.get().authenticated_user.id == alice_id
        with pytest.raises(sdk.NotFoundError):
            system.vms_service().vm_service(vm_service(ovirt_connection, "demo-01").get().id).get()


def test_a_user_starts_and_stops_the_vm_he_holds_user_role_on(ovirt_engine, ovirt_connection):
    alice_id = ovirt_engine.add_user("alice", "wonderland")
    myvm = vm_service(ovirt_connection, "myvm")
    grant(myvm, "UserRole", alice_id)
    with logged_in(ovirt_engine) as alice:
        mine = alice.system_service().vms_service().vm_service(myvm.get().id)
        mine.start()
        wait_status(mine, types.VmStatus.UP)
        mine.stop()
        wait_status(mine, types.VmStatus.DOWN)
    assert myvm.get().status == types.VmStatus.DOWN


def test_a_role_on_a_cluster_covers_every_vm_of_the_cluster(ovirt_engine, ovirt_connection):
    alice_id = ovirt_engine.add_user("alice", "wonderland")
    clusters = ovirt_connection.system_service().clusters_service()
    cluster2 = by_name(clusters, "cluster2")
    grant(clusters.cluster_service(cluster2.id), "UserRole", alice_id)
    expected = sorted(vm.name for vm in vms(ovirt_connection).list(search="cluster=cluster2"))
    with logged_in(ovirt_engine) as alice:
        assert sorted(vm.name for vm in alice.system_service().vms_service().list()) == expected
    assert len(expected) == 18


def test_a_users_permissions_list_what_he_was_granted(ovirt_engine, ovirt_connection):
    alice_id = ovirt_engine.add_user("alice", "wonderland")
    myvm = vm_service(ovirt_connection, "myvm")
    granted = grant(myvm, "UserVmManager", alice_id)
    users = ovirt_connection.system_service().users_service()
    held, = users.user_service(alice_id).permissions_service().list()
    assert held.id == granted.id
    assert held.vm.id == myvm.get().id
    assert held.role.id == by_name(ovirt_connection.system_service().roles_service(), "UserVmManager").id


def test_removing_the_permission_takes_the_vm_out_of_the_users_view(ovirt_engine, ovirt_connection):
    alice_id = ovirt_engine.add_user("alice", "wonderland")
    myvm = vm_service(ovirt_connection, "myvm")
    grant(myvm, "UserRole", alice_id)
    clusters = ovirt_connection.system_service().clusters_service()
    grant(clusters.cluster_service(by_name(clusters, "cluster2").id), "UserRole", alice_id)
    on_vm, = [p for p in myvm.permissions_service().list() if p.user is not None and p.user.id == alice_id]
    myvm.permissions_service().permission_service(on_vm.id).remove()
    with logged_in(ovirt_engine) as alice:
        assert "myvm" not in [vm.name for vm in alice.system_service().vms_service().list()]


def test_a_custom_role_holds_the_permits_it_was_given(ovirt_connection):
    roles = ovirt_connection.system_service().roles_service()
    role = roles.add(types.Role(name="starter", administrative=False,
                                permits=[types.Permit(id="22"), types.Permit(id="1300")]))
    permits = roles.role_service(role.id).permits_service()
    assert sorted(p.name for p in permits.list()) == ["login", "run_vm"]
    assert "starter" in [r.name for r in roles.list()]
