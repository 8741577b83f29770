"""What tells a process's hub that the head moved: its own commits, and other processes' commits.

* In this process, the recorder's ``on_commit`` callbacks, from the committing thread.
* On PostgreSQL, ``LISTEN engine_emu_changes`` on a connection of its own, in a thread: the
  recorder notifies that channel inside every transaction that logs changes, and PostgreSQL
  delivers the notification at commit.
* On SQLite, a look at the head revision every ``poll_interval`` seconds, in a thread.

Wake-ups only say "look"; the log is the truth, so a missed or folded notification costs at
most a delay, never a change.
"""
from __future__ import annotations

import logging
import threading
from typing import Optional

from sqlalchemy.engine import make_url

from engine_api.db import Database
from engine_api.feed.changelog import SqlChangeLog
from push import Hub

log = logging.getLogger(__name__)

CHANNEL = "engine_emu_changes"


class _Watcher(threading.Thread):
    """A daemon thread that runs until :meth:`stop`."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(5)


class SqliteHeadPoller(_Watcher):
    """Tells ``hub`` the head revision of ``changelog`` every ``interval`` seconds."""

    def __init__(self, changelog: SqlChangeLog, hub: Hub, interval: float) -> None:
        super().__init__("engine-emu-feed-poll")
        self.changelog, self.hub, self.interval = changelog, hub, interval

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                self.hub.advance(self.changelog.head())
            except Exception:
                log.exception("reading the head revision failed")


class PostgresListener(_Watcher):
    """Tells ``hub`` each revision notified on :data:`CHANNEL`, from a connection of its own;
    after (re)connecting, the head revision, for what was committed while it was not listening."""

    def __init__(self, url: str, changelog: SqlChangeLog, hub: Hub) -> None:
        super().__init__("engine-emu-feed-listen")
        self.url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.changelog, self.hub = changelog, hub
        self.listening = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._listen()
            except Exception as error:
                self.listening.clear()
                log.warning("listening for changes failed (%s); listening again in 1s", error)
                self.stopping.wait(1.0)

    def _listen(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True, application_name="engine-emu feed") as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self.hub.advance(self.changelog.head())
            self.listening.set()
            while not self.stopping.is_set():
                for notification in connection.notifies(timeout=1.0):
                    self.hub.advance(int(notification.payload))


class FeedWakeups:
    """The wake-ups of one process's hub over ``db``; :meth:`start` and :meth:`stop` them."""

    def __init__(self, db: Database, hub: Hub, poll_interval: float = 0.2) -> None:
        self.db = db
        self.hub = hub
        self.changelog = SqlChangeLog(db)
        self.poll_interval = poll_interval
        self.watcher: Optional[_Watcher] = None

    def start(self) -> None:
        self.db.recorder.on_commit.append(self.hub.advance)
        if self.db.is_sqlite:
            self.watcher = SqliteHeadPoller(self.changelog, self.hub, self.poll_interval)
        else:
            self.watcher = PostgresListener(self.db.url, self.changelog, self.hub)
        self.watcher.start()

    def stop(self) -> None:
        if self.hub.advance in self.db.recorder.on_commit:
            self.db.recorder.on_commit.remove(self.hub.advance)
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
