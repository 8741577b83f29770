"""The fault a database error answers: no error of the database is ever a 500.

The checks before SQL (the type model, :mod:`engine_api.limits`) keep bad values away from the
database; this is the net for what they miss and for a database that is busy. A constraint
violation is a conflict (409), a value the database refuses is a bad request (400), a lock,
a serialization failure, a lost connection or an exhausted pool is worth a retry (503 with
``Retry-After``).
"""
from __future__ import annotations

import logging

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from engine_api.faults import BadRequest, Conflict, Fault, ServiceUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1

#: Words of SQLite's and PostgreSQL's messages for work that another transaction got in the way of.
_TRANSIENT = (
    "database is locked",
    "database table is locked",
    "could not serialize",
    "deadlock detected",
    "could not obtain lock",
    "lock timeout",
    "connection",
    "server closed",
    "terminating",
)
#: PostgreSQL's codes for the same: serialization failure, deadlock, lock not available, admin
#: shutdown; every code of class 08 is a connection exception.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57P01", "57P02", "57P03"})
#: Words of SQLite's messages for a statement over one of its limits (expression depth, variables).
_OVER_LIMIT = ("too large", "too many", "too big")


def cause(error: SQLAlchemyError) -> str:
    """The first line of the database's own message, without the statement or its parameters."""
    original = error.orig if isinstance(error, DBAPIError) else error
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


def _is_transient(error: SQLAlchemyError) -> bool:
    if isinstance(error, (PoolTimeoutError, DisconnectionError)):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) if isinstance(error, DBAPIError) else None
    if isinstance(sqlstate, str) and (sqlstate in _TRANSIENT_SQLSTATES or sqlstate.startswith("08")):
        return True
    message = cause(error).lower()
    return any(words in message for words in _TRANSIENT)


def fault_for(error: SQLAlchemyError) -> Fault:
    """The fault that answers a request whose work failed with ``error``."""
    if isinstance(error, IntegrityError):
        return Conflict(f"[Cannot complete the operation. It conflicts with existing data: {cause(error)}.]")
    if isinstance(error, DataError):
        return BadRequest(f"A value of the request cannot be stored or compared: {cause(error)}")
    if _is_transient(error):
        return ServiceUnavailable(f"The database is busy ({cause(error)}); retry the request",
                                  retry_after=RETRY_AFTER_SECONDS)
    if isinstance(error, OperationalError) and any(words in cause(error).lower() for words in _OVER_LIMIT):
        return BadRequest(f"The request is over a limit of the database: {cause(error)}")
    return ServiceUnavailable(f"The database could not complete the request: {cause(error)}")


def log_cause(error: SQLAlchemyError, fault: Fault, method: str, path: str) -> None:
    """Keep the whole database error, statement included, in the log."""
    level = logging.ERROR if fault.status >= 500 else logging.WARNING
    log.log(level, "%s %s answered %d: database error", method, path, fault.status, exc_info=error)
