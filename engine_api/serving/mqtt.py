"""The engine's MQTT publisher: the change log of its database, published by the leader process.

:class:`push.mqtt.MqttPublisher` does the publishing; this module gives it the engine's change
log, a row of ``log_publications`` for the last revision published (one row per broker, topic
prefix and mode), the documents table for the first publication of every entity, and the
leadership of the ticker lease, so that with several worker processes exactly one publishes.
"""
from __future__ import annotations

import hashlib
from typing import Any, Callable, Iterable, Iterator, Optional

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from engine_api.config import Config
from engine_api.db import Database
from engine_api.documents.guard import vetted
from engine_api.documents.recorder import LOG
from engine_api.documents.rows import Document, LogPublication, RevisionCounter
from engine_api.feed.changelog import SqlChangeLog
from push.mqtt import Broker, MqttPublisher, StoredDocument, Topics

API_ROOT = "/ovirt-engine/api"


def publication_name(broker: Broker, topics: Topics, mode: str) -> str:
    """The ``log_publications`` row of one broker, prefix and mode: another of them starts afresh."""
    digest = hashlib.sha256(f"{broker.host}:{broker.port}|{topics.prefix}|{mode}".encode()).hexdigest()[:24]
    return f"mqtt:{digest}"


class SqlPublicationStore:
    """The last revision published to one broker, in a row of ``log_publications``."""

    def __init__(self, db: Database, name: str) -> None:
        self.db = db
        self.name = name

    def load(self) -> Optional[int]:
        with self.db.engine.connect() as connection:
            value = connection.execute(select(LogPublication.revision)
                                       .where(LogPublication.name == self.name)).scalar()
        return None if value is None else int(value)

    def save(self, revision: int) -> None:
        with self.db.engine.begin() as connection, vetted(connection):
            moved = connection.execute(update(LogPublication)
                                       .where(LogPublication.name == self.name, LogPublication.revision < revision)
                                       .values(revision=revision)).rowcount
            if moved or connection.execute(select(LogPublication.revision)
                                           .where(LogPublication.name == self.name)).first() is not None:
                return
        try:
            with self.db.engine.begin() as connection, vetted(connection):
                connection.execute(insert(LogPublication).values(name=self.name, revision=revision))
        except IntegrityError:
            self.save(revision)


def document_snapshot(db: Database) -> tuple[int, Iterable[StoredDocument]]:
    """The head revision, then every stored document (each as of the head or later)."""
    with db.engine.connect() as connection:
        head = int(connection.execute(select(RevisionCounter.value).where(RevisionCounter.name == LOG)).scalar()
                   or 0)

    def documents() -> Iterator[StoredDocument]:
        with db.engine.connect() as connection:
            rows = connection.execution_options(stream_results=True, yield_per=1000).execute(
                select(Document.revision, Document.collection, Document.entity_id, Document.href, Document.body)
                .order_by(Document.href))
            for row in rows:
                yield StoredDocument(int(row[0]), row[1], row[2], row[3], row[4])

    return head, documents()


def mqtt_publisher(db: Database, config: Config, leader: Callable[[], bool]) -> Optional[MqttPublisher]:
    """The publisher ``config`` asks for (``--mqtt``), or None; not started."""
    if not config.mqtt:
        return None
    broker = Broker.parse(config.mqtt)
    topics = Topics(prefix=config.mqtt_prefix.strip("/"), root=API_ROOT)
    return MqttPublisher(SqlChangeLog(db), broker, SqlPublicationStore(db, publication_name(broker, topics,
                                                                                            config.mqtt_mode)),
                         leader=leader, snapshot=lambda: document_snapshot(db), mode=config.mqtt_mode,
                         topics=topics, poll_interval=config.feed_poll_interval)


class MqttDuty:
    """The publisher of one serving process, woken by its own commits; :meth:`start`, :meth:`stop`."""

    def __init__(self, db: Database, config: Config, leader: Callable[[], bool]) -> None:
        self.db = db
        self.publisher = mqtt_publisher(db, config, leader)

    def start(self) -> None:
        if self.publisher is not None:
            self.db.recorder.on_commit.append(self.publisher.wake)
            self.publisher.start()

    def stop(self) -> None:
        if self.publisher is None:
            return
        if self.publisher.wake in self.db.recorder.on_commit:
            self.db.recorder.on_commit.remove(self.publisher.wake)
        self.publisher.stop()

    @property
    def published(self) -> Any:
        return None if self.publisher is None else self.publisher.published


def mqtt_leader(db: Database, config: Config, ticker: list[Any]) -> Callable[[], bool]:
    """Whether this process publishes now: while it holds the ticker lease (renewed by its
    ticker), or, without a ticker, a lease of its own."""
    if ticker:
        lease = ticker[0].lease
        return lambda: bool(lease.held)
    from engine_api.serving.lease import Lease

    return Lease(db, "mqtt", seconds=config.lease_seconds).hold
