"""The control API's fault rules (under ``/ovirt-engine/emu/faults``)."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, post_dump, pre_load, validate

from engine_api.control import CONTROL_ROOT
from engine_api.control.fault_rules import DELAYS, FAULTS
from engine_api.routes.http import state

blp = Blueprint("fault_rules", __name__, url_prefix=CONTROL_ROOT,
                description="Fault rules: requests answered with a fault, late, cut short or not at all")


class DelaySchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(DELAYS))
    seconds = fields.Float(metadata={"description": "fixed: the latency"})
    lower = fields.Float(metadata={"description": "uniform: the least latency"})
    upper = fields.Float(metadata={"description": "uniform: the greatest latency"})
    median = fields.Float(metadata={"description": "lognormal: the median latency"})
    sigma = fields.Float(metadata={"description": "lognormal: the standard deviation of the latency's logarithm"})
    max = fields.Float(allow_none=True, metadata={"description": "a ceiling on the latency"})

    @post_dump
    def _given(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {key: value for key, value in data.items() if value is not None}


class FaultRuleRequestSchema(Schema):
    """A new rule: which requests it takes, and what it does to them."""

    path = fields.String(load_default="**", metadata={
        "description": "a glob: * within a segment, ** across segments; relative to the API root unless it "
                       "starts with / (default: any path)"})
    method = fields.String(metadata={"description": "GET, or several: GET,POST (default: any)"})
    header = fields.String(metadata={"description": "Name (sent at all) or Name:value (a glob, any case)"})
    body = fields.String(metadata={"description": "a regular expression found in the request body"})
    fault = fields.String(validate=validate.OneOf(FAULTS), metadata={
        "description": "status (an oVirt fault), drop (close, no answer), reset (RST), malformed (200, a body "
                       "neither XML nor JSON), empty (200, no body), truncated (served, the answer cut short); "
                       "status when only a status is given"})
    status = fields.Integer(metadata={"description": "the status of a status fault, 400 to 599"})
    detail = fields.String(metadata={"description": "the fault's detail"})
    retry_after = fields.Integer(metadata={"description": "a Retry-After header of a status fault, in seconds"})
    delay = fields.Nested(DelaySchema, metadata={"description": "latency before the fault, or before normal "
                                                                "service; a number is a fixed latency in seconds"})
    probability = fields.Float(load_default=1.0, metadata={"description": "the chance it applies to a match, 0 to 1"})
    times = fields.Integer(metadata={"description": "the number of requests it applies to; then it is removed"})
    seed = fields.Integer(metadata={"description": "the seed of its draws (probability, random latency)"})

    @pre_load
    def _delay_in_seconds(self, data: Any, **kwargs: Any) -> Any:
        delay = data.get("delay") if isinstance(data, dict) else None
        if isinstance(delay, (int, float)) and not isinstance(delay, bool):
            return {**data, "delay": {"type": "fixed", "seconds": delay}}
        return data


class FaultRuleSchema(Schema):
    id = fields.String(required=True)
    path = fields.String(required=True)
    method = fields.List(fields.String(), required=True, allow_none=True, metadata={"description": "null: any"})
    header = fields.String(required=True, allow_none=True)
    body = fields.String(required=True, allow_none=True)
    fault = fields.String(required=True, allow_none=True, metadata={"description": "null: latency only"})
    status = fields.Integer(required=True, allow_none=True)
    detail = fields.String(required=True, allow_none=True)
    retry_after = fields.Integer(required=True, allow_none=True)
    delay = fields.Nested(DelaySchema, required=True, allow_none=True)
    probability = fields.Float(required=True)
    times = fields.Integer(required=True, allow_none=True, metadata={
        "description": "the requests it still applies to; null: no end"})
    seed = fields.Integer(required=True, allow_none=True)
    applied = fields.Integer(required=True, metadata={"description": "the requests it applied to"})
    created_at = fields.Float(required=True, metadata={"description": "seconds since the epoch"})


class FaultRuleListSchema(Schema):
    rules = fields.List(fields.Nested(FaultRuleSchema), required=True, metadata={
        "description": "in the order they apply"})


class RulesRemovedSchema(Schema):
    removed = fields.Integer(required=True)


@blp.route("/faults", methods=["GET"])
@blp.response(200, FaultRuleListSchema)
@blp.doc(summary="The fault rules, in the order they apply")
def list_rules() -> Any:
    return {"rules": state().fault_rules.list()}


@blp.route("/faults", methods=["POST"])
@blp.arguments(FaultRuleRequestSchema)
@blp.response(201, FaultRuleSchema)
@blp.doc(summary="Add a fault rule after those set")
def add_rule(body: dict[str, Any]) -> Any:
    return state().fault_rules.add(**body)


@blp.route("/faults", methods=["DELETE"])
@blp.response(200, RulesRemovedSchema)
@blp.doc(summary="Remove every fault rule")
def clear_rules() -> Any:
    return {"removed": state().fault_rules.clear()}


@blp.route("/faults/<rule_id>", methods=["GET"])
@blp.response(200, FaultRuleSchema)
@blp.doc(summary="A fault rule")
def get_rule(rule_id: str) -> Any:
    return state().fault_rules.get(rule_id)


@blp.route("/faults/<rule_id>", methods=["DELETE"])
@blp.response(200, FaultRuleSchema)
@blp.doc(summary="Remove a fault rule")
def remove_rule(rule_id: str) -> Any:
    return state().fault_rules.remove(rule_id)
