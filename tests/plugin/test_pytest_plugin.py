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


def test_every_test_starts_from_the_same_state_and_the_resets_are_reported(pytester):
    pytester.makepyfile(
        """
        import ovirtsdk4.types as types

        seen = []

        def myvm(connection):
            return connection.system_service().vms_service().list(search="name=myvm")[0]

        def test_first(ovirt_connection):
            vm = myvm(ovirt_connection)
            seen.append(vm.id)
            ovirt_connection.system_service().vms_service().vm_service(vm.id).remove()

        def test_second(ovirt_connection):
            assert myvm(ovirt_connection).id == seen[0]

        def test_a_saved_snapshot_is_gone_in_the_next_test(ovirt_engine):
            ovirt_engine.states.save("mine")

        def test_no_snapshot_left(ovirt_engine):
            assert ovirt_engine.states.list() == []
        """
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=4)
    result.stdout.re_match_lines([r"engine-emu: 4 per-test resets, [\d.]+ ms median, [\d.]+ ms mean, [\d.]+ ms max.*"])


def test_factories_create_rows_the_api_shows(pytester):
    pytester.makepyfile(
        """
        def test_a_factory_vm_is_listed(ovirt_factories, ovirt_connection):
            cluster = ovirt_connection.system_service().clusters_service().list(search="name=Default")[0]
            made = ovirt_factories.VmFactory(name="from-a-factory", cluster_id=cluster.id)
            found = ovirt_connection.system_service().vms_service().list(search="name=from-a-factory")
            assert [vm.id for vm in found] == [made.id]
            assert found[0].status.value == "down"

        def test_several_rows_in_one_transaction(ovirt_factories, ovirt_connection):
            with ovirt_factories.transaction():
                network = ovirt_factories.NetworkFactory(name="storage-net")
                profile = ovirt_factories.VnicProfileFactory(network=network)
            profiles = ovirt_connection.system_service().vnic_profiles_service().list()
            assert profile.id in [p.id for p in profiles]

        def test_an_unknown_factory_is_an_attribute_error(ovirt_factories):
            import pytest
            with pytest.raises(AttributeError, match="no factory named 'Nothing'"):
                ovirt_factories.Nothing
        """
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=3)


def test_manual_time_through_the_fixture(pytester):
    pytester.makepyfile(
        """
        import ovirtsdk4.types as types

        def test_powering_up_until_advance(ovirt_engine, ovirt_connection):
            ovirt_engine.clock.set(mode="manual")
            vms = ovirt_connection.system_service().vms_service()
            vm = vms.vm_service(vms.list(search="status=down")[0].id)
            vm.start()
            ovirt_engine.clock.advance(vm.get().id, steps=1)
            assert vm.get().status == types.VmStatus.POWERING_UP
            ovirt_engine.clock.advance(vm.get().id)
            assert vm.get().status == types.VmStatus.UP

        def test_the_next_test_has_the_clock_in_auto(ovirt_engine):
            assert ovirt_engine.clock.setting().mode == "auto"
        """
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=2)


def test_with_xdist_each_worker_has_its_own_engine_and_database(pytester, tmp_path):
    pytester.makepyfile(
        """
        import os
        import pytest

        @pytest.mark.parametrize("n", range(6))
        def test_adds_a_vm_of_its_own(ovirt_engine, ovirt_connection, n):
            import ovirtsdk4.types as types
            vms = ovirt_connection.system_service().vms_service()
            vms.add(types.Vm(name=f"mine{n}", cluster=types.Cluster(name="Default"),
                             template=types.Template(name="Blank")))
            assert sorted(vm.name for vm in vms.list(search="name=mine*")) == [f"mine{n}"]
            assert os.environ["PYTEST_XDIST_WORKER"] in ovirt_engine.db.url
        """
    )
    database = f"sqlite:///{tmp_path / 'engine.sqlite'}"
    result = pytester.runpytest_subprocess("-q", "-n", "2", f"--ovirt-database={database}")
    result.assert_outcomes(passed=6)
    assert sorted(path.name for path in tmp_path.glob("engine-gw*.sqlite")) == ["engine-gw0.sqlite",
                                                                               "engine-gw1.sqlite"]
    result.stdout.re_match_lines([r"engine-emu: 6 per-test resets.*"])


def test_worker_databases_on_postgresql_are_created_when_missing(postgresql):
    from sqlalchemy import create_engine, text

    from engine_api.testing.plugin import worker_database

    url = worker_database(postgresql.url, "gw7")
    assert url.endswith("_gw7")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT current_database()")).endswith("_gw7")
    finally:
        engine.dispose()
    assert worker_database(postgresql.url, "gw7") == url  # and found the second time
    assert worker_database(postgresql.url, None) == postgresql.url
