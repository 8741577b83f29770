"""``engine-emu ctl``: the control API from the command line."""
from __future__ import annotations

import json

import pytest

from engine_api.cli import main


def ctl(engine, *args: str) -> list[str]:
    return ["ctl", "--url", engine.url, "--user", engine.username, "--password", engine.password, *args]


@pytest.mark.scenario("demo")
def test_ctl_saves_restores_and_lists_snapshots_and_sets_the_clock(engine, connection, capsys):
    assert main(ctl(engine, "snapshot", "save", "start")) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "start"
    vms = connection.system_service().vms_service()
    vms.vm_service(vms.list(search="name=myvm")[0].id).remove()
    assert main(ctl(engine, "snapshot", "restore", "start")) == 0
    assert json.loads(capsys.readouterr().out)["changed"] > 0
    assert [vm.name for vm in vms.list(search="name=myvm")] == ["myvm"]
    assert main(ctl(engine, "snapshot", "list")) == 0
    assert [s["name"] for s in json.loads(capsys.readouterr().out)["snapshots"]] == ["start"]
    assert main(ctl(engine, "time", "--mode", "manual", "--speed", "2")) == 0
    assert json.loads(capsys.readouterr().out) == {"mode": "manual", "speed": 2.0, "pending": 0}
    assert main(ctl(engine, "advance")) == 0
    assert json.loads(capsys.readouterr().out) == {"applied": 0, "pending": 0}
    assert main(ctl(engine, "reset", "empty")) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "empty"
    assert vms.list() == []


def test_ctl_reports_a_refusal_and_an_unreachable_engine_in_one_line(engine, capsys):
    assert main(ctl(engine, "snapshot", "restore", "missing")) == 1
    assert capsys.readouterr().err.strip().endswith("There is no snapshot named 'missing'")
    assert main(["ctl", "--url", "http://127.0.0.1:9", "time"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("engine-emu ctl: cannot reach the engine at http://127.0.0.1:9/ovirt-engine/emu")
    assert main(["ctl", "--url", engine.url, "--password", "wrong", "time"]) == 1
    assert "incorrect" in capsys.readouterr().err
