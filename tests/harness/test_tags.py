"""Tags: the tree below the root tag, assigning tags to VMs and hosts, finding what carries a
tag, renaming and removing tags."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.harness.sdk import host_service, vm_service, vms

ROOT = "00000000-0000-0000-0000-000000000000"


def tags(connection):
    return connection.system_service().tags_service()


def test_new_tags_hang_below_the_root_tag_or_their_parent(ovirt_connection):
    root, = tags(ovirt_connection).list()
    assert (root.id, root.name) == (ROOT, "root")
    prod = tags(ovirt_connection).add(types.Tag(name="prod", description="production"))
    web = tags(ovirt_connection).add(types.Tag(name="web", parent=types.Tag(name="prod")))
    assert prod.parent.id == ROOT
    assert web.parent.id == prod.id
    assert sorted(t.name for t in tags(ovirt_connection).list()) == ["prod", "root", "web"]


def test_the_api_root_links_the_root_tag(ovirt_connection):
    special = ovirt_connection.system_service().get().special_objects
    assert special.root_tag.id == ROOT
    root = ovirt_connection.follow_link(special.root_tag)
    assert (root.id, root.name) == (ROOT, "root")


def test_a_second_tag_of_the_same_name_is_refused(ovirt_connection):
    tags(ovirt_connection).add(types.Tag(name="prod"))
    with pytest.raises(sdk.Error) as refused:
        tags(ovirt_connection).add(types.Tag(name="prod"))
    assert refused.value.code == 409
    assert refused.value.fault.detail == "[The specified Tag name already exists.]"
    assert [t.name for t in tags(ovirt_connection).list()].count("prod") == 1


def test_a_tagged_vm_lists_its_tag_and_is_found_by_it(ovirt_connection):
    tags(ovirt_connection).add(types.Tag(name="prod"))
    for name in ("myvm", "demo-04"):
        vm_service(ovirt_connection, name).tags_service().add(types.Tag(name="prod"))
    assert [t.name for t in vm_service(ovirt_connection, "myvm").tags_service().list()] == ["prod"]
    assert [vm.name for vm in vms(ovirt_connection).list(search="tag=prod")] == ["demo-04", "myvm"]


def test_a_tagged_host_is_found_by_its_tag(ovirt_connection):
    tags(ovirt_connection).add(types.Tag(name="gpu"))
    host_service(ovirt_connection, "host03").tags_service().add(types.Tag(name="gpu"))
    found = ovirt_connection.system_service().hosts_service().list(search="tag=gpu")
    assert [h.name for h in found] == ["host03"]


def test_an_unassigned_tag_no_longer_finds_the_vm(ovirt_connection):
    tag = tags(ovirt_connection).add(types.Tag(name="prod"))
    myvm = vm_service(ovirt_connection, "myvm")
    myvm.tags_service().add(types.Tag(name="prod"))
    myvm.tags_service().tag_service(tag.id).remove()
    assert myvm.tags_service().list() == []
    assert vms(ovirt_connection).list(search="tag=prod") == []


def test_a_renamed_tag_shows_its_new_name_on_the_vm(ovirt_connection):
    tag = tags(ovirt_connection).add(types.Tag(name="prod"))
    myvm = vm_service(ovirt_connection, "myvm")
    myvm.tags_service().add(types.Tag(id=tag.id))
    tags(ovirt_connection).tag_service(tag.id).update(types.Tag(name="production"))
    assert [t.name for t in myvm.tags_service().list()] == ["production"]
    assert [vm.name for vm in vms(ovirt_connection).list(search="tag=production")] == ["myvm"]


def test_a_removed_tag_is_dropped_from_what_carried_it(ovirt_connection):
    tag = tags(ovirt_connection).add(types.Tag(name="prod"))
    myvm = vm_service(ovirt_connection, "myvm")
    myvm.tags_service().add(types.Tag(id=tag.id))
    tags(ovirt_connection).tag_service(tag.id).remove()
    assert myvm.tags_service().list() == []
    with pytest.raises(sdk.NotFoundError):
        tags(ovirt_connection).tag_service(tag.id).get()
