"""The recorder: every change a session commits, turned into documents and change records."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

import jsonpatch
from sqlalchemy import Table, delete, event, func, insert, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine_api.documents.catalog import CATALOG, JSON, XML, Catalog, Rendered, Stored
from engine_api.documents.guard import UnrecordedWrite, vetted
from engine_api.models import Base, Change, Document, RevisionCounter

TOUCHED = "engine_emu.touched"
QUEUED = "engine_emu.queued_documents"
REVISION = "engine_emu.revision"
RECORDER = "engine_emu.recorder"
LOG = "changes"

Key = tuple[type, tuple[Any, ...]]


@dataclass(frozen=True)
class Cascade:
    """A foreign key the database follows when its parent row goes: ``CASCADE`` or ``SET NULL``."""

    child: type
    column: str
    deletes: bool


def _cascades(catalog: Catalog) -> dict[str, list[Cascade]]:
    """Per parent table, the foreign keys that point at it with an ``ON DELETE`` action."""
    models = {mapper.local_table.name: mapper.class_ for mapper in Base.registry.mappers}
    found: dict[str, list[Cascade]] = {}
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            action = (fk.ondelete or "").upper()
            if action in ("CASCADE", "SET NULL") and table.name in models:
                found.setdefault(fk.column.table.name, []).append(
                    Cascade(models[table.name], fk.parent.key, action == "CASCADE"))
    return found


def _primary_key(mapper: Any, row: dict[str, Any]) -> tuple[Any, ...]:
    """The primary key of a row a bulk insert brings, filled from the column's default if absent."""
    identity = []
    for column in mapper.primary_key:
        attribute = mapper.get_property_by_column(column).key
        if row.get(attribute) is None:
            default = column.default
            if default is None or not default.is_callable:
                raise UnrecordedWrite(f"a bulk insert into '{mapper.local_table.name}' without its primary key")
            row[attribute] = default.arg(None)
        identity.append(row[attribute])
    return tuple(identity)


def _key(model: type, identity: Iterable[Any]) -> Key:
    return model, tuple(identity)


def _row_key(identity: tuple[Any, ...]) -> str:
    return ",".join(str(part) for part in identity)


class Recorder:
    """Sees every write of the sessions it is installed on; writes documents and the log.

    Entities without rows (the generic store's) are written with :meth:`put` and :meth:`delete`,
    which queue their documents for the same commit. Whatever a commit deletes, with a row or
    without, takes the row-less documents beneath it (by ``parent_href``) along, logged deleted.

    ``on_commit`` callbacks get the last revision a committed transaction logged (after commit,
    never before), to wake up whoever waits for changes.
    """

    def __init__(self, catalog: Catalog = CATALOG) -> None:
        self.catalog = catalog
        self.on_commit: list[Callable[[int], None]] = []
        self._cascade_map: Optional[dict[str, list[Cascade]]] = None

    @property
    def cascade_map(self) -> dict[str, list[Cascade]]:
        if self._cascade_map is None:
            self._cascade_map = _cascades(self.catalog)
        return self._cascade_map

    def install(self, sessions: sessionmaker[Session]) -> None:
        sessions.configure(info={RECORDER: self})
        event.listen(sessions, "before_flush", self._before_flush)
        event.listen(sessions, "after_flush", self._after_flush)
        event.listen(sessions, "after_flush_postexec", self._after_flush_postexec)
        event.listen(sessions, "do_orm_execute", self._do_orm_execute)
        event.listen(sessions, "before_commit", self._before_commit)
        event.listen(sessions, "after_commit", self._after_commit)
        event.listen(sessions, "after_begin", self._after_begin)

    # -- seeing writes ---------------------------------------------------------------------------
    @staticmethod
    def _touched(session: Session) -> dict[Key, bool]:
        """Keys of the rows this transaction touched, each with whether to reload it."""
        return session.info.setdefault(TOUCHED, {})

    def _after_begin(self, session: Session, transaction: Any, connection: Any) -> None:
        connection.info["engine_emu.vetted"] = 0

    def _before_flush(self, session: Session, flush_context: Any, instances: Any) -> None:
        deleted: dict[type, list[tuple[Any, ...]]] = {}
        for obj in session.deleted:
            identity = inspect(obj).identity
            if identity is not None:
                deleted.setdefault(type(obj), []).append(identity)
        if deleted:
            with session.no_autoflush:
                for model, identities in deleted.items():
                    self._follow_cascades(session, model, identities)
        session.connection().info["engine_emu.vetted"] += 1

    def _after_flush(self, session: Session, flush_context: Any) -> None:
        touched = self._touched(session)
        for obj in (*session.new, *session.dirty, *session.deleted):
            if self.catalog.shown(type(obj)):
                identity = inspect(obj).identity or inspect(obj).mapper.primary_key_from_instance(obj)
                touched.setdefault(_key(type(obj), identity), False)

    def _after_flush_postexec(self, session: Session, flush_context: Any) -> None:
        session.connection().info["engine_emu.vetted"] -= 1

    def _follow_cascades(self, session: Session, model: type, identities: list[tuple[Any, ...]]) -> None:
        """Mark the rows the database will delete or null along with ``identities`` of ``model``."""
        touched = self._touched(session)
        parent_ids = [identity[0] for identity in identities]
        for cascade in self.cascade_map.get(inspect(model).local_table.name, ()):
            child = inspect(cascade.child)
            rows = [tuple(row) for row in session.execute(
                select(*child.primary_key).where(getattr(cascade.child, cascade.column).in_(parent_ids)))]
            if not rows:
                continue
            if self.catalog.shown(cascade.child):
                for identity in rows:
                    touched[_key(cascade.child, identity)] = True
            if cascade.deletes:
                self._follow_cascades(session, cascade.child, rows)

    def _do_orm_execute(self, state: Any) -> Any:
        if not (state.is_insert or state.is_update or state.is_delete):
            return None
        mapper = state.bind_mapper
        if mapper is None:
            return None
        model = mapper.class_
        session: Session = state.session
        touched = self._touched(session)
        with session.no_autoflush:
            if state.is_insert:
                rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
                if self.catalog.shown(model):
                    for row in rows:
                        touched[_key(model, _primary_key(mapper, row))] = True
            else:
                where = state.statement.whereclause
                query = select(*mapper.primary_key)
                identities = [tuple(row) for row in session.execute(query.where(where) if where is not None
                                                                     else query)]
                if self.catalog.shown(model):
                    for identity in identities:
                        touched[_key(model, identity)] = True
                if state.is_delete and identities:
                    self._follow_cascades(session, model, identities)
        with vetted(session.connection()):
            return state.invoke_statement()

    @staticmethod
    def of(session: Session) -> "Recorder":
        """The recorder installed on ``session``."""
        return session.info[RECORDER]

    # -- documents without rows ------------------------------------------------------------------
    @staticmethod
    def _queued(session: Session) -> dict[str, Optional["_Put"]]:
        """Row-less documents this transaction writes, by href: what to store, or None to delete."""
        return session.info.setdefault(QUEUED, {})

    def put(self, session: Session, collection: str, href: str, parent_href: Optional[str], entity_id: str,
            tag: str, data: dict[str, Any]) -> "Rendered":
        """Store ``data`` (the wire shape, typed values) as the document at ``href`` when the
        transaction commits: added, or modified when one is there (logged only if it differs).

        ``collection`` is the document's collection key, ``tag`` its XML element. Returns the
        rendering to be stored.
        """
        from engine_api.db import READ_ONLY, WriteInRead

        read = session.info.get(READ_ONLY)
        if read is not None:
            raise WriteInRead(f"{read} is a read, yet it stores the document {href}")
        rendered = Rendered(JSON.wire(data), JSON.fragment(tag, data), XML.fragment(tag, data))
        self._queued(session)[href] = _Put(collection, parent_href, entity_id, rendered)
        return rendered

    def delete(self, session: Session, href: str) -> None:
        """Delete the row-less document at ``href`` (and those beneath it) when the transaction commits."""
        from engine_api.db import READ_ONLY, WriteInRead

        read = session.info.get(READ_ONLY)
        if read is not None:
            raise WriteInRead(f"{read} is a read, yet it deletes the document {href}")
        self._queued(session)[href] = None

    def _queued_changes(self, session: Session, queued: dict[str, Optional["_Put"]],
                        taken: set[str]) -> list["_Pending"]:
        hrefs = [href for href in queued if href not in taken]
        previous = self._documents(session, Document.href.in_, hrefs)
        pending = []
        for href in hrefs:
            new, old = queued[href], previous.get(href)
            old_body = json.loads(old.body) if old is not None else None
            if new is None:
                if old is not None:
                    pending.append(_Pending(old.collection, old.entity_id, href, old.parent_href, old.row_key,
                                            old_body, None))
            elif new.rendered.wire != old_body:
                pending.append(_Pending(new.collection, new.entity_id, href, new.parent_href,
                                        old.row_key if old is not None else "", old_body, new.rendered))
        return pending

    def _beneath(self, session: Session, deleted: list[str], taken: set[str]) -> list["_Pending"]:
        """Row-less documents whose ``parent_href`` chain leads to a deleted href, as deletions."""
        pending: list[_Pending] = []
        bespoke = list(self.catalog.collections)
        while deleted:
            found = [doc for doc in self._documents(session, Document.parent_href.in_, deleted).values()
                     if doc.href not in taken and doc.collection not in bespoke]
            for doc in found:
                taken.add(doc.href)
                pending.append(_Pending(doc.collection, doc.entity_id, doc.href, doc.parent_href, doc.row_key,
                                        json.loads(doc.body), None))
            deleted = [doc.href for doc in found]
        return pending

    @staticmethod
    def _documents(session: Session, where: Callable[[list[str]], Any], values: list[str]) -> dict[str, Document]:
        found: dict[str, Document] = {}
        with session.no_autoflush:
            for start in range(0, len(values), 500):
                for doc in session.scalars(select(Document).where(where(values[start:start + 500]))):
                    found[doc.href] = doc
        return found

    def clear(self, session: Session) -> None:
        """Delete every row of every table but the log's, logging each document as deleted.

        What a reset to another scenario does first; the log and its revisions go on.
        """
        from engine_api.documents.guard import LOG_TABLES

        session.flush()
        session.info.pop(TOUCHED, None)
        session.info.pop(QUEUED, None)
        tables = [table for table in Base.metadata.sorted_tables if table.name not in LOG_TABLES]
        _empty(session, tables, restart_identity=True)
        pending = [_Pending(doc.collection, doc.entity_id, doc.href, doc.parent_href, doc.row_key,
                            json.loads(doc.body), None) for doc in session.scalars(select(Document))]
        session.expunge_all()
        if pending:
            self._write(session, pending)

    def capture(self, session: Session) -> "StateCapture":
        """Every row of every table but the log's and the leases', and every document: the whole
        state, as :meth:`restore` puts it back. Read in one transaction, so it is consistent."""
        session.flush()
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        rows = {table.name: [dict(row._mapping) for row in connection.execute(table.select())]
                for table in _state_tables()}
        documents = {doc.href: doc for doc in (
            _CapturedDocument(row.href, row.collection, row.entity_id, row.parent_href, row.row_key, row.body, row.xml)
            for row in connection.execute(select(Document.href, Document.collection, Document.entity_id,
                                                 Document.parent_href, Document.row_key, Document.body,
                                                 Document.xml)))}
        return StateCapture(rows, documents)

    def restore(self, session: Session, capture: "StateCapture") -> int:
        """Put back the state :meth:`capture` took; returns how many documents it changed.

        Rows are replaced wholesale. Documents that differ from the captured ones are logged as
        changes (added, modified or deleted), so the log and its revisions go on, and a feed
        reader sees a restore as the changes it makes."""
        session.flush()
        session.info.pop(TOUCHED, None)
        session.info.pop(QUEUED, None)
        tables = _state_tables()
        _empty(session, tables, restart_identity=False)
        current = {doc.href: doc for doc in session.scalars(select(Document))}
        connection = session.connection()
        with vetted(connection):
            for table in tables:
                if capture.rows.get(table.name):
                    connection.execute(table.insert(), capture.rows[table.name])
            if connection.dialect.name == "postgresql":
                for table in tables:
                    for column in table.primary_key.columns:
                        if column.autoincrement is True:
                            connection.exec_driver_sql(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                                f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)")
        session.expunge_all()
        pending: list[_Pending] = []
        for href, doc in current.items():
            kept = capture.documents.get(href)
            if kept is None:
                pending.append(_Pending(doc.collection, doc.entity_id, href, doc.parent_href, doc.row_key,
                                        json.loads(doc.body), None))
            elif kept.body != doc.body or kept.row_key != doc.row_key or kept.parent_href != doc.parent_href:
                pending.append(_Pending(kept.collection, kept.entity_id, href, kept.parent_href, kept.row_key,
                                        json.loads(doc.body), kept.rendered()))
        for href, kept in capture.documents.items():
            if href not in current:
                pending.append(_Pending(kept.collection, kept.entity_id, href, kept.parent_href, kept.row_key,
                                        None, kept.rendered()))
        if pending:
            self._write(session, pending)
        return len(pending)

    # -- documents and the log -------------------------------------------------------------------
    def _before_commit(self, session: Session) -> None:
        session.flush()
        session.info.pop(REVISION, None)
        touched = session.info.pop(TOUCHED, None)
        queued = session.info.pop(QUEUED, None)
        if not touched and not queued:
            return
        changes = self._changes(session, touched) if touched else []
        taken = {change.href for change in changes}
        if queued:
            changes += self._queued_changes(session, queued, taken)
        deleted = [change.href for change in changes if change.new is None]
        if deleted:
            changes += self._beneath(session, deleted, {change.href for change in changes})
        if changes:
            self._write(session, changes)

    def _after_commit(self, session: Session) -> None:
        revision = session.info.get(REVISION)
        session.info.pop(TOUCHED, None)
        session.info.pop(QUEUED, None)
        if revision is not None:
            for callback in self.on_commit:
                callback(revision)

    def _changes(self, session: Session, touched: dict[Key, bool]) -> list["_Pending"]:
        current: dict[str, tuple[Stored, Any, tuple[Any, ...]]] = {}
        gone: dict[type, list[str]] = {}
        with session.no_autoflush:
            for (model, identity), reload in touched.items():
                row = session.get(model, identity if len(identity) > 1 else identity[0], populate_existing=reload)
                stored = self.catalog.stored_for(row) if row is not None else None
                if stored is None:
                    gone.setdefault(model, []).append(_row_key(identity))
                else:
                    current[stored.href(row)] = (stored, row, identity)
            previous: dict[str, Document] = {}
            hrefs = list(current)
            for start in range(0, len(hrefs), 500):
                for doc in session.scalars(select(Document).where(Document.href.in_(hrefs[start:start + 500]))):
                    previous[doc.href] = doc
            for model, keys in gone.items():
                collections = self.catalog.keys_of(model)
                for start in range(0, len(keys), 500):
                    for doc in session.scalars(select(Document).where(Document.collection.in_(collections),
                                                                      Document.row_key.in_(keys[start:start + 500]))):
                        if doc.href not in current:
                            previous[doc.href] = doc
        pending: list[_Pending] = []
        for href, (stored, row, identity) in current.items():
            rendered = stored.render(row)
            old = previous.pop(href, None)
            old_body = json.loads(old.body) if old is not None else None
            if rendered.wire != old_body:
                pending.append(_Pending(stored.key, stored.entity_id(row), href, stored.parent_href(row),
                                        _row_key(identity), old_body, rendered))
        for href, doc in previous.items():
            pending.append(_Pending(doc.collection, doc.entity_id, href, doc.parent_href, doc.row_key,
                                    json.loads(doc.body), None))
        return pending

    def _write(self, session: Session, pending: list["_Pending"]) -> None:
        for doc in session.identity_map.values():
            if isinstance(doc, Document):
                session.expunge(doc)
        connection = session.connection()
        with vetted(connection):
            last = connection.execute(update(RevisionCounter).where(RevisionCounter.name == LOG)
                                      .values(value=RevisionCounter.value + len(pending))
                                      .returning(RevisionCounter.value)).scalar()
            if last is None:
                last = len(pending)
                connection.execute(insert(RevisionCounter).values(name=LOG, value=last))
            now = time.time()
            revision = last - len(pending)
            records = []
            for change in pending:
                revision += 1
                document = change.new.json if change.new is not None else None
                records.append({"revision": revision, "collection": change.collection, "entity_id": change.entity_id,
                                "href": change.href, "kind": change.kind, "document": document,
                                "patch": json.dumps(change.patch(), separators=(",", ":")), "committed_at": now})
                connection.execute(delete(Document).where(Document.href == change.href))
                if document is not None:
                    connection.execute(insert(Document).values(
                        href=change.href, collection=change.collection, entity_id=change.entity_id,
                        parent_href=change.parent_href, row_key=change.row_key or insertion_key(revision),
                        revision=revision, body=document,
                        xml=change.new.xml))
            connection.execute(insert(Change), records)
            if connection.dialect.name == "postgresql":
                connection.execute(select(func.pg_notify("engine_emu_changes", str(last))))
        session.info[REVISION] = last


@dataclass(frozen=True)
class _Put:
    """A row-less document queued by :meth:`Recorder.put`."""

    collection: str
    parent_href: Optional[str]
    entity_id: str
    rendered: Rendered


def insertion_key(revision: int) -> str:
    """The ``row_key`` of a row-less document: the revision that added it, so that the
    documents of a collection sort in the order they were added."""
    return f"{revision:020d}"


@dataclass
class _Pending:
    """A document to write: ``row_key`` is empty for a row-less document not stored yet."""

    collection: str
    entity_id: str
    href: str
    parent_href: Optional[str]
    row_key: str
    old: Optional[dict[str, Any]]
    new: Optional["Rendered"]

    @property
    def kind(self) -> str:
        return "added" if self.old is None else "deleted" if self.new is None else "modified"

    def patch(self) -> list[dict[str, Any]]:
        if self.new is None:
            return [{"op": "remove", "path": ""}]
        if self.old is None:
            return [{"op": "add", "path": "", "value": self.new.wire}]
        return jsonpatch.make_patch(self.old, self.new.wire).patch


def guarded_tables(catalog: Catalog = CATALOG) -> frozenset[str]:
    return frozenset(inspect(model).local_table.name for model in catalog.by_model)


__all__ = ["Recorder", "guarded_tables", "Table"]


@dataclass(frozen=True)
class _CapturedDocument:
    href: str
    collection: str
    entity_id: str
    parent_href: Optional[str]
    row_key: str
    body: str
    xml: str

    def rendered(self) -> Rendered:
        return Rendered(json.loads(self.body), self.body, self.xml)


@dataclass(frozen=True)
class StateCapture:
    """The whole state of an engine: its rows by table, and its documents by href."""

    rows: dict[str, list[dict[str, Any]]]
    documents: dict[str, _CapturedDocument]


#: Tables a capture leaves out: the log's (a restore logs its changes instead) and the leases,
#: which say which process runs the ticker now, not what the engine holds.
UNCAPTURED = frozenset({"engine_leases"})


def _empty(session: Session, tables: list[Table], *, restart_identity: bool) -> None:
    """Delete every row of ``tables``, holding off every other writer until the session ends.

    On PostgreSQL ``TRUNCATE`` locks the tables (it waits for the transactions that use them, and
    blocks those that come after), and the documents table is locked against writers too, so the
    documents read next are those of the rows just deleted; SQLite's writers already wait for the
    session's write lock (``BEGIN IMMEDIATE``, or its first write)."""
    connection = session.connection()
    with vetted(connection):
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            for table in reversed(tables):
                connection.execute(table.delete())
        else:
            restart = " RESTART IDENTITY" if restart_identity else ""
            connection.exec_driver_sql(f"TRUNCATE {', '.join(t.name for t in tables)}{restart} CASCADE")
            connection.exec_driver_sql("LOCK TABLE documents IN SHARE ROW EXCLUSIVE MODE")


def _state_tables() -> list[Table]:
    from engine_api.documents.guard import LOG_TABLES

    return [table for table in Base.metadata.sorted_tables
            if table.name not in LOG_TABLES and table.name not in UNCAPTURED]
