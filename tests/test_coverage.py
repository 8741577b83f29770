"""`engine-emu coverage` tells, for every operation of the API model, what serving it does."""
from __future__ import annotations

import json

import pytest

from engine_api import coverage
from engine_api.cli import main
from engine_api.model import load

JSON = {"Accept": "application/json"}
_HTTP = {"list": "GET", "add": "POST", "get": "GET", "update": "PUT", "remove": "DELETE"}


@pytest.fixture(scope="module")
def found(live_engine):
    return coverage.operations(live_engine.app.url_map)


def test_every_operation_of_every_path_has_one_level(found):
    model = load()
    templates = [template for template, service in model.walk_paths()
                 if model.methods(service.name) or model.actions(service.name)]
    assert {op.template for op in found} == set(templates) and len(templates) > 400
    assert {op.level for op in found} <= set(coverage.LEVELS)
    expected = sum(len({m.verb for m in model.methods(service.name).values()})
                   + len({a.path for a in model.actions(service.name).values()}) for _, service in model.walk_paths())
    assert len(found) == expected
    levels = {(op.template, op.name): op.level for op in found}
    # Bespoke behaviour, the generic store, and actions only accepted.
    assert levels[("vms/{vm}", "start")] == levels[("vms", "add")] == "behaviour"
    assert levels[("vms/{vm}/nics/{nic}", "update")] == "behaviour"
    assert levels[("tags", "add")] == levels[("tags/{tag}", "remove")] == "behaviour"
    assert levels[("bookmarks", "add")] == levels[("bookmarks/{bookmark}", "remove")] == "stored"
    accepted = [op for op in found if op.level == "accepted"]
    assert accepted and all(op.action is not None for op in accepted)
    assert all(op.action is None for op in found if op.level == "stored")


@pytest.mark.scenario("demo")
def test_the_levels_are_what_the_engine_answers(engine, http, found):
    # What is missing answers 404 or 405 over HTTP; top-level lists that are served answer 200.
    for op in found:
        path = engine.url + "/" + op.template.replace("{", "").replace("}", "")
        if op.level == "missing":
            method = "POST" if op.action is not None else _HTTP[op.verb]
            target = f"{path}/{op.action}" if op.action is not None else path
            answer = http.request(method, target, json={}, headers=JSON)
            assert answer.status_code in (404, 405), (op, answer.status_code)
        elif op.verb == "list" and "{" not in op.template:
            assert http.get(path, headers=JSON).status_code == 200, op
    # An accepted action on a real entity answers as the engine does and says what it did.
    vm = http.get(engine.url + "/vms", params={"search": "name=myvm"}, headers=JSON).json()["vm"][0]
    vm_actions = {op.action for op in found if op.template == "vms/{vm}" and op.level == "accepted"}
    assert "freezefilesystems" in vm_actions
    answer = http.post(engine.url + f"/vms/{vm['id']}/freezefilesystems", json={}, headers=JSON)
    assert answer.status_code == 200 and answer.json()["status"] == "complete"
    events = http.get(engine.url + "/events", headers=JSON).json()["event"]
    assert any("freezefilesystems" in event["description"] and "accepted" in event["description"] for event in events)


def test_the_command_prints_the_table_the_summary_and_json(capsys):
    assert main(["coverage", "--format", "summary"]) == 0
    summary = capsys.readouterr().out
    assert "| methods |" in summary and "| actions |" in summary and "operations" in summary
    assert main(["coverage", "--format", "json", "--level", "accepted"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {row["level"] for row in rows} == {"accepted"} and all(row["action"] for row in rows)
    assert main(["coverage"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == ["path", "operation", "level"] and "vms/{vm}" in table
