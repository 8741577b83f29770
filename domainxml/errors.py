"""Exceptions raised by :mod:`domainxml`."""
from __future__ import annotations


class DomainXmlError(ValueError):
    """XML that cannot be accepted: malformed, hostile (DTD, entities, too large) or of the wrong shape."""


class SchemaValidationError(DomainXmlError):
    """A document that libvirt's RelaxNG schema rejects; ``errors`` lists libxml2's messages."""

    def __init__(self, message: str, errors: list[str]) -> None:
        super().__init__(message)
        self.errors = errors


class SchemaNotInstalledError(RuntimeError):
    """libvirt's RelaxNG schema files are not where they were looked for."""


class SpecError(ValueError):
    """A VM specification that cannot be turned into a Domain XML (inconsistent or unusable values)."""
