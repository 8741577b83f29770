"""The oVirt API model as data: every type, attribute, XML name, link, service, parameter,
action and locator of the engine's API, generated from the pinned Python SDK into
``api.json`` (see :mod:`engine_api.model.generate`) and read with :func:`load`.

Standard library only: nothing here imports Flask, SQLAlchemy or the rest of ``engine_api``.
"""
from engine_api.model.loader import (
    Action,
    ApiModel,
    Attribute,
    EnumType,
    Locator,
    Method,
    Parameter,
    Service,
    StructType,
    load,
)

__all__ = [
    "Action",
    "ApiModel",
    "Attribute",
    "EnumType",
    "Locator",
    "Method",
    "Parameter",
    "Service",
    "StructType",
    "load",
]
