"""The oVirt type model: one marshmallow schema per oVirt type.

The same schemas render XML and JSON, validate input and describe the API in OpenAPI.
"""
from engine_api.types.base import StructSchema, TypeSchema
from engine_api.types.fields import API_PREFIX, RefSpec
from engine_api.types.infra import Cluster, DataCenter, Host, HostNic, Network, StorageDomain, VnicProfile
from engine_api.types.system import ActionParameters, Api, Event, Fault, Job, User
from engine_api.types.vms import Disk, DiskAttachment, Nic, Template, Vm

ENTITY_TYPES: tuple[type[TypeSchema], ...] = (
    DataCenter, Cluster, Host, HostNic, StorageDomain, Network, VnicProfile,
    Template, Vm, Disk, DiskAttachment, Nic, Event, Job, User,
)
BY_TYPE_NAME = {schema.type_name: schema for schema in ENTITY_TYPES}

__all__ = [
    "API_PREFIX", "ActionParameters", "Api", "BY_TYPE_NAME", "Cluster", "DataCenter", "Disk",
    "DiskAttachment", "ENTITY_TYPES", "Event", "Fault", "Host", "HostNic", "Job", "Network",
    "Nic", "RefSpec", "StorageDomain", "StructSchema", "Template", "TypeSchema", "User", "Vm",
    "VnicProfile",
]
