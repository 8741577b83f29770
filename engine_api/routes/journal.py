"""The control API's request journal (under ``/ovirt-engine/emu/journal``)."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, post_load, pre_load, validate

from engine_api import faults
from engine_api.control import CONTROL_ROOT
from engine_api.control.journal import MAX_CAPACITY, RequestFilter
from engine_api.routes.http import state

blp = Blueprint("journal", __name__, url_prefix=CONTROL_ROOT,
                description="The request journal: every request of the API and SSO, and what a real engine would "
                            "refuse or ignore in it")


class RequestFilterSchema(Schema):
    """The query parameters that select journaled requests."""

    method = fields.String(metadata={"description": "GET, or several: GET,POST"})
    path = fields.String(metadata={"description": "a glob: * within a segment, ** across segments "
                                                  "(/ovirt-engine/api/vms/*); relative to the API root unless it "
                                                  "starts with /"})
    header = fields.List(fields.String(), metadata={"description": "Name (sent at all) or Name:value (a glob, any "
                                                                   "case); repeat it for several"})
    since = fields.String(metadata={"description": "seconds since the epoch, or ISO 8601"})
    until = fields.String(metadata={"description": "seconds since the epoch, or ISO 8601"})
    status = fields.String(metadata={"description": "404, a class (4xx), or several: 200,201"})
    marked = fields.String(metadata={"description": "true: only requests a real engine would refuse or ignore "
                                                    "in part; false: only the others"})
    limit = fields.String(metadata={"description": "the most recent so many"})

    @pre_load
    def _known(self, data: Any, **kwargs: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise faults.BadRequest(f"Unknown parameter '{unknown[0]}': the journal is filtered by "
                                    f"{', '.join(self.fields)}")
        return data

    @post_load
    def _filter(self, data: dict[str, Any], **kwargs: Any) -> RequestFilter:
        return RequestFilter.of(**data)


class SqlStatementSchema(Schema):
    sql = fields.String(required=True, metadata={"description": "the statement's text (cut at 1000 characters)"})
    ms = fields.Float(required=True)


class SqlSchema(Schema):
    count = fields.Integer(required=True)
    ms = fields.Float(required=True)
    statements = fields.List(fields.Nested(SqlStatementSchema), required=True,
                             metadata={"description": "the first 50 statements"})


class MarkSchema(Schema):
    kind = fields.String(required=True, metadata={"description": "header, parameter, element, attribute, path "
                                                                 "or method"})
    name = fields.String(required=True, metadata={"description": "what was sent: a header's or parameter's name, "
                                                                 "vm.cpu.bogus for an element"})
    detail = fields.String(required=True)


class JournalEntrySchema(Schema):
    id = fields.Integer(required=True)
    time = fields.Float(required=True, metadata={"description": "seconds since the epoch when it arrived"})
    method = fields.String(required=True)
    path = fields.String(required=True, metadata={"description": "as sent"})
    query = fields.String(required=True, metadata={"description": "as sent, secrets masked"})
    headers = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                          metadata={"description": "by name in lower case; credentials masked"})
    body = fields.String(required=True, metadata={"description": "as much as the journal keeps; secrets masked"})
    body_bytes = fields.Integer(required=True, metadata={"description": "the size of the whole body"})
    body_truncated = fields.Boolean(required=True)
    status = fields.Integer(required=True, allow_none=True, metadata={"description": "null: no answer"})
    answered_by = fields.String(required=True, allow_none=True, metadata={
        "description": "application, direct (a stored document), engine (the serving layer's refusal), "
                       "fault rule or stream"})
    fault_rule = fields.String(required=True, allow_none=True, metadata={"description": "the rule applied"})
    duration_ms = fields.Float(required=True)
    sql = fields.Method("_sql", required=True, metadata={"description": "the SQL statements the request ran"})
    marks = fields.List(fields.Nested(MarkSchema), required=True, metadata={
        "description": "what a real engine would refuse or ignore in it"})

    def _sql(self, entry: Any) -> dict[str, Any]:
        summary = entry.sql
        return {"count": summary.count, "ms": summary.seconds * 1000,
                "statements": [{"sql": text, "ms": seconds * 1000} for text, seconds in summary.statements]}


class JournalSchema(Schema):
    requests = fields.List(fields.Nested(JournalEntrySchema), required=True,
                           metadata={"description": "in the order they arrived"})
    count = fields.Integer(required=True, metadata={"description": "how many requests match (before limit)"})


class CountSchema(Schema):
    count = fields.Integer(required=True)


class JournalClearedSchema(Schema):
    removed = fields.Integer(required=True)


class JournalSettingSchema(Schema):
    capacity = fields.Integer(validate=validate.Range(min=0, max=MAX_CAPACITY), metadata={
        "description": "requests kept at most; 0 records none"})
    body_bytes = fields.Integer(validate=validate.Range(min=0, max=16 << 20), metadata={
        "description": "bytes of each body kept"})
    max_bytes = fields.Integer(validate=validate.Range(min=0, max=1 << 34), metadata={
        "description": "bytes of bodies and statements kept in all"})
    kept = fields.Integer(dump_only=True, metadata={"description": "requests kept now"})
    kept_bytes = fields.Integer(dump_only=True)


@blp.route("/journal", methods=["GET"])
@blp.arguments(RequestFilterSchema, location="query", as_kwargs=False)
@blp.response(200, JournalSchema)
@blp.doc(summary="The journaled requests that match the filters, oldest first")
def list_requests(selection: RequestFilter) -> Any:
    return state().journal.select(selection)


@blp.route("/journal/count", methods=["GET"])
@blp.arguments(RequestFilterSchema, location="query", as_kwargs=False)
@blp.response(200, CountSchema)
@blp.doc(summary="How many journaled requests match the filters")
def count_requests(selection: RequestFilter) -> Any:
    return state().journal.select(selection)


@blp.route("/journal", methods=["DELETE"])
@blp.response(200, JournalClearedSchema)
@blp.doc(summary="Forget every journaled request")
def clear_journal() -> Any:
    return {"removed": state().journal.clear()}


@blp.route("/journal/settings", methods=["GET"])
@blp.response(200, JournalSettingSchema)
@blp.doc(summary="How much the journal keeps, and holds now")
def journal_setting() -> Any:
    return state().journal.setting()


@blp.route("/journal/settings", methods=["PUT"])
@blp.arguments(JournalSettingSchema)
@blp.response(200, JournalSettingSchema)
@blp.doc(summary="Change how much the journal keeps (the oldest requests beyond go)")
def configure_journal(body: dict[str, Any]) -> Any:
    return state().journal.configure(**body)
