"""What each collection's ``search=`` understands: fields, kinds and cross-object conditions."""
from __future__ import annotations

from sqlalchemy import select

from engine_api import models as m
from engine_api.search import FieldKind, SearchField, SearchSpec, exists_via
from engine_api.types import enums

S, I, D, E, B = FieldKind.STRING, FieldKind.INT, FieldKind.DATE, FieldKind.ENUM, FieldKind.BOOL


def _names(values: tuple[str, ...]) -> dict[str, str]:
    return {v: v for v in values}


def _name_of(model: type, fk: object) -> object:
    return select(model.name).where(model.id == fk).correlate_except(model).scalar_subquery()


CLUSTER_NAME_OF_VM = _name_of(m.Cluster, m.Vm.cluster_id)
HOST_NAME_OF_VM = _name_of(m.Host, m.Vm.host_id)
TEMPLATE_NAME_OF_VM = _name_of(m.Template, m.Vm.template_id)
DC_NAME_OF_VM = (
    select(m.DataCenter.name).join(m.Cluster, m.Cluster.data_center_id == m.DataCenter.id)
    .where(m.Cluster.id == m.Vm.cluster_id).correlate_except(m.DataCenter, m.Cluster).scalar_subquery()
)

VMS = SearchSpec(
    entity="Vms", entity_aliases=("Vm",),
    fields=[
        SearchField("name", m.Vm.name),
        SearchField("description", m.Vm.description),
        SearchField("comment", m.Vm.comment),
        SearchField("id", m.Vm.id),
        SearchField("status", m.Vm.status, kind=E, enum_values=_names(enums.VM_STATUS)),
        SearchField("memory", m.Vm.memory, kind=I),
        SearchField("type", m.Vm.type, kind=E, enum_values=_names(enums.VM_TYPE)),
        SearchField("os", m.Vm.os_type),
        SearchField("creationdate", m.Vm.creation_time, kind=D, aliases=("creation_date",)),
        SearchField("stateless", m.Vm.stateless, kind=B),
        SearchField("cluster", CLUSTER_NAME_OF_VM, aliases=("cluster.name", "clusters.name")),
        SearchField("host", HOST_NAME_OF_VM, aliases=("host.name", "hosts.name")),
        SearchField("template", TEMPLATE_NAME_OF_VM, aliases=("template.name", "templates.name")),
        SearchField("datacenter", DC_NAME_OF_VM, aliases=("datacenter.name", "datacenters.name")),
    ],
    free_text=[m.Vm.name, m.Vm.description, m.Vm.comment],
    default_sort=[("name", "asc")],
    unique_key=m.Vm.id,
)

HOSTS = SearchSpec(
    entity="Hosts", entity_aliases=("Host",),
    fields=[
        SearchField("name", m.Host.name),
        SearchField("description", m.Host.description),
        SearchField("comment", m.Host.comment),
        SearchField("id", m.Host.id),
        SearchField("address", m.Host.address),
        SearchField("status", m.Host.status, kind=E, enum_values=_names(enums.HOST_STATUS)),
        SearchField("memory", m.Host.memory, kind=I),
        SearchField("cluster", _name_of(m.Cluster, m.Host.cluster_id), aliases=("cluster.name", "clusters.name")),
        SearchField("datacenter",
                    select(m.DataCenter.name).join(m.Cluster, m.Cluster.data_center_id == m.DataCenter.id)
                    .where(m.Cluster.id == m.Host.cluster_id).correlate_except(m.DataCenter, m.Cluster)
                    .scalar_subquery(),
                    aliases=("datacenter.name", "datacenters.name")),
    ],
    free_text=[m.Host.name, m.Host.address, m.Host.description],
    default_sort=[("name", "asc")],
    unique_key=m.Host.id,
)

CLUSTERS = SearchSpec(
    entity="Clusters", entity_aliases=("Cluster",),
    fields=[
        SearchField("name", m.Cluster.name),
        SearchField("description", m.Cluster.description),
        SearchField("comment", m.Cluster.comment),
        SearchField("id", m.Cluster.id),
        SearchField("architecture", m.Cluster.cpu_architecture, kind=E, enum_values=_names(enums.ARCHITECTURE)),
        SearchField("datacenter", _name_of(m.DataCenter, m.Cluster.data_center_id),
                    aliases=("datacenter.name", "datacenters.name")),
    ],
    free_text=[m.Cluster.name, m.Cluster.description],
    default_sort=[("name", "asc")],
    unique_key=m.Cluster.id,
)

DATA_CENTERS = SearchSpec(
    entity="Datacenter", entity_aliases=("Datacenters", "DataCenter", "DataCenters"),
    fields=[
        SearchField("name", m.DataCenter.name),
        SearchField("description", m.DataCenter.description),
        SearchField("comment", m.DataCenter.comment),
        SearchField("id", m.DataCenter.id),
        SearchField("status", m.DataCenter.status, kind=E, enum_values=_names(enums.DATA_CENTER_STATUS)),
        SearchField("local", m.DataCenter.local, kind=B),
        SearchField("clusters.name", m.Cluster.name, aliases=("cluster", "cluster.name"),
                    via=exists_via(select(m.Cluster.id).where(m.Cluster.data_center_id == m.DataCenter.id)
                                   .correlate(m.DataCenter))),
        SearchField("storage.name", m.StorageDomain.name, aliases=("storage", "storagedomains.name"),
                    via=exists_via(select(m.StorageDomain.id)
                                   .where(m.StorageDomain.data_center_id == m.DataCenter.id)
                                   .correlate(m.DataCenter))),
    ],
    free_text=[m.DataCenter.name, m.DataCenter.description],
    default_sort=[("name", "asc")],
    unique_key=m.DataCenter.id,
)

STORAGE_DOMAINS = SearchSpec(
    entity="Storage", entity_aliases=("StorageDomains", "StorageDomain", "Storages"),
    fields=[
        SearchField("name", m.StorageDomain.name),
        SearchField("description", m.StorageDomain.description),
        SearchField("comment", m.StorageDomain.comment),
        SearchField("id", m.StorageDomain.id),
        SearchField("status", m.StorageDomain.status, kind=E, enum_values=_names(enums.STORAGE_DOMAIN_STATUS)),
        SearchField("type", m.StorageDomain.storage_type, kind=E, enum_values=_names(enums.STORAGE_TYPE)),
        SearchField("available", m.StorageDomain.available, kind=I, aliases=("size",)),
        SearchField("used", m.StorageDomain.used, kind=I),
        SearchField("datacenter", _name_of(m.DataCenter, m.StorageDomain.data_center_id),
                    aliases=("datacenter.name", "datacenters.name")),
    ],
    free_text=[m.StorageDomain.name, m.StorageDomain.description],
    default_sort=[("name", "asc")],
    unique_key=m.StorageDomain.id,
)

TEMPLATES = SearchSpec(
    entity="Templates", entity_aliases=("Template",),
    fields=[
        SearchField("name", m.Template.name),
        SearchField("description", m.Template.description),
        SearchField("comment", m.Template.comment),
        SearchField("id", m.Template.id),
        SearchField("status", m.Template.status, kind=E, enum_values=_names(enums.TEMPLATE_STATUS)),
        SearchField("memory", m.Template.memory, kind=I),
        SearchField("os", m.Template.os_type),
        SearchField("creationdate", m.Template.creation_time, kind=D, aliases=("creation_date",)),
        SearchField("cluster", _name_of(m.Cluster, m.Template.cluster_id),
                    aliases=("cluster.name", "clusters.name")),
    ],
    free_text=[m.Template.name, m.Template.description],
    default_sort=[("name", "asc")],
    unique_key=m.Template.id,
)

DISKS = SearchSpec(
    entity="Disks", entity_aliases=("Disk",),
    fields=[
        SearchField("alias", m.Disk.name, aliases=("name",)),
        SearchField("description", m.Disk.description),
        SearchField("id", m.Disk.id),
        SearchField("provisioned_size", m.Disk.provisioned_size, kind=I, aliases=("provisionedsize", "size")),
        SearchField("actual_size", m.Disk.actual_size, kind=I, aliases=("actualsize",)),
        SearchField("status", m.Disk.status, kind=E, enum_values=_names(enums.DISK_STATUS)),
        SearchField("format", m.Disk.format, kind=E, enum_values=_names(enums.DISK_FORMAT)),
        SearchField("shareable", m.Disk.shareable, kind=B),
        SearchField("creationdate", m.Disk.created_at, kind=D, aliases=("creation_date",)),
        SearchField("storage", _name_of(m.StorageDomain, m.Disk.storage_domain_id),
                    aliases=("storage.name", "storagedomain", "storagedomains.name")),
    ],
    free_text=[m.Disk.name, m.Disk.description],
    default_sort=[("alias", "asc")],
    unique_key=m.Disk.id,
)

EVENTS = SearchSpec(
    entity="Events", entity_aliases=("Event",),
    fields=[
        SearchField("id", m.Event.id, kind=I),
        SearchField("severity", m.Event.severity, kind=E, enum_values=_names(enums.LOG_SEVERITY)),
        SearchField("type", m.Event.code, kind=I, aliases=("code",)),
        SearchField("message", m.Event.description, aliases=("description",)),
        SearchField("time", m.Event.time, kind=D),
        SearchField("correlation_id", m.Event.correlation_id, aliases=("correlationid",)),
        SearchField("origin", m.Event.origin),
        SearchField("event_vm", _name_of(m.Vm, m.Event.vm_id), aliases=("vm.name", "vm")),
        SearchField("event_host", _name_of(m.Host, m.Event.host_id), aliases=("host.name", "host")),
        SearchField("event_cluster", _name_of(m.Cluster, m.Event.cluster_id), aliases=("cluster.name",)),
        SearchField("event_datacenter", _name_of(m.DataCenter, m.Event.data_center_id),
                    aliases=("datacenter.name",)),
        SearchField("event_template", _name_of(m.Template, m.Event.template_id), aliases=("template.name",)),
        SearchField("event_storage", _name_of(m.StorageDomain, m.Event.storage_domain_id),
                    aliases=("storage.name",)),
    ],
    free_text=[m.Event.description],
    default_sort=[("id", "desc")],
    unique_key=m.Event.id,
)

JOBS = SearchSpec(
    entity="Jobs", entity_aliases=("Job",),
    fields=[
        SearchField("correlation_id", m.Job.correlation_id, aliases=("correlationid",)),
        SearchField("status", m.Job.status, kind=E, enum_values=_names(enums.JOB_STATUS)),
        SearchField("description", m.Job.description),
        SearchField("start_time", m.Job.start_time, kind=D, aliases=("starttime",)),
        SearchField("id", m.Job.id),
    ],
    free_text=[m.Job.description],
    default_sort=[("start_time", "desc")],
    unique_key=m.Job.id,
)

NETWORKS = SearchSpec(
    entity="Networks", entity_aliases=("Network",),
    fields=[
        SearchField("name", m.Network.name),
        SearchField("description", m.Network.description),
        SearchField("id", m.Network.id),
        SearchField("vlanid", m.Network.vlan_id, kind=I, aliases=("vlan_id",)),
        SearchField("mtu", m.Network.mtu, kind=I),
        SearchField("datacenter", _name_of(m.DataCenter, m.Network.data_center_id),
                    aliases=("datacenter.name", "datacenters.name")),
    ],
    free_text=[m.Network.name, m.Network.description],
    default_sort=[("name", "asc")],
    unique_key=m.Network.id,
)

BY_COLLECTION = {
    "vms": VMS, "hosts": HOSTS, "clusters": CLUSTERS, "datacenters": DATA_CENTERS,
    "storagedomains": STORAGE_DOMAINS, "templates": TEMPLATES, "disks": DISKS, "events": EVENTS,
    "jobs": JOBS, "networks": NETWORKS,
}
