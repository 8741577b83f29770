"""HTTP/1.1 on the event loop: uvicorn's httptools protocol with the engine's limits and faults.

uvicorn parses requests with llhttp; this protocol adds what a server facing arbitrary clients
needs and answers every refusal with an oVirt fault rather than a plain-text page:

* a request line longer than ``max_url_bytes`` is refused with 414;
* more than ``max_header_count`` headers, or more than ``max_header_bytes`` of them, with 431;
* a request whose headers do not arrive within ``header_timeout`` seconds, with 408;
* anything llhttp cannot parse (a malformed request line, a bad chunk size, conflicting
  ``Content-Length`` headers, control characters in a header), with 400.

A connection that never sends a byte is closed after ``idle_timeout`` seconds, like an idle
keep-alive connection between two requests.
"""
from __future__ import annotations

import asyncio
import socket
import struct
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Optional

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from engine_api.serving.faults import accept_of, fault_response

#: The scope extension under which a request finds its :class:`ChunkWriter`.
CHUNK_WRITER = "engine_emu.chunk_writer"
#: The scope extension under which a request finds its :class:`ConnectionAbort`.
ABORT = "engine_emu.abort"


class _LastChunk(threading.local):
    """The last body framed as a chunk in this thread: a broadcast frames one body for every
    connection it is written to."""

    body: Optional[bytes] = None
    chunk: bytes = b""


_last_chunk = _LastChunk()


def _chunk_of(body: bytes) -> bytes:
    if _last_chunk.body is not body:
        _last_chunk.chunk = b"%x\r\n%b\r\n" % (len(body), body)
        _last_chunk.body = body
    return _last_chunk.chunk


class ChunkWriter:
    """Writes body chunks of a started, chunked response straight to its connection, on the
    event loop, without a coroutine: what a stream does to hand one change to thousands of
    subscribers in one pass. :meth:`offer` refuses (``False``) whenever the connection cannot
    take the chunk at once, and the stream then sends it the ordinary way, through ASGI
    ``send``, which waits for the client to read."""

    def __init__(self, cycle: Any) -> None:
        self._cycle = weakref.ref(cycle)  # the cycle's scope holds this writer: no reference cycle

    def offer(self, body: bytes) -> bool:
        cycle = self._cycle()
        if (cycle is None or not cycle.response_started or cycle.response_complete or cycle.disconnected
                or not cycle.chunked_encoding or cycle.flow.write_paused or cycle.transport.is_closing()):
            return False
        if body:
            cycle.transport.write(_chunk_of(body))
        return True


class ConnectionAbort:
    """Ends a request's connection at once, whatever of its answer was sent: what a fault rule
    does to drop a request or cut its answer short. The application's later messages are ignored,
    as a vanished client's are. ``reset=True`` resets the connection (the peer reads ECONNRESET)
    instead of closing it in order."""

    def __init__(self, cycle: Any) -> None:
        self._cycle = weakref.ref(cycle)

    def __call__(self, reset: bool = False) -> None:
        cycle = self._cycle()
        if cycle is None:
            return
        cycle.disconnected = True
        cycle.message_event.set()
        transport = cycle.transport
        if transport.is_closing():
            return
        connection = transport.get_extra_info("socket")
        if reset and connection is not None:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        else:
            transport.close()


@dataclass(frozen=True)
class HttpLimits:
    """What one request may be, and how long a client may take to send it."""

    max_url_bytes: int = 16 * 1024
    max_header_count: int = 100
    max_header_bytes: int = 64 * 1024
    header_timeout: float = 30.0
    body_timeout: float = 30.0
    idle_timeout: float = 15.0
    max_body_bytes: int = 10 * 1024 * 1024


class _Refused(Exception):
    """Raised inside a parser callback to stop parsing a request the server refuses."""


class EngineHttpProtocol(HttpToolsProtocol):
    """One client connection; ``config.limits`` (an :class:`HttpLimits`) bounds its requests."""

    def __init__(self, config: Any, server_state: Any, app_state: dict[str, Any],
                 _loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits: HttpLimits = getattr(config, "limits", None) or HttpLimits()
        self._refusal: Optional[tuple[int, str]] = None
        self._header_timer: Optional[asyncio.TimerHandle] = None
        self._url_bytes = 0
        self._header_count = 0
        self._header_bytes = 0

    # Connection
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(self.limits.idle_timeout,
                                                            self.timeout_keep_alive_handler)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError as error:
            status, detail = self._refusal or (400, f"Malformed HTTP request: {error}")
            self._refuse(status, detail)

    # Parser callbacks
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._refusal = None
        self._url_bytes = self._header_count = self._header_bytes = 0
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.limits.header_timeout, self._header_timeout)

    def on_url(self, url: bytes) -> None:
        self._url_bytes += len(url)
        if self._url_bytes > self.limits.max_url_bytes:
            self._stop(414, f"The request URI is longer than {self.limits.max_url_bytes} bytes")
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._header_bytes += len(name) + len(value) + 4
        if self._header_count > self.limits.max_header_count:
            self._stop(431, f"The request has more than {self.limits.max_header_count} headers")
        if self._header_bytes > self.limits.max_header_bytes:
            self._stop(431, f"The request headers are larger than {self.limits.max_header_bytes} bytes")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_header_timer()
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.scope is self.scope:
            extensions = self.scope.setdefault("extensions", {})
            extensions[CHUNK_WRITER] = ChunkWriter(cycle)
            extensions[ABORT] = ConnectionAbort(cycle)

    # Refusals
    def send_400_response(self, msg: str) -> None:
        self._refuse(400, msg)

    def _stop(self, status: int, detail: str) -> None:
        self._refusal = (status, detail)
        raise _Refused(detail)

    def _header_timeout(self) -> None:
        self._header_timer = None
        self._refuse(408, f"The request headers did not arrive within {self.limits.header_timeout:g} seconds")

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _refuse(self, status: int, detail: str) -> None:
        """Answer a fault the application never sees, then close the connection."""
        if self.transport.is_closing():
            return
        self.logger.info("refused a request from %s: %s %s", self.client, status, detail)
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
            if cycle.response_started:
                self.transport.close()
                return
        headers, body = fault_response(status, detail, accept_of(self.headers or []), close=True)
        head = [STATUS_LINE[status]]
        head.extend(name + b": " + value + b"\r\n" for name, value in headers)
        self.transport.write(b"".join(head) + b"\r\n" + body)
        self.transport.close()
