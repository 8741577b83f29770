"""The control API's JSON bodies."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine_api.control.clock import MODES


class ResetSchema(Schema):
    scenario = fields.String(load_default="demo", metadata={"description": "demo, empty or scale:N"})
    settled = fields.Boolean(load_default=True, metadata={
        "description": "apply the scenario's pending transitions at once"})
    fresh = fields.Boolean(load_default=False, metadata={
        "description": "seed anew (new ids) rather than give back what the first reset to it seeded"})


class RestoredSchema(Schema):
    name = fields.String(required=True, metadata={"description": "the scenario or snapshot"})
    changed = fields.Integer(required=True, metadata={"description": "documents the reset or restore changed"})
    seconds = fields.Float(required=True)


class StateSnapshotRequestSchema(Schema):
    name = fields.String(required=True)


class StateSnapshotSchema(Schema):
    name = fields.String(required=True)
    documents = fields.Integer(required=True)
    rows = fields.Integer(required=True)
    taken_at = fields.Float(required=True, metadata={"description": "seconds since the epoch"})


class StateSnapshotListSchema(Schema):
    snapshots = fields.List(fields.Nested(StateSnapshotSchema), required=True)


class ClockSettingSchema(Schema):
    mode = fields.String(validate=validate.OneOf(MODES), required=True)
    speed = fields.Float(required=True, metadata={"description": "the factor dividing every transition's delay"})
    pending = fields.Integer(required=True, dump_only=True, metadata={"description": "steps waiting"})


class ClockChangeSchema(Schema):
    mode = fields.String(validate=validate.OneOf(MODES))
    speed = fields.Float(validate=validate.Range(min=0, min_inclusive=False, max=1_000_000))


class AdvanceSchema(Schema):
    entity = fields.String(metadata={"description": "the id of a VM (or host, disk, snapshot…); "
                                                    "default: every entity"})
    steps = fields.Integer(validate=validate.Range(min=1), metadata={
        "description": "rounds to apply (a round moves each entity one state); default: until none waits"})


class AdvancedSchema(Schema):
    applied = fields.Integer(required=True)
    pending = fields.Integer(required=True)
