"""The control API's resets, state snapshots and clock (under ``/ovirt-engine/emu``)."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine_api.control import CONTROL_ROOT
from engine_api.control import schemas as s
from engine_api.routes.http import state

blp = Blueprint("control", __name__, url_prefix=CONTROL_ROOT,
                description="Controls for tests: resets, state snapshots and the clock")


@blp.route("/reset", methods=["POST"])
@blp.arguments(s.ResetSchema)
@blp.response(200, s.RestoredSchema)
@blp.doc(summary="Delete the whole state and seed a scenario afresh")
def reset(body: dict[str, Any]) -> Any:
    return state().states.reset(body["scenario"], settled=body["settled"], fresh=body["fresh"])


@blp.route("/snapshots", methods=["GET"])
@blp.response(200, s.StateSnapshotListSchema)
@blp.doc(summary="The saved snapshots of the whole state")
def list_snapshots() -> Any:
    return {"snapshots": state().states.list()}


@blp.route("/snapshots", methods=["POST"])
@blp.arguments(s.StateSnapshotRequestSchema)
@blp.response(201, s.StateSnapshotSchema)
@blp.doc(summary="Save the whole state as a named snapshot (replacing one of that name)")
def save_snapshot(body: dict[str, Any]) -> Any:
    return state().states.save(body["name"])


@blp.route("/snapshots/<name>", methods=["GET"])
@blp.response(200, s.StateSnapshotSchema)
@blp.doc(summary="A saved snapshot")
def get_snapshot(name: str) -> Any:
    return state().states.get(name)


@blp.route("/snapshots/<name>", methods=["DELETE"])
@blp.response(200, s.StateSnapshotSchema)
@blp.doc(summary="Forget a saved snapshot")
def delete_snapshot(name: str) -> Any:
    return state().states.delete(name)


@blp.route("/snapshots/<name>/restore", methods=["POST"])
@blp.response(200, s.RestoredSchema)
@blp.doc(summary="Put back the whole state a snapshot holds")
def restore_snapshot(name: str) -> Any:
    return state().states.restore(name)


@blp.route("/time", methods=["GET"])
@blp.response(200, s.ClockSettingSchema)
@blp.doc(summary="How time passes for transitions: the mode, the speed and the steps waiting")
def get_time() -> Any:
    return state().clock.setting()


@blp.route("/time", methods=["PUT"])
@blp.arguments(s.ClockChangeSchema)
@blp.response(200, s.ClockSettingSchema)
@blp.doc(summary="Let transitions advance on their own (auto) or only when told (manual), at a speed")
def set_time(body: dict[str, Any]) -> Any:
    return state().clock.set(body.get("mode"), body.get("speed"))


@blp.route("/time/advance", methods=["POST"])
@blp.arguments(s.AdvanceSchema)
@blp.response(200, s.AdvancedSchema)
@blp.doc(summary="Apply waiting transitions now: of one entity or all, some rounds or until none waits")
def advance(body: dict[str, Any]) -> Any:
    return state().clock.advanced(body.get("entity"), body.get("steps"))
