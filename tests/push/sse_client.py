"""A plain Server-Sent Events client over ``http.client``: a reader thread and a list of events."""
from __future__ import annotations

import base64
import http.client
import socket
import threading
import time
from typing import Callable, Optional
from urllib.parse import urlencode, urlsplit

from tests.push.frames import Event, parse_frame

CHANGE_KINDS = ("added", "modified", "deleted")


class SseClient:
    """Subscribes to ``url`` (the API's base URL) ``/changes`` as an ``EventSource`` would.

    Events arrive in ``events`` from a reader thread; ``ended`` is set when the stream ends.
    """

    def __init__(self, url: str, auth: tuple[str, str], *, since: Optional[int] = None,
                 last_event_id: Optional[int | str] = None, collection: Optional[str] = None,
                 timeout: float = 30) -> None:
        parts = urlsplit(url)
        query = {key: value for key, value in (("since", since), ("collection", collection)) if value is not None}
        path = parts.path + "/changes" + ("?" + urlencode(query) if query else "")
        headers = {"Accept": "text/event-stream",
                   "Authorization": "Basic " + base64.b64encode(":".join(auth).encode()).decode()}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self.connection.request("GET", path, headers=headers)
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.events: list[Event] = []
        self.ended = threading.Event()
        self._changed = threading.Condition()
        if self.status == 200:
            self._reader = threading.Thread(target=self._read, name="sse-client", daemon=True)
            self._reader.start()
        else:
            self.body = self.response.read()
            self.ended.set()

    def _read(self) -> None:
        lines: list[str] = []
        try:
            while True:
                line = self.response.readline()
                if not line:
                    break
                text = line.decode().rstrip("\n")
                if text:
                    lines.append(text)
                    continue
                if lines:
                    with self._changed:
                        self.events.append(parse_frame("\n".join(lines)))
                        self._changed.notify_all()
                    lines = []
        except (OSError, http.client.HTTPException, ValueError):
            pass
        finally:
            with self._changed:
                self.ended.set()
                self._changed.notify_all()

    @property
    def changes(self) -> list[Event]:
        """The change events received so far (not bookmarks, heartbeats or resyncs)."""
        with self._changed:
            return [event for event in self.events if event.event in CHANGE_KINDS]

    @property
    def revisions(self) -> list[int]:
        return [int(event.id) for event in self.changes]

    def wait_until(self, predicate: Callable[["SseClient"], bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.ended.is_set() and not predicate(self)):
                    raise AssertionError(f"the SSE client did not see what it waited for within {timeout}s; "
                                         f"ended={self.ended.is_set()}, events={[(e.event, e.id) for e in self.events][-10:]}")
                self._changed.wait(min(remaining, 0.5))

    def wait_live(self, timeout: float = 20) -> int:
        """Wait for the first bookmark (the replay has caught up); its revision."""
        self.wait_until(lambda client: any(e.event == "bookmark" for e in client.events), timeout)
        return int(next(e.id for e in self.events if e.event == "bookmark"))

    def wait_for_revision(self, revision: int, timeout: float = 20) -> None:
        """Wait until a change or bookmark at ``revision`` or later has arrived."""
        self.wait_until(lambda client: any(e.id is not None and int(e.id) >= revision for e in client.events),
                        timeout)

    @property
    def last_event_id(self) -> Optional[int]:
        """What a browser would send as ``Last-Event-ID`` when reconnecting."""
        with self._changed:
            ids = [e.id for e in self.events if e.id is not None]
        return int(ids[-1]) if ids else None

    def close(self) -> None:
        sock = self.connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.ended.wait(5)
        self.connection.close()

    def __enter__(self) -> "SseClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
