"""The flush guard: no write path stores a value its column cannot hold, on either backend."""
from __future__ import annotations

import pytest
from sqlalchemy import insert, select, update

from engine_api import limits
from engine_api import models as m
from engine_api.faults import BadRequest, InvalidValue
from tests.helpers import row_counts


def _cluster_id(db) -> str:
    with db.transaction() as session:
        return session.scalars(select(m.Cluster.id).limit(1)).one()


def _vm_id(db) -> str:
    with db.transaction() as session:
        return session.scalars(select(m.Vm.id).order_by(m.Vm.name).limit(1)).one()


@pytest.mark.scenario("demo")
@pytest.mark.parametrize("values, name", [
    ({"name": "n" * 256}, "vm.name"),
    ({"name": "a\x00b"}, "vm.name"),
    ({"name": "a\ud800b"}, "vm.name"),
    ({"description": "a\x00b"}, "vm.description"),
    ({"memory": -1}, "vm.memory"),
    ({"memory": 2**63}, "vm.memory"),
    ({"cpu_cores": 2**31}, "vm.cpu_cores"),
    ({"cpu_sockets": 0}, "vm.cpu_sockets"),
    ({"os_type": "o" * 65}, "vm.os_type"),
])
def test_a_new_object_out_of_limits_is_refused_at_flush(engine, values, name):
    before = row_counts(engine.db)
    cluster_id = _cluster_id(engine.db)
    with pytest.raises(InvalidValue, match=name.replace(".", r"\.")):
        with engine.db.transaction() as session:
            session.add(m.Vm(**{"name": "guarded", "cluster_id": cluster_id, **values}))
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
def test_values_at_the_limits_are_stored_on_every_backend(engine):
    cluster_id = _cluster_id(engine.db)
    with engine.db.transaction() as session:
        vm = m.Vm(name="n" * 255, cluster_id=cluster_id, memory=2**63 - 1, cpu_cores=2**31 - 1,
                  description="é" * 10_000 + "\U0001f600")
        session.add(vm)
        session.add(m.Event(code=2**31 - 1, description="d", correlation_id="c" * 255))
    with engine.db.transaction() as session:
        stored = session.get(m.Vm, vm.id)
        assert (stored.name, stored.memory, stored.cpu_cores) == ("n" * 255, 2**63 - 1, 2**31 - 1)


@pytest.mark.scenario("demo")
def test_a_changed_object_out_of_limits_is_refused_and_keeps_its_value(engine):
    vm_id = _vm_id(engine.db)
    with engine.db.transaction() as session:
        old = session.get(m.Vm, vm_id).memory
    with pytest.raises(InvalidValue, match=r"vm\.memory.*0 to 9223372036854775807"):
        with engine.db.transaction() as session:
            session.get(m.Vm, vm_id).memory = -1
    with engine.db.transaction() as session:
        assert session.get(m.Vm, vm_id).memory == old


@pytest.mark.scenario("demo")
def test_an_autoflush_before_a_query_is_guarded_too(engine):
    vm_id = _vm_id(engine.db)
    with pytest.raises(InvalidValue, match=r"vm\.name"):
        with engine.db.transaction() as session:
            session.get(m.Vm, vm_id).name = "n" * 300
            session.scalars(select(m.Vm).where(m.Vm.id == vm_id)).all()


@pytest.mark.scenario("demo")
def test_bulk_inserts_and_updates_are_guarded(engine):
    before = row_counts(engine.db)
    vm_id = _vm_id(engine.db)
    with pytest.raises(InvalidValue, match=r"event\.code"):
        with engine.db.transaction() as session:
            session.execute(insert(m.Event), [{"code": 1, "description": "fine"},
                                              {"code": 2**40, "description": "too big"}])
    with pytest.raises(InvalidValue, match=r"vm\.name"):
        with engine.db.transaction() as session:
            session.execute(update(m.Vm), [{"id": vm_id, "name": "n" * 300}])
    assert row_counts(engine.db) == before


@pytest.mark.scenario("demo")
def test_work_outside_a_request_is_guarded(engine):
    """A row written outside any request, as the ticker and scenarios write, meets the same guard."""
    before = row_counts(engine.db)
    vm_id = _vm_id(engine.db)
    with pytest.raises(InvalidValue, match=r"transition\.correlation_id"):
        with engine.db.transaction() as session:
            session.add(m.Transition(kind="vm", entity_id=vm_id, step="up",
                                     due_at=m.utcnow(), correlation_id="c" * 256))
    assert row_counts(engine.db) == before


def test_limits_come_from_the_column_types():
    assert limits.model_limits(m.Vm)["name"] == limits.ColumnLimit("vm.name", length=255, text=True)
    assert limits.model_limits(m.Vm)["memory"] == limits.ColumnLimit("vm.memory", minimum=0, maximum=2**63 - 1)
    assert limits.model_limits(m.Event)["code"] == limits.ColumnLimit("event.code", minimum=-(2**31),
                                                                      maximum=2**31 - 1)
    assert limits.model_limits(m.Network)["vlan_id"].maximum == 4094
    assert limits.model_limits(m.DiskAttachment)["interface"].name == "disk_attachment.interface"
    assert "boot_devices" not in limits.model_limits(m.Vm)


@pytest.mark.parametrize("text, key", [
    ("12", 12), (" 12 ", 12), ("-3", -3), (str(2**31 - 1), 2**31 - 1),
    (str(2**31), None), ("9" * 30, None), ("abc", None), ("1.5", None), ("", None), ("١٢", None), ("1\x00", None),
])
def test_integer_keys_read_decimal_text_that_fits(text, key):
    assert limits.key_value(m.Event.id, text) == key


def test_text_keys_must_fit_their_column():
    assert limits.key_value(m.Vm.id, "x" * 36) == "x" * 36
    assert limits.key_value(m.Vm.id, "x" * 37) is None
    assert limits.key_value(m.Vm.id, "a\x00") is None


def test_parameters_are_checked_against_their_column():
    limits.check_parameter(m.Event.id, "from", 2**31 - 1)
    with pytest.raises(BadRequest, match="'from'.*-2147483648 to 2147483647"):
        limits.check_parameter(m.Event.id, "from", 2**31)
    with pytest.raises(BadRequest, match="'correlation_id'.*at most 255"):
        limits.check_parameter(m.Event.correlation_id, "correlation_id", "c" * 256)
