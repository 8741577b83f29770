"""Publishing the change log to an MQTT broker: one retained topic per entity, and the changes.

A :class:`MqttPublisher` follows a :class:`~push.source.ChangeSource` in a thread of its own and
publishes every change record after it has committed, at QoS 1, in revision order:

* on ``<prefix>/<path>``, the entity's own topic (its href below the API root:
  ``ovirt/vms/<id>``, ``ovirt/vms/<vm>/nics/<nic>``), a retained message with the entity's
  revision and document, ``{"revision": "812", "collection": "vms", "id": …, "href": …,
  "document": {…}}``; a deleted entity's topic gets an empty retained message, which clears it;
* on ``<prefix>/changes``, the change record itself, as the feed carries it (not retained).

In ``doctor`` mode the entity's topic gets what Doctor REST published instead, not retained:
``+`` when the entity was added, ``-`` when it was deleted, otherwise its changed top-level
keys joined with commas (``status,memory``), the removed ones included.

What has been published is kept by a :class:`PublicationStore` (a row of the engine's database):
after every batch the broker has acknowledged, the publisher records its last revision, and
after a restart, a broker outage or a change of leader it resumes from there, so a change is
published at least once and, but for the batch in flight when something failed, once. Only
while ``leader()`` is true does the publisher connect and publish; with several processes on
one log, exactly one of them is the leader. When nothing has been published yet (or the log
no longer holds the changes after the stored revision), the documents mode first publishes the
current document of every entity (``snapshot()``), then follows the log from the revision the
snapshot was read after.

This module knows change records and MQTT, not the engine: the source, the store, the snapshot
and the leadership come from whoever starts the publisher.
"""
from __future__ import annotations

import collections
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Protocol
from urllib.parse import unquote, urlsplit

from push.records import ChangeRecord, Gone, _one_line
from push.source import ChangeSource

log = logging.getLogger(__name__)

MODES = ("documents", "doctor")
#: The topic of the change records, below the prefix.
CHANGES = "changes"
#: Change records read and published per batch, before the broker's acknowledgements are awaited.
BATCH = 500
QOS = 1


class BrokerUnavailable(Exception):
    """The broker could not be reached, refused the connection, or dropped it."""


@dataclass(frozen=True)
class Broker:
    """Where the broker listens, from ``mqtt://[user[:password]@]host[:port]`` (``mqtts://`` for TLS)."""

    host: str
    port: int
    tls: bool = False
    username: Optional[str] = None
    password: Optional[str] = None

    @classmethod
    def parse(cls, url: str) -> "Broker":
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError(f"an MQTT broker is given as mqtt://host:port or mqtts://host:port, not {url!r}")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"an MQTT broker URL has no path or query: {url!r}")
        tls = parts.scheme == "mqtts"
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError:
            raise ValueError(f"the port of {url!r} is not a port number") from None
        return cls(parts.hostname, port, tls, unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)

    def __str__(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def _escape(path: str) -> str:
    """``path`` as an MQTT topic name: the wildcards ``+`` and ``#``, NUL and ``%`` percent-encoded."""
    if not any(c in path for c in "+#%\0"):
        return path
    return "".join(f"%{ord(c):02X}" if c in "+#%\0" else c for c in path)


@dataclass(frozen=True)
class Topics:
    """Topic names: ``prefix`` then an entity's href below ``root``, or ``prefix/changes``."""

    prefix: str = "ovirt"
    root: str = "/ovirt-engine/api"

    def entity(self, href: str) -> str:
        path = href[len(self.root):] if self.root and href.startswith(self.root + "/") else href
        path = _escape(path.strip("/"))
        return f"{self.prefix}/{path}" if self.prefix else path

    @property
    def changes(self) -> str:
        return f"{self.prefix}/{CHANGES}" if self.prefix else CHANGES


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    retain: bool


@dataclass(frozen=True)
class StoredDocument:
    """An entity's current document (JSON text) and the revision of the change that last touched it."""

    revision: int
    collection: str
    entity_id: str
    href: str
    document: str


def entity_payload(revision: int, collection: str, entity_id: str, href: str, document: str) -> bytes:
    """The retained message of an entity's topic: its revision and document, as one line of JSON."""
    head = json.dumps({"revision": str(revision), "collection": collection, "id": entity_id, "href": href},
                      ensure_ascii=False, separators=(",", ":"))
    return (head[:-1] + ',"document":' + _one_line(document) + "}").encode()


def _unescape_pointer(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def changed_keys(patch: str, document: Optional[str] = None) -> list[str]:
    """The top-level keys an RFC 6902 patch changes, in the order it first touches them.

    An operation on the whole document (path ``""``) counts as changing every key of
    ``document``.
    """
    keys: dict[str, None] = {}
    for operation in json.loads(patch):
        pointers = [operation.get("path")]
        if operation.get("op") == "move":
            pointers.append(operation.get("from"))
        for pointer in pointers:
            if pointer is None:
                continue
            if pointer == "":
                if document is not None:
                    value = json.loads(document)
                    if isinstance(value, dict):
                        keys.update(dict.fromkeys(value))
                continue
            keys[_unescape_pointer(pointer.split("/", 2)[1])] = None
    return list(keys)


def doctor_payload(record: ChangeRecord) -> Optional[bytes]:
    """What Doctor REST published for ``record``: ``+``, ``-``, or the changed top-level keys
    joined with commas; None when no key changed."""
    if record.kind == "added":
        return b"+"
    if record.kind == "deleted":
        return b"-"
    keys = changed_keys(record.patch, record.document)
    return ",".join(keys).encode() if keys else None


def messages(record: ChangeRecord, topics: Topics, mode: str = "documents") -> list[Message]:
    """The messages that publish ``record``: its entity's topic, then the changes topic."""
    topic = topics.entity(record.href)
    out: list[Message] = []
    if mode == "doctor":
        payload = doctor_payload(record)
        if payload is not None:
            out.append(Message(topic, payload, False))
    elif record.document is None:
        out.append(Message(topic, b"", True))
    else:
        out.append(Message(topic, entity_payload(record.revision, record.collection, record.entity_id,
                                                 record.href, record.document), True))
    out.append(Message(topics.changes, record.json_text().encode(), False))
    return out


def snapshot_message(document: StoredDocument, topics: Topics) -> Message:
    """The retained message of an entity's topic from its stored document."""
    return Message(topics.entity(document.href),
                   entity_payload(document.revision, document.collection, document.entity_id, document.href,
                                  document.document), True)


class PublicationStore(Protocol):
    """Where the last revision published to one broker is kept, across restarts and processes."""

    def load(self) -> Optional[int]:
        """The last revision published; None when nothing has been."""
        ...

    def save(self, revision: int) -> None:
        """``revision`` and every one before it have been published (it never moves back)."""
        ...


class MemoryPublicationStore:
    """A :class:`PublicationStore` in memory, for tests."""

    def __init__(self, revision: Optional[int] = None) -> None:
        self.revision = revision

    def load(self) -> Optional[int]:
        return self.revision

    def save(self, revision: int) -> None:
        if self.revision is None or revision > self.revision:
            self.revision = revision


Snapshot = Callable[[], tuple[int, Iterable[StoredDocument]]]
"""The head revision, then every entity's current document (each as of that head or later)."""


class _Connection:
    """One session with the broker, through paho-mqtt's network thread."""

    def __init__(self, broker: Broker, client_id: str, inflight: int) -> None:
        import paho.mqtt.client as paho

        self._paho = paho
        self.broker = broker
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True,
                                  protocol=paho.MQTTv311)
        self.client.max_inflight_messages_set(inflight)
        self.client.reconnect_delay_set(60, 60)  # a dropped session is replaced by a new one, not resumed
        if broker.username is not None:
            self.client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            self.client.tls_set()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self.activity = threading.Event()
        self.connected = False
        self.refused: Optional[str] = None
        self.gone: Optional[str] = None

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            self.refused = str(reason)
        else:
            self.connected = True
        self.activity.set()

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        self.connected = False
        self.gone = str(reason)
        self.activity.set()

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, properties: Any) -> None:
        self.activity.set()

    def open(self, timeout: float) -> "_Connection":
        try:
            self.client.connect(self.broker.host, self.broker.port, keepalive=30)
        except (OSError, ValueError) as error:
            raise BrokerUnavailable(f"cannot connect to {self.broker}: {error}") from None
        self.client.loop_start()
        deadline = time.monotonic() + timeout
        while not self.connected:
            if self.refused is not None:
                self.close()
                raise BrokerUnavailable(f"{self.broker} refused the connection: {self.refused}")
            left = deadline - time.monotonic()
            if left <= 0 or self.gone is not None:
                self.close()
                raise BrokerUnavailable(f"{self.broker} did not accept the connection")
            self.activity.wait(min(left, 0.5))
            self.activity.clear()
        return self

    def publish(self, message: Message) -> Any:
        if not self.connected:
            raise BrokerUnavailable(f"lost the connection to {self.broker}: {self.gone}")
        info = self.client.publish(message.topic, message.payload, qos=QOS, retain=message.retain)
        if info.rc not in (self._paho.MQTT_ERR_SUCCESS, self._paho.MQTT_ERR_AGAIN):
            raise BrokerUnavailable(f"publishing to {self.broker} failed: {self._paho.error_string(info.rc)}")
        return info

    def wait_acknowledged(self, infos: Iterable[Any], timeout: float) -> None:
        """Until the broker has acknowledged every message of ``infos``."""
        pending = collections.deque(infos)
        deadline = time.monotonic() + timeout
        while pending:
            self.activity.clear()
            try:
                while pending and pending[0].is_published():
                    pending.popleft()
            except (ValueError, RuntimeError) as error:
                raise BrokerUnavailable(f"publishing to {self.broker} failed: {error}") from None
            if not pending:
                return
            if not self.connected:
                raise BrokerUnavailable(f"lost the connection to {self.broker}: {self.gone}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrokerUnavailable(f"{self.broker} acknowledged nothing for {timeout:g}s")
            self.activity.wait(min(left, 0.5))

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:  # pragma: no cover - a socket already gone
            pass
        self.client.loop_stop()


class MqttPublisher(threading.Thread):
    """Publishes the changes of ``source`` to ``broker`` while ``leader()`` holds (see the module).

    ``wake()`` (from any thread, for instance a commit callback) makes it look at the log at
    once; otherwise it looks every ``poll_interval`` seconds. After a failure it waits
    ``min_backoff`` seconds, doubling up to ``max_backoff``, before it connects again.
    """

    def __init__(self, source: ChangeSource, broker: Broker | str, store: PublicationStore, *,
                 leader: Callable[[], bool] = lambda: True, snapshot: Optional[Snapshot] = None,
                 mode: str = "documents", topics: Topics = Topics(), client_id: Optional[str] = None,
                 poll_interval: float = 0.2, batch: int = BATCH, ack_timeout: float = 10.0,
                 min_backoff: float = 0.5, max_backoff: float = 30.0) -> None:
        super().__init__(name="engine-emu-mqtt", daemon=True)
        if mode not in MODES:
            raise ValueError(f"the MQTT mode is one of {', '.join(MODES)}, not {mode!r}")
        self.source = source
        self.broker = broker if isinstance(broker, Broker) else Broker.parse(broker)
        self.store = store
        self.leader = leader
        self.snapshot = snapshot
        self.mode = mode
        self.topics = topics
        self.client_id = client_id or f"engine-emu-{threading.get_native_id()}-{time.time_ns() % 10**9}"
        self.poll_interval = poll_interval
        self.batch = batch
        self.ack_timeout = ack_timeout
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.published: Optional[int] = None
        """The last revision this publisher knows published (the store's, once read)."""
        self._connection: Optional[_Connection] = None
        self._stopping = threading.Event()
        self._wakeup = threading.Event()
        self._skip: dict[str, int] = {}
        self._skip_until = 0

    def wake(self, revision: Any = None) -> None:
        self._wakeup.set()

    def stop(self, timeout: Optional[float] = 5.0) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)
        self._disconnect()

    def run(self) -> None:
        backoff = self.min_backoff
        while not self._stopping.is_set():
            if not self.leader():
                self._disconnect()
                self.published = None
                self._stopping.wait(self.poll_interval)
                continue
            try:
                if self._connection is None:
                    self._connection = _Connection(self.broker, self.client_id, self.batch).open(self.ack_timeout)
                    log.info("publishing changes to %s", self.broker)
                more = self._publish_batch()
                backoff = self.min_backoff
            except BrokerUnavailable as error:
                log.warning("MQTT: %s; connecting again in %gs", error, backoff)
                self._disconnect()
                self.published = None
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            except Exception:
                log.exception("MQTT: publishing the changes failed; trying again in %gs", backoff)
                self.published = None
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            if not more:
                self._wakeup.wait(self.poll_interval)
                self._wakeup.clear()

    def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _send(self, messages: Iterable[Message]) -> None:
        assert self._connection is not None
        infos = [self._connection.publish(message) for message in messages]
        self._connection.wait_acknowledged(infos, self.ack_timeout)

    def _resync(self) -> int:
        """Publish the current state of every entity (documents mode); the revision to follow from."""
        if self.mode != "documents" or self.snapshot is None:
            head = self.source.window().head
            self.store.save(head)
            return head
        head, documents = self.snapshot()
        skip: dict[str, int] = {}
        chunk: list[Message] = []
        for document in documents:
            chunk.append(snapshot_message(document, self.topics))
            if document.revision > head:
                skip[document.href] = document.revision
            if len(chunk) >= self.batch:
                self._send(chunk)
                chunk = []
        self._send(chunk)
        self._skip, self._skip_until = skip, max(skip.values(), default=0)
        self.store.save(head)
        log.info("published the documents of the entities as of revision %s to %s", head, self.broker)
        return head

    def _publish_batch(self) -> bool:
        """Publish the next batch of changes; whether more may follow at once."""
        if self.published is None:
            self.published = self.store.load()
            if self.published is None:
                self.published = self._resync()
        try:
            page = self.source.read(self.published, self.batch)
        except Gone as gone:
            log.warning("MQTT: %s; publishing every entity's document again", gone.detail)
            self.published = self._resync()
            return True
        if not page.changes:
            return False
        out: list[Message] = []
        for record in page.changes:
            if record.revision <= self._skip_until and self._skip.get(record.href, 0) >= record.revision:
                out.append(Message(self.topics.changes, record.json_text().encode(), False))
                continue
            out.extend(messages(record, self.topics, self.mode))
        self._send(out)
        last = page.changes[-1].revision
        self.store.save(last)
        self.published = last
        if last >= self._skip_until:
            self._skip, self._skip_until = {}, 0
        return len(page.changes) >= self.batch
