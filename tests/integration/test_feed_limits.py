"""The feed's bounds on an engine of their own: the ticker prunes the log to its retention window, and
a subscriber that stops reading gets a resync (then resumes from the log) instead of growing a buffer."""
from __future__ import annotations

import base64
import dataclasses
import logging
import socket
from pathlib import Path

import requests

from engine_api.serving import ServeOptions
from engine_api.serving.ticker import Ticker
from engine_api.testing import LiveEngine
from tests.helpers import wait_for
from tests.push.frames import parse_stream
from tests.push.sse_client import SseClient

JSON = {"Accept": "application/json"}


def _window(live: LiveEngine) -> tuple[int, int]:
    from engine_api.feed import SqlChangeLog

    window = SqlChangeLog(live.db).window()
    return window.oldest, window.head


def test_the_ticker_keeps_the_newest_records_of_the_retention_window(tmp_path: Path):
    with LiveEngine(f"sqlite:///{tmp_path / 'engine.sqlite'}", state_dir=tmp_path,
                    serve_options=ServeOptions(ticker=False)) as live:
        live.reset("demo")
        oldest, head = _window(live)
        assert head - oldest + 1 > 20
        ticker = Ticker(live.engine, 0.02, 60, change_retention=20, prune_interval=0.05)
        ticker.start()
        try:
            wait_for(lambda: _window(live)[0] == head - 19, timeout=10)
            vm = requests.get(live.url + "/vms", params={"search": "name=myvm"}, auth=(live.username, live.password),
                              headers=JSON).json()["vm"][0]
            requests.put(live.url + f"/vms/{vm['id']}", json={"description": "newer"},
                         auth=(live.username, live.password), headers=JSON)
            wait_for(lambda: _window(live)[0] > head - 19, timeout=10)
        finally:
            ticker.stop()
        oldest, head = _window(live)
        assert head - oldest + 1 == 20
        auth = (live.username, live.password)
        assert requests.get(live.url + "/changes", params={"since": oldest - 2}, auth=auth,
                            headers=JSON).status_code == 410
        kept = requests.get(live.url + "/changes", params={"since": oldest - 1, "max": 1000}, auth=auth,
                            headers=JSON).json()
        assert [int(c["revision"]) for c in kept["change"]] == list(range(oldest, head + 1))


def _stalled_subscriber(live: LiveEngine, since: int) -> socket.socket:
    """A subscriber with a tiny receive buffer that sends its request and reads nothing."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", live.server.port))
    credentials = base64.b64encode(f"{live.username}:{live.password}".encode()).decode()
    sock.sendall(f"GET /ovirt-engine/api/changes?since={since} HTTP/1.1\r\nHost: engine\r\n"
                 f"Accept: text/event-stream\r\nAuthorization: Basic {credentials}\r\n\r\n".encode())
    return sock


def _read_stream(sock: socket.socket, timeout: float = 20) -> str:
    """The decoded body of a chunked response, read until its last chunk."""
    sock.settimeout(timeout)
    received = b""
    while b"\r\n0\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head.lower()
    text = []
    while rest:
        size, _, rest = rest.partition(b"\r\n")
        length = int(size, 16)
        if length == 0:
            break
        text.append(rest[:length])
        rest = rest[length + 2:]
    return b"".join(text).decode()


class _Resyncs(logging.Handler):
    """Counts the feed's resyncs as the endpoint logs them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "must resync" in record.getMessage():
            self.count += 1


def test_a_subscriber_that_stops_reading_gets_a_resync_and_resumes_from_the_log(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ENGINE_EMU_FEED_MEMORY", "8")
    with LiveEngine(f"sqlite:///{tmp_path / 'engine.sqlite'}", state_dir=tmp_path) as live:
        live.reset("demo")
        # the subscriber must fall behind the memory window, not be dropped for reading nothing
        # for a minute (on a slow machine the writes that fill its buffers can take that long)
        streams = live.server.asgi.streams
        streams.stream_settings = dataclasses.replace(streams.stream_settings, stall_timeout=600.0)
        auth = (live.username, live.password)
        since = int(requests.get(live.url + "/changes", auth=auth, headers=JSON).json()["revision"])
        subscriber = _stalled_subscriber(live, since)
        vms = requests.get(live.url + "/vms", auth=auth, headers=JSON).json()["vm"]
        resyncs = _Resyncs()
        endpoint_log = logging.getLogger("engine_api.feed.endpoint")
        endpoint_log.addHandler(resyncs)
        endpoint_log.setLevel(logging.INFO)
        written = 0
        try:
            while resyncs.count == 0 and written < 2000:
                vm = vms[written % len(vms)]
                requests.put(live.url + f"/vms/{vm['id']}", json={"description": f"burst {written} " + "x" * 2000},
                             auth=auth, headers=JSON)
                written += 1
        finally:
            endpoint_log.removeHandler(resyncs)
        events = parse_stream(_read_stream(subscriber))
        subscriber.close()

        changes = [int(e.id) for e in events if e.event in ("added", "modified", "deleted")]
        assert events[-1].event == "resync", [e.event for e in events][-5:]
        resume_after = int(events[-1].json()["revision"])
        assert changes == list(range(since + 1, resume_after + 1))
        head = int(requests.get(live.url + "/changes", auth=auth, headers=JSON).json()["revision"])
        assert resume_after < head - 8, "the stream ended behind what the process holds in memory"

        with SseClient(live.url, auth, last_event_id=resume_after) as resumed:
            resumed.wait_for_revision(head)
            assert resumed.revisions[:head - resume_after] == list(range(resume_after + 1, head + 1))
