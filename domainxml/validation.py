"""Validating Domain XML against libvirt's own RelaxNG schema.

The schema ships with libvirt (Debian package ``libvirt0``) as ``domain.rng`` and the files it
includes, in ``/usr/share/libvirt/schemas``. Another directory (or ``domain.rng`` file) can be
given as an argument or in the environment variable ``ENGINE_EMU_LIBVIRT_SCHEMAS``. The
compiled schema is cached per path.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .errors import SchemaNotInstalledError, SchemaValidationError
from .safexml import parse_xml

SCHEMAS_ENV = "ENGINE_EMU_LIBVIRT_SCHEMAS"
DEFAULT_SCHEMAS_DIR = Path("/usr/share/libvirt/schemas")
DOMAIN_SCHEMA = "domain.rng"

_lock = threading.Lock()


def schema_path(location: str | os.PathLike[str] | None = None) -> Path:
    """Where ``domain.rng`` is: the argument, else ``$ENGINE_EMU_LIBVIRT_SCHEMAS``, else libvirt's directory."""
    chosen = Path(location or os.environ.get(SCHEMAS_ENV) or DEFAULT_SCHEMAS_DIR)
    return chosen / DOMAIN_SCHEMA if chosen.is_dir() or chosen.suffix != ".rng" else chosen


@lru_cache(maxsize=8)
def _compiled(path: Path) -> etree.RelaxNG:
    # Loaded from the file path so that the schema's <include href="…"/> resolve next to it.
    return etree.RelaxNG(file=str(path))


def load_schema(location: str | os.PathLike[str] | None = None) -> etree.RelaxNG:
    """libvirt's compiled domain schema, raising :class:`SchemaNotInstalledError` when the files are missing."""
    path = schema_path(location)
    if not path.is_file():
        raise SchemaNotInstalledError(
            f"libvirt's RelaxNG schema {path} is not installed: install the Debian package libvirt0 "
            f"(apt-get install libvirt0), or point {SCHEMAS_ENV} at a directory holding {DOMAIN_SCHEMA}")
    try:
        return _compiled(path.resolve())
    except etree.RelaxNGParseError as exc:
        raise SchemaNotInstalledError(f"libvirt's RelaxNG schema {path} cannot be loaded: {exc}") from None


def validation_errors(xml: str | bytes | etree._Element, location: str | os.PathLike[str] | None = None) -> list[str]:
    """libxml2's messages for ``xml`` against the domain schema; empty when it is valid."""
    schema = load_schema(location)
    root = xml if isinstance(xml, etree._Element) else parse_xml(xml, what="Domain XML")
    with _lock:  # a compiled schema keeps its error log on itself
        if schema.validate(root):
            return []
        return [f"line {entry.line}: {entry.message}" for entry in schema.error_log]


def validate(xml: str | bytes | etree._Element, location: str | os.PathLike[str] | None = None) -> None:
    """Raise :class:`SchemaValidationError` unless ``xml`` is a valid libvirt domain."""
    errors = validation_errors(xml, location)
    if errors:
        raise SchemaValidationError("Domain XML does not validate against libvirt's schema: " + "; ".join(errors),
                                    errors)
