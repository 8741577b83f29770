"""The oVirt type model: one marshmallow schema per oVirt type.

The same schemas render XML and JSON, validate input and describe the API in OpenAPI. The
machinery lives here (fields, the compiled dumper, links); each concept package keeps the schemas
of its own types (``engine_api.vms.schemas``…).
"""
from engine_api.types.base import StructSchema, TypeSchema
from engine_api.types.fields import API_PREFIX, RefSpec

__all__ = ["API_PREFIX", "RefSpec", "StructSchema", "TypeSchema"]
