"""The committed OpenAPI document is the one the type model and routes generate."""
from __future__ import annotations

import json

from engine_api.openapi import DOCUMENT, render_document


def test_openapi_document_is_current(live_engine):
    generated = render_document(live_engine.app)
    committed = DOCUMENT.read_text()
    assert committed == generated, "openapi/openapi.json is stale: run `engine-emu openapi`"


def test_openapi_describes_types_and_paths(live_engine):
    document = json.loads(render_document(live_engine.app))
    schemas = document["components"]["schemas"]
    assert {"Vm", "Disk", "DiskAttachment", "Nic", "Host", "Cluster", "DataCenter", "Fault"} <= set(schemas)
    assert schemas["Vm"]["properties"]["status"]["enum"][0] == "down"
    assert "/ovirt-engine/api/vms/{entity_id}/start" in document["paths"]
    assert "post" in document["paths"]["/ovirt-engine/api/vms"]
    snapshots = document["paths"]["/ovirt-engine/api/vms/{vm}/snapshots"]
    assert {"get", "post"} <= set(snapshots) and "201" in snapshots["post"]["responses"]
    assert "/ovirt-engine/api/vms/{vm}/clone" in document["paths"]
    assert schemas["Snapshot"]["properties"]["snapshot_status"]["enum"] == ["in_preview", "locked", "ok"]
