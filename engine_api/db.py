"""Database engine and sessions: SQLite by default, PostgreSQL by URL."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from sqlalchemy import create_engine, event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine_api import limits
from engine_api.models import Base


@dataclass
class StatementCounter:
    """Counts SQL statements and their time per thread (one request = one thread)."""

    _local: threading.local = field(default_factory=threading.local)

    def reset(self) -> None:
        self._local.count = 0
        self._local.seconds = 0.0

    @property
    def count(self) -> int:
        return getattr(self._local, "count", 0)

    @property
    def seconds(self) -> float:
        return getattr(self._local, "seconds", 0.0)

    def _add(self, seconds: float) -> None:
        self._local.count = self.count + 1
        self._local.seconds = self.seconds + seconds


class DriverStatements:
    """How many statements ran on the driver's cursor directly, out of SQLAlchemy's sight (whose
    events count all others): the direct reads' lookups."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.count += 1


def _normalize_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://"):]
    return url


class Database:
    """An engine, a session factory and a statement counter for one database URL."""

    def __init__(self, url: str, pool_size: int = 16) -> None:
        """``pool_size`` connections at most: as many as the threads that use the database."""
        self.url = _normalize_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": 30}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_recycle"] = 3600
        self.engine: Engine = create_engine(self.url, **kwargs)
        self.counter = StatementCounter()
        self.driver_statements = DriverStatements()
        self._install_listeners()
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        limits.install(self.sessions)
        _guard_reads(self.sessions)
        from engine_api.documents import guard
        from engine_api.documents.recorder import Recorder, guarded_tables

        self.recorder = Recorder()
        self.recorder.install(self.sessions)
        guard.install(self.engine, guarded_tables)

    def _install_listeners(self) -> None:
        import time

        counter = self.counter

        @event.listens_for(self.engine, "before_cursor_execute")
        def _before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
            conn.info.setdefault("query_start", []).append(time.perf_counter())

        @event.listens_for(self.engine, "after_cursor_execute")
        def _after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
            started = conn.info["query_start"].pop()
            counter._add(time.perf_counter() - started)

        if self.is_sqlite:
            @event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_connection: Any, record: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()

    def create_schema(self) -> None:
        """The tables, and the change log's revision counter (at 0 in a new database)."""
        from sqlalchemy.exc import IntegrityError

        from engine_api.documents.guard import vetted
        from engine_api.models import RevisionCounter

        Base.metadata.create_all(self.engine)
        with self.engine.connect() as connection:
            if connection.execute(select(RevisionCounter.value)).first() is None:
                try:
                    with vetted(connection):
                        connection.execute(insert(RevisionCounter).values(name="changes", value=0))
                    connection.commit()
                except IntegrityError:
                    connection.rollback()

    def drop_schema(self) -> None:
        Base.metadata.drop_all(self.engine)

    @contextmanager
    def transaction(self, *, immediate: bool = False) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any error.

        ``immediate`` takes SQLite's write lock at the start (``BEGIN IMMEDIATE``), for work that
        reads and then writes what it read and must not see another writer commit in between;
        on PostgreSQL such work takes row locks (``SELECT … FOR UPDATE``) instead.
        """
        with self.sessions() as session:
            with session.begin():
                if immediate and self.is_sqlite:
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                yield session

    def dispose(self) -> None:
        self.engine.dispose()


class WriteInRead(RuntimeError):
    """A transaction that serves a read tried to write to the database."""


def _pending_changes(session: Session) -> list[Any]:
    """The objects a flush of ``session`` would insert, update or delete."""
    modified = [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    return [*session.new, *modified, *session.deleted]


READ_ONLY = "engine_emu.read_only"


def refuse_writes(session: Session, read: str) -> None:
    """Make any write through ``session`` raise :class:`WriteInRead`; ``read`` names what it serves.

    Both ORM changes (found when the session flushes) and ``INSERT``/``UPDATE``/``DELETE``
    statements executed through the session are refused, by listeners that every session of a
    :class:`Database` carries (:func:`_guard_reads`).
    """
    session.info[READ_ONLY] = read


def _guard_reads(sessions: sessionmaker[Session]) -> None:
    @event.listens_for(sessions, "before_flush")
    def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
        read = session.info.get(READ_ONLY)
        if read is None:
            return
        changed = _pending_changes(session)
        if changed:
            names = sorted({type(obj).__name__ for obj in changed})
            raise WriteInRead(f"{read} is a read, yet it changes {', '.join(names)} rows")

    @event.listens_for(sessions, "do_orm_execute")
    def _do_orm_execute(state: Any) -> None:
        read = state.session.info.get(READ_ONLY)
        if read is not None and (state.is_insert or state.is_update or state.is_delete):
            raise WriteInRead(f"{read} is a read, yet it executes {type(state.statement).__name__.upper()}")
