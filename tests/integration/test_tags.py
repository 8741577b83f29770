"""Tags through the unmodified SDK: the tree under the root tag, assigning tags to VMs, hosts,
templates and users, and ``tag=`` in search, which also finds what carries a tag below the one
asked for. On SQLite and PostgreSQL."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

pytestmark = pytest.mark.scenario("demo")

ROOT = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def tags(connection):
    return connection.system_service().tags_service()


def _first(service, search):
    return service.list(search=search)[0]


def test_the_root_tag_and_a_tree_below_it(connection, tags):
    assert [(t.id, t.name, t.parent) for t in tags.list()] == [(ROOT, "root", None)]
    web = tags.add(types.Tag(name="web", description="web servers"))
    assert web.parent.id == ROOT
    front = tags.add(types.Tag(name="front", parent=types.Tag(name="web")))
    assert front.parent.id == web.id
    assert connection.follow_link(front.parent).name == "web"
    back = tags.add(types.Tag(name="back", parent=types.Tag(id=web.id)))
    assert {t.name for t in tags.list()} == {"root", "web", "front", "back"}
    with pytest.raises(sdk.Error) as error:
        tags.add(types.Tag(name="web"))
    assert error.value.code == 409 and "The specified Tag name already exists" in str(error.value)
    with pytest.raises(sdk.Error) as error:
        tags.tag_service(web.id).update(types.Tag(parent=types.Tag(id=front.id)))
    assert error.value.code == 409 and "recursive Tag hierarchy" in str(error.value)
    tags.tag_service(back.id).update(types.Tag(parent=types.Tag(id=front.id), description="moved"))
    moved = tags.tag_service(back.id).get()
    assert moved.parent.id == front.id and moved.description == "moved"
    with pytest.raises(sdk.Error):
        tags.tag_service(ROOT).remove()
    tags.tag_service(web.id).remove()
    assert [t.name for t in tags.list()] == ["root"]


def test_assigned_tags_and_search_by_tag(connection, tags):
    system = connection.system_service()
    web = tags.add(types.Tag(name="web"))
    tags.add(types.Tag(name="front", parent=types.Tag(id=web.id)))
    vms = system.vms_service()
    myvm = _first(vms, "name=myvm")
    other = _first(vms, "name=demo-01")
    vms.vm_service(myvm.id).tags_service().add(types.Tag(name="web"))
    assigned = vms.vm_service(other.id).tags_service().add(types.Tag(name="front"))
    assert assigned.vm.id == other.id and assigned.name == "front"
    assert [t.name for t in vms.vm_service(myvm.id).tags_service().list()] == ["web"]
    with pytest.raises(sdk.Error) as error:
        vms.vm_service(myvm.id).tags_service().add(types.Tag(name="web"))
    assert error.value.code == 409
    with pytest.raises(sdk.Error) as error:
        vms.vm_service(myvm.id).tags_service().add(types.Tag(name="no-such-tag"))
    assert error.value.code == 409
    assert sorted(v.name for v in vms.list(search="tag=web")) == ["demo-01", "myvm"]
    assert [v.name for v in vms.list(search="tag=front")] == ["demo-01"]
    assert [v.name for v in vms.list(search="tag=fr*")] == ["demo-01"]
    assert vms.list(search="tag=nothing") == []
    host = _first(system.hosts_service(), "name=myhost")
    system.hosts_service().host_service(host.id).tags_service().add(types.Tag(id=web.id))
    assert [h.name for h in system.hosts_service().list(search="tag=web")] == ["myhost"]
    blank = system.templates_service().template_service(_first(system.templates_service(), "name=Blank").id)
    blank.tags_service().add(types.Tag(name="front"))
    assert [t.name for t in system.templates_service().list(search="tag=web")] == ["Blank"]
    admin = _first(system.users_service(), "usrname=admin@internal-authz")
    system.users_service().user_service(admin.id).tags_service().add(types.Tag(name="web"))
    assert [u.id for u in system.users_service().list(search="tag=web")] == [admin.id]
    vms.vm_service(myvm.id).tags_service().tag_service(web.id).remove()
    assert vms.vm_service(myvm.id).tags_service().list() == []
    assert [v.name for v in vms.list(search="tag=web")] == ["demo-01"]


def test_removing_a_tagged_vm_or_the_tag_drops_the_assignments(connection, engine, tags):
    from sqlalchemy import func, select

    from engine_api import models as m

    system = connection.system_service()
    tags.add(types.Tag(name="doomed"))
    vms = system.vms_service()
    myvm = _first(vms, "name=myvm")
    other = _first(vms, "name=demo-02")
    for vm in (myvm, other):
        vms.vm_service(vm.id).tags_service().add(types.Tag(name="doomed"))
    vms.vm_service(myvm.id).remove()
    with engine.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(m.TagAssignment)) == 1
    doomed = next(t for t in tags.list() if t.name == "doomed")
    tags.tag_service(doomed.id).remove()
    assert vms.vm_service(other.id).tags_service().list() == []
