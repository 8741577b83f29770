"""A VM's libvirt Domain XML: the run-VM XML the engine would send, and the XML its host reports."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from engine_api.routes.http import call, raw_body
from engine_api.types import API_PREFIX
from engine_api.vms import monitoring

blp = Blueprint("domain-xml", __name__, url_prefix=API_PREFIX,
                description="Libvirt Domain XML of VMs: built for running them, reported by their hosts")

_XML = {"application/xml": {"schema": {"type": "string", "format": "xml"}}}
_FAULT = {"description": "A fault", "content": {"application/xml": {"schema": {"$ref": "#/components/schemas/Fault"}}}}


@blp.route("/vms/<vm_id>/domainxml", methods=["GET"])
@blp.doc(summary="The run-VM libvirt Domain XML of the VM as it is now, with oVirt's metadata",
         responses={"200": {"description": "The Domain XML", "content": _XML}, "default": _FAULT})
def domain_xml(vm_id: str) -> Any:
    return call(monitoring.domain_xml, vm_id)


@blp.route("/vms/<vm_id>/reporteddomainxml", methods=["GET", "PUT"])
@blp.doc(summary="The Domain XML the VM's host reports; PUT one as a host would report it to have "
                 "device monitoring match it now (the answer is the match result)",
         requestBody={"content": _XML},
         responses={"200": {"description": "The reported Domain XML (GET) or the match result (PUT)",
                            "content": {**_XML, "application/json": {"schema": {"type": "object"}}}},
                    "default": _FAULT})
def reported_domain_xml(vm_id: str) -> Any:
    if request.method == "PUT":
        body = raw_body()
        return call(monitoring.report_domain_xml, vm_id, body)
    return call(monitoring.reported_domain_xml, vm_id)
