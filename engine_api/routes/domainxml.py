"""A VM's libvirt Domain XML: the run-VM XML the engine would send, and the XML its host reports."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine_api.routes.http import call, raw_body
from engine_api.types import API_PREFIX
from engine_api.vms import monitoring

blp = Blueprint("domain-xml", __name__, url_prefix=API_PREFIX,
                description="Libvirt Domain XML of VMs: built for running them, reported by their hosts")

_XML = {"application/xml": {"schema": {"type": "string", "format": "xml"}}}
_FAULTS = {"401": {"$ref": "#/components/responses/Unauthorized"}, "default": {"$ref": "#/components/responses/Fault"}}
_DEVICES = {"type": "object", "properties": {"device": {"type": "array", "items": {"type": "object"}}}}
_MATCH = {"type": "object", "required": ["devices_hash"], "xml": {"name": "domain_match"},
          "properties": {"devices_hash": {"type": "string"},
                         **{kind: _DEVICES for kind in ("matched", "added", "unplugged", "removed", "ignored", "kept")},
                         "warnings": {"type": "object", "properties": {
                             "warning": {"type": "array", "items": {"type": "string"}}}}}}


@blp.route("/vms/<vm_id>/domainxml", methods=["GET"])
@blp.doc(summary="The run-VM libvirt Domain XML of the VM as it is now, with oVirt's metadata",
         responses={"200": {"description": "The Domain XML", "content": _XML}, **_FAULTS})
def domain_xml(vm_id: str) -> Any:
    return call(monitoring.domain_xml, vm_id)


@blp.route("/vms/<vm_id>/reporteddomainxml", methods=["GET"])
@blp.doc(summary="The Domain XML the VM's host reports",
         responses={"200": {"description": "The reported Domain XML", "content": _XML}, **_FAULTS})
def reported_domain_xml(vm_id: str) -> Any:
    return call(monitoring.reported_domain_xml, vm_id)


@blp.route("/vms/<vm_id>/reporteddomainxml", methods=["PUT"])
@blp.doc(summary="Report a Domain XML as the VM's host would, to have device monitoring match it now",
         requestBody={"required": True, "content": _XML},
         responses={"200": {"description": "The match result",
                            "content": {"application/xml": {"schema": _MATCH}, "application/json": {"schema": _MATCH}}},
                    **_FAULTS})
def report_domain_xml(vm_id: str) -> Any:
    return call(monitoring.report_domain_xml, vm_id, raw_body())
