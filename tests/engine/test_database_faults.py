"""What each database error answers: a fault with a 4xx or 503 status, never a 500."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import (
    DataError,
    IntegrityError,
    InternalError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from engine_api.database_faults import fault_for


class _PostgresError(Exception):
    """A driver error carrying PostgreSQL's SQLSTATE, as psycopg's do."""

    def __init__(self, message, sqlstate):
        super().__init__(message)
        self.sqlstate = sqlstate


def _error(kind, message, sqlstate=None):
    original = Exception(message + "\nDETAIL: more") if sqlstate is None else _PostgresError(message, sqlstate)
    return kind("SELECT 1 WHERE secret = ?", ("hidden",), original)


@pytest.mark.parametrize("error, status, retry_after", [
    (_error(IntegrityError, "UNIQUE constraint failed: vms.name"), 409, None),
    (_error(DataError, "value too long for type character varying(255)"), 400, None),
    (_error(OperationalError, "database is locked"), 503, "1"),
    (_error(OperationalError, "could not serialize access due to concurrent update"), 503, "1"),
    (_error(OperationalError, "deadlock detected"), 503, "1"),
    (_error(OperationalError, "server closed the connection unexpectedly"), 503, "1"),
    (PoolTimeoutError("QueuePool limit of size 10 overflow 20 reached"), 503, "1"),
    (_error(OperationalError, "Expression tree is too large (maximum depth 1000)"), 400, None),
    (_error(OperationalError, "too many SQL variables"), 400, None),
    (_error(OperationalError, "no such table: vms"), 503, None),
    (_error(ProgrammingError, "operator does not exist: integer = character varying"), 503, None),
    (_error(InternalError, "current transaction is aborted"), 503, None),
    (_error(OperationalError, "konnte Zugriff nicht serialisieren", "40001"), 503, "1"),
    (_error(OperationalError, "Verklemmung entdeckt", "40P01"), 503, "1"),
    (_error(OperationalError, "Verbindung verloren", "08006"), 503, "1"),
])
def test_database_errors_are_faults(error, status, retry_after):
    fault = fault_for(error)
    assert fault.status == status
    assert fault.headers().get("Retry-After") == retry_after
    assert "hidden" not in fault.detail and "SELECT" not in fault.detail and "DETAIL" not in fault.detail
