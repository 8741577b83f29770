"""The compiled dumpers write exactly what the marshmallow schemas dump, for every type."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine_api.api import registry
from engine_api.services.context import RequestContext
from engine_api.types.dumper import compile_dumper


def _wire(value):
    """What reaches the wire: None values are never written."""
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


@pytest.mark.scenario("demo")
def test_compiled_dump_equals_schema_dump_for_every_collection(engine):
    compared = set()
    with engine.db.transaction() as session:
        for coll in registry():
            if coll.compute is not None:  # entities made from their parents, not rows
                parents = list(session.scalars(select(coll.parent.model).limit(5)))
                entities = [e for each in coll.compute(RequestContext(session=session), parents) for e in each]
            else:
                entities = list(session.scalars(select(coll.model).limit(50)))
            for entity in entities:
                assert _wire(compile_dumper(coll.schema)(entity)) == _wire(coll.schema().dump(entity)), coll.key
                compared.add(coll.schema.__name__)
    assert {"Vm", "Disk", "DiskAttachment", "Nic", "Host", "HostNic", "Cluster", "DataCenter", "Network",
            "VnicProfile", "StorageDomain", "Template", "Event", "User", "Statistic"} <= compared
