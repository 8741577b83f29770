"""What ``search=`` understands on events, users and jobs.

A user's ``usrname`` is ``principal@authz`` as the engine's search compares it
(``admin@internal-authz``), whatever profile he logs in with."""
from __future__ import annotations

from engine_api import models as m
from engine_api.search import FieldKind, SearchField, SearchSpec, enum_values, name_of
from engine_api.tags.search import tag_field
from engine_api.types import enums

EVENTS = SearchSpec(
    entity="Events", entity_aliases=("Event",),
    fields=[
        SearchField("id", m.Event.id, kind=FieldKind.INT),
        SearchField("severity", m.Event.severity, kind=FieldKind.ENUM, enum_values=enum_values(enums.LOG_SEVERITY)),
        SearchField("type", m.Event.code, kind=FieldKind.INT, aliases=("code",)),
        SearchField("message", m.Event.description, aliases=("description",)),
        SearchField("time", m.Event.time, kind=FieldKind.DATE),
        SearchField("correlation_id", m.Event.correlation_id, aliases=("correlationid",)),
        SearchField("origin", m.Event.origin),
        SearchField("event_vm", name_of(m.Vm, m.Event.vm_id), aliases=("vm.name", "vm")),
        SearchField("event_host", name_of(m.Host, m.Event.host_id), aliases=("host.name", "host")),
        SearchField("event_cluster", name_of(m.Cluster, m.Event.cluster_id), aliases=("cluster.name",)),
        SearchField("event_datacenter", name_of(m.DataCenter, m.Event.data_center_id),
                    aliases=("datacenter.name",)),
        SearchField("event_template", name_of(m.Template, m.Event.template_id), aliases=("template.name",)),
        SearchField("event_storage", name_of(m.StorageDomain, m.Event.storage_domain_id),
                    aliases=("storage.name",)),
    ],
    free_text=[m.Event.description],
    default_sort=[("id", "desc")],
    unique_key=m.Event.id,
)

USERS = SearchSpec(
    entity="Users", entity_aliases=("User",),
    fields=[
        SearchField("name", m.User.name, aliases=("firstname",)),
        SearchField("usrname", m.User.principal + "@" + m.User.domain, aliases=("user_name", "username")),
        SearchField("directory", m.User.domain, aliases=("authz",)),
        SearchField("id", m.User.id),
        tag_field("users", m.User.id),
    ],
    free_text=[m.User.name, m.User.user_name],
    default_sort=[("usrname", "asc")],
    unique_key=m.User.id,
)

JOBS = SearchSpec(
    entity="Jobs", entity_aliases=("Job",),
    fields=[
        SearchField("correlation_id", m.Job.correlation_id, aliases=("correlationid",)),
        SearchField("status", m.Job.status, kind=FieldKind.ENUM, enum_values=enum_values(enums.JOB_STATUS)),
        SearchField("description", m.Job.description),
        SearchField("start_time", m.Job.start_time, kind=FieldKind.DATE, aliases=("starttime",)),
        SearchField("id", m.Job.id),
    ],
    free_text=[m.Job.description],
    default_sort=[("start_time", "desc")],
    unique_key=m.Job.id,
)
