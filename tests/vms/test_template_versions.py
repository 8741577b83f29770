"""Template versions: a new version of a template shares its base's name and takes the next number."""
from __future__ import annotations

import ovirtsdk4 as sdk
import ovirtsdk4.types as types
import pytest

from tests.helpers import wait_for

pytestmark = pytest.mark.scenario("demo")


@pytest.fixture
def templates(engine, connection):
    engine.set_transition_delay(0)
    return connection.system_service().templates_service()


def _myvm(connection):
    return connection.system_service().vms_service().list(search="name=myvm")[0]


def test_versions_share_their_bases_name_and_number_on(connection, templates):
    vm = _myvm(connection)
    base = templates.add(types.Template(name="tpl", vm=types.Vm(id=vm.id)))
    wait_for(lambda: templates.template_service(base.id).get().status == types.TemplateStatus.OK)
    base = templates.template_service(base.id).get()
    assert base.version.version_number == 1 and base.version.base_template.id == base.id
    second = templates.add(types.Template(name="tpl", vm=types.Vm(id=vm.id), version=types.TemplateVersion(
        base_template=types.Template(id=base.id), version_name="second")))
    wait_for(lambda: templates.template_service(second.id).get().status == types.TemplateStatus.OK)
    third = templates.add(types.Template(vm=types.Vm(id=vm.id), version=types.TemplateVersion(
        base_template=types.Template(id=base.id))))
    assert (third.name, third.version.version_number, third.version.base_template.id) == ("tpl", 3, base.id)
    found = {t.version.version_number: t for t in templates.list(search="name=tpl")}
    assert sorted(found) == [1, 2, 3] and found[2].version.version_name == "second"
    with pytest.raises(sdk.Error) as refused:  # a base name once only
        templates.add(types.Template(name="tpl", vm=types.Vm(id=vm.id)))
    assert refused.value.code == 409
    wait_for(lambda: templates.template_service(third.id).get().status == types.TemplateStatus.OK)
    with pytest.raises(sdk.Error) as refused:
        templates.template_service(base.id).remove()
    assert refused.value.code == 409
    templates.template_service(third.id).remove()
    templates.template_service(second.id).remove()
    templates.template_service(base.id).remove()


def test_a_version_of_a_version_is_refused(connection, templates):
    vm = _myvm(connection)
    base = templates.add(types.Template(name="tpl2", vm=types.Vm(id=vm.id)))
    wait_for(lambda: templates.template_service(base.id).get().status == types.TemplateStatus.OK)
    version = templates.add(types.Template(vm=types.Vm(id=vm.id), version=types.TemplateVersion(
        base_template=types.Template(id=base.id))))
    wait_for(lambda: templates.template_service(version.id).get().status == types.TemplateStatus.OK)
    with pytest.raises(sdk.Error) as refused:
        templates.add(types.Template(vm=types.Vm(id=vm.id), version=types.TemplateVersion(
            base_template=types.Template(id=version.id))))
    assert refused.value.code == 409
    with pytest.raises(sdk.Error) as refused:
        templates.add(types.Template(vm=types.Vm(id=vm.id), version=types.TemplateVersion(
            base_template=types.Template(id="not-a-template"))))
    assert refused.value.code in (400, 404)
