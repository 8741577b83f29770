"""Writes to the API's tables pass the recorder, or fail.

The engine-level listener looks at every statement the database gets. An ``INSERT``, ``UPDATE``,
``DELETE`` or ``TRUNCATE`` of a table whose rows the API shows (or of the documents and the log)
is let through only while the recorder vouches for the connection: during a session's flush, an
ORM statement it has seen, or its own writes of documents. Anything else raises
:class:`UnrecordedWrite`, so a write that would leave documents and the log behind fails loudly.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

VETTED = "engine_emu.vetted"
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+"?(\w+)', re.IGNORECASE)
LOG_TABLES = frozenset({"documents", "changes", "revision_counter", "log_publications"})


class UnrecordedWrite(RuntimeError):
    """A write to an API table that the recorder did not see."""


@contextmanager
def vetted(connection: Connection) -> Iterator[None]:
    """Let writes through ``connection`` while the recorder sees them."""
    connection.info[VETTED] = connection.info.get(VETTED, 0) + 1
    try:
        yield
    finally:
        connection.info[VETTED] -= 1


def install(engine: Engine, guarded_tables: Callable[[], frozenset[str]]) -> None:
    """Refuse unrecorded writes through ``engine`` to ``guarded_tables()`` and the log's tables."""
    tables: list[frozenset[str]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_unrecorded(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        match = _WRITE.match(statement)
        if match is None or conn.info.get(VETTED, 0) > 0:
            return
        if not tables:
            tables.append(guarded_tables() | LOG_TABLES)
        if match.group(1).lower() in tables[0]:
            raise UnrecordedWrite(f"a write to '{match.group(1)}' that does not pass the recorder: "
                                  f"{statement.split(chr(10), 1)[0][:120]}")
