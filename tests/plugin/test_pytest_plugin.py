"""The pytest plugin, as a client project uses it (run in a separate pytest with pytester)."""
from __future__ import annotations

pytest_plugins = ["pytester"]


def test_plugin_fixtures_serve_a_fresh_demo_engine(pytester):
    pytester.makepyfile(
        """
        import ovirtsdk4.types as types
        import pytest

        def test_lists_demo_vms(ovirt_connection):
            names = [vm.name for vm in ovirt_connection.system_service().vms_service().list()]
            assert "myvm" in names and len(names) == 37

        def test_changes_do_not_leak(ovirt_connection):
            vms = ovirt_connection.system_service().vms_service()
            vms.add(types.Vm(name="leak", cluster=types.Cluster(name="Default"),
                             template=types.Template(name="Blank")))
            assert len(vms.list()) == 38

        def test_after_the_change(ovirt_connection):
            assert len(ovirt_connection.system_service().vms_service().list()) == 37

        @pytest.mark.ovirt_scenario("empty")
        def test_empty_scenario(ovirt_engine, ovirt_connection):
            assert ovirt_connection.system_service().vms_service().list() == []
            assert ovirt_engine.url.endswith("/ovirt-engine/api")
        """
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=4)


def test_a_client_test_can_run_device_monitoring_when_it_wants(pytester):
    pytester.makepyfile(
        """
        import ovirtsdk4.types as types
        import requests
        from lxml import etree

        def test_hot_plugged_nic_has_an_address(ovirt_engine, ovirt_connection):
            vms = ovirt_connection.system_service().vms_service()
            vm = vms.list(search="name=myvm")[0]
            service = vms.vm_service(vm.id)
            service.start()
            while service.get().status != types.VmStatus.UP:
                pass
            ovirt_engine.run_monitoring()
            nic = service.nics_service().add(types.Nic(name="hot", vnic_profile=types.VnicProfile(
                id=ovirt_connection.system_service().vnic_profiles_service().list()[0].id)))
            ovirt_engine.run_monitoring()  # the engine's own cycle may have been quicker
            assert ovirt_engine.run_monitoring() == []
            xml = requests.get(f"{ovirt_engine.url}/vms/{vm.id}/domainxml",
                               auth=(ovirt_engine.username, ovirt_engine.password)).content
            interface, = etree.fromstring(xml).xpath(f"devices/interface[alias/@name='ua-{nic.id}']")
            assert interface.find("address").get("type") == "pci"
        """
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1)
