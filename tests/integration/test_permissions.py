"""Roles, permissions and the user view through the unmodified SDK, with a second user of the
internal domain: he sees only what he holds a permission on, and is refused (403) what his roles
do not permit. On SQLite and PostgreSQL."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest
import requests

from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")

USER_ROLE = "00000000-0000-0000-0001-000000000001"
SUPER_USER = "00000000-0000-0000-0000-000000000001"


@pytest.fixture
def alice(engine):
    return engine.add_user("alice", "wonderland")


def _login(engine, name="alice@internal", password="wonderland", **kwargs):
    return sdk.Connection(url=engine.url, username=name, password=password, insecure=True, **kwargs)


def _vm(connection, name):
    vms = connection.system_service().vms_service()
    return vms.vm_service(vms.list(search=f"name={name}")[0].id)


def _grant(connection, service, role, user_id):
    return service.permissions_service().add(types.Permission(role=types.Role(name=role), user=types.User(id=user_id)))


def test_the_engine_roles_and_the_administrators_super_user(connection):
    roles = {r.name: r for r in connection.system_service().roles_service().list()}
    assert roles["UserRole"].id == USER_ROLE and roles["SuperUser"].id == SUPER_USER
    assert roles["SuperUser"].administrative is True and roles["UserRole"].administrative is False
    assert roles["UserRole"].mutable is False
    permits = connection.system_service().roles_service().role_service(USER_ROLE).permits_service().list()
    assert {"run_vm", "stop_vm", "login"} <= {p.name for p in permits}
    assert "delete_vm" not in {p.name for p in permits}
    system = connection.system_service().permissions_service().list()
    assert [(p.role.id, p.user.id) for p in system] == [
        (SUPER_USER, connection.system_service().users_service().list(search="usrname=admin@internal-authz")[0].id)]


def test_a_user_with_no_role_cannot_log_in(engine, alice):
    with pytest.raises(sdk.AuthError):
        _login(engine).test(raise_exception=True)


def test_the_user_sees_only_what_he_holds_a_permission_on(engine, connection, alice):
    myvm = _vm(connection, "myvm")
    granted = _grant(connection, myvm, "UserRole", alice)
    assert granted.role.id == USER_ROLE and granted.user.id == alice and granted.vm.id == myvm.get().id
    user = _login(engine)
    system = user.system_service()
    assert [vm.name for vm in system.vms_service().list()] == ["myvm"]
    assert [vm.name for vm in system.vms_service().list(search="name=demo*")] == []
    cluster = myvm.get().cluster.id
    assert [c.id for c in system.clusters_service().list()] == [cluster]
    assert [t.name for t in system.templates_service().list()] == ["Blank"]
    assert [d.id for d in system.disks_service().list()] == [
        a.disk.id for a in myvm.disk_attachments_service().list()]
    assert system.hosts_service().list() == []
    other = _vm(connection, "demo-01").get().id
    with pytest.raises(sdk.NotFoundError):
        system.vms_service().vm_service(other).get()
    with pytest.raises(sdk.NotFoundError):
        system.vms_service().vm_service(other).nics_service().list()
    # The administrator sees everything, with Filter: true as without.
    admin = sdk.Connection(url=engine.url, username=engine.username, password=engine.password, insecure=True,
                           headers={"Filter": "true"})
    assert len(admin.system_service().vms_service().list()) == len(connection.system_service().vms_service().list())


def test_the_user_does_what_his_role_permits_and_is_refused_the_rest(engine, connection, alice):
    myvm = _vm(connection, "myvm")
    _grant(connection, myvm, "UserRole", alice)
    user = _login(engine)
    mine = user.system_service().vms_service().vm_service(myvm.get().id)
    mine.start()
    wait_for(lambda: mine.get().status == types.VmStatus.UP)
    for refused in (lambda: mine.update(types.Vm(memory=2 * 1024**3)),
                    lambda: mine.snapshots_service().add(types.Snapshot(description="mine")),
                    lambda: mine.nics_service().add(types.Nic(name="nic9")),
                    lambda: mine.permissions_service().add(types.Permission(role=types.Role(id=USER_ROLE),
                                                                            user=types.User(id=alice)))):
        with pytest.raises(sdk.Error) as error:
            refused()
        assert error.value.code == 403 and "User is not authorized to perform this action" in str(error.value)
    mine.stop()
    wait_for(lambda: mine.get().status == types.VmStatus.DOWN)
    with pytest.raises(sdk.Error) as error:
        mine.remove()
    assert error.value.code == 403
    assert myvm.get().memory != 2 * 1024**3 and len(myvm.nics_service().list()) == 1


def test_a_vm_manager_grants_user_roles_but_no_admin_role(engine, connection, alice):
    bob = engine.add_user("bob", "builder")
    myvm = _vm(connection, "myvm")
    _grant(connection, myvm, "UserVmManager", alice)
    mine = _login(engine).system_service().vms_service().vm_service(myvm.get().id)
    mine.snapshots_service().add(types.Snapshot(description="allowed"))
    _grant(_login(engine), mine, "UserRole", bob)
    with pytest.raises(sdk.Error) as error:
        _grant(_login(engine), mine, "ClusterAdmin", bob)
    assert error.value.code == 409 and "only system super user can give permissions with admin Role" in str(
        error.value)
    assert [vm.name for vm in _login(engine, "bob@internal", "builder").system_service().vms_service().list()] == [
        "myvm"]


def test_a_cluster_permission_covers_its_vms(engine, connection, alice):
    cluster_id = _vm(connection, "myvm").get().cluster.id
    clusters = connection.system_service().clusters_service()
    _grant(connection, clusters.cluster_service(cluster_id), "UserRole", alice)
    seen = {vm.id for vm in _login(engine).system_service().vms_service().list()}
    expected = {vm.id for vm in connection.system_service().vms_service().list() if vm.cluster.id == cluster_id}
    assert seen == expected and len(seen) > 1


def test_removing_the_permission_or_the_vm_takes_the_view_away(engine, connection, alice):
    myvm = _vm(connection, "myvm")
    granted = _grant(connection, myvm, "UserRole", alice)
    _grant(connection, connection.system_service().clusters_service().cluster_service(myvm.get().cluster.id),
           "UserRole", alice)
    inherited = myvm.permissions_service().list()
    assert {p.id for p in inherited} > {granted.id}  # the cluster's and the system's are listed too
    system = next(p for p in inherited if p.role.id == SUPER_USER)
    with pytest.raises(sdk.Error) as error:
        myvm.permissions_service().permission_service(system.id).remove()
    assert error.value.code == 409
    myvm.permissions_service().permission_service(granted.id).remove()
    assert [p for p in myvm.permissions_service().list() if p.vm is not None] == []
    users = connection.system_service().users_service()
    assert len(users.user_service(alice).permissions_service().list()) == 1
    myvm.remove()
    with engine.db.transaction() as session:
        from sqlalchemy import func, select

        from engine_api import models as m
        assert session.scalar(select(func.count()).select_from(m.Permission).where(
            m.Permission.object_type == "vms")) == 0


def test_custom_roles_and_their_permits(connection):
    roles = connection.system_service().roles_service()
    role = roles.add(types.Role(name="starter", administrative=False,
                                permits=[types.Permit(id="22"), types.Permit(id="1300")]))
    permits = roles.role_service(role.id).permits_service()
    assert {p.name for p in permits.list()} == {"run_vm", "login"}
    permits.add(types.Permit(id="18"))
    permits.permit_service("22").remove()
    assert {p.name for p in permits.list()} == {"stop_vm", "login"}
    with pytest.raises(sdk.Error) as error:
        roles.role_service(USER_ROLE).remove()
    assert error.value.code == 409
    with pytest.raises(sdk.Error):
        roles.add(types.Role(name="starter", permits=[types.Permit(id="22")]))
    roles.role_service(role.id).remove()
    assert "starter" not in {r.name for r in roles.list()}


def test_basic_credentials_of_the_user_and_filter_over_http(engine, connection, alice):
    _grant(connection, _vm(connection, "myvm"), "UserRole", alice)
    answer = requests.get(f"{engine.url}/vms", auth=("alice@internal", "wonderland"),
                          headers={"Accept": "application/json", "Filter": "true"}, verify=False)
    assert answer.status_code == 200 and [vm["name"] for vm in answer.json()["vm"]] == ["myvm"]
    wrong = requests.get(f"{engine.url}/vms", auth=("alice@internal", "looking-glass"), verify=False)
    assert wrong.status_code == 401
