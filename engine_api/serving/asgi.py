"""The engine as an ASGI application: the Flask app on thread pools, behind an event loop.

The event loop owns every connection; a thread runs only while the application computes an
answer, and hands it back whole, in one step (:class:`BufferedWsgi`; the application's responses
are documents of bounded size, never streams: the change feed's long-polls and streams are served
on the loop itself, by the ``streams`` endpoint). Before a request reaches a thread its whole body has been read (within the size and time
limits), so a slow or vanished client never holds a thread or a database connection, and a
request whose body did not arrive complete is never run. Reads (GET, HEAD, OPTIONS) and writes
run on separate pools, so writers never queue behind a crowd of readers. When more requests wait
than ``max_pending``, the engine answers 503 with ``Retry-After`` instead of queueing without end.

Every request but the control API's is recorded in the request ``journal``, and subject to the
``fault_rules`` before it is dispatched (see :mod:`engine_api.control`).
"""
from __future__ import annotations

import asyncio
import contextvars
import io
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Optional, Protocol
from urllib.parse import parse_qsl, urlencode

from a2wsgi.wsgi import build_environ

from engine_api.control import CONTROL_ROOT
from engine_api.control.journal import SQL_ENVIRON, normalized
from engine_api.serving.faults import accept_of, fault_response
from engine_api.serving.protocol import ABORT, HttpLimits
from engine_api.wire import codec_for_accept

log = logging.getLogger("engine_api.access")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Query parameters whose values never reach a log.
SECRET_PARAMETERS = frozenset({"password", "token", "access_token", "refresh_token", "client_secret"})


class _BodyRefused(Exception):
    def __init__(self, status: int, detail: str, close: bool = True) -> None:
        super().__init__(detail)
        self.status, self.detail, self.close = status, detail, close


class _Disconnected(Exception):
    """The client went away before its request arrived whole."""


class NativeEndpoint(Protocol):
    """Requests served on the event loop rather than by the WSGI application."""

    def serves(self, scope: Scope) -> bool: ...

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...


def masked_query(query: bytes) -> str:
    """A query string fit for a log: the values of secret parameters replaced by ``***``."""
    if not query:
        return ""
    try:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    except ValueError:
        return "<unreadable query>"
    return urlencode([(k, "***" if k.lower() in SECRET_PARAMETERS else v) for k, v in pairs], safe="*/,:=")


class DirectAnswers(Protocol):
    """Requests answered in a read thread without the WSGI application, when they can be."""

    def takes(self, scope: Scope) -> bool: ...

    def answer(self, scope: Scope) -> Optional[tuple[int, list[tuple[bytes, bytes]], bytes]]: ...


class EngineAsgi:
    """Serves ``wsgi_app`` (the Flask application) with bounded threads and buffered bodies.

    ``on_startup`` and ``on_shutdown`` run in the ASGI lifespan (the ticker's start and stop).
    ``streams`` serves the requests it ``serves(scope)`` natively on the event loop, never handed
    to a thread: the change feed's long-polls and Server-Sent Events; ``sockets`` the WebSockets
    it serves (live queries). ``direct`` answers the
    bodiless requests it ``takes(scope)`` in a read thread, handing to the application those it
    cannot answer (plain entity GETs from stored documents). ``journal`` (a
    :class:`~engine_api.control.journal.Journal`) records the HTTP requests, and
    ``fault_rules`` (:class:`~engine_api.control.fault_rules.FaultRules`) answer some badly.
    """

    def __init__(self, wsgi_app: Any, *, read_threads: int = 8, write_threads: int = 4,
                 max_pending: int = 512, limits: Optional[HttpLimits] = None,
                 on_startup: Optional[Callable[[], None]] = None,
                 on_shutdown: Optional[Callable[[], None]] = None,
                 streams: Optional["NativeEndpoint"] = None,
                 sockets: Optional["NativeEndpoint"] = None,
                 direct: Optional[DirectAnswers] = None, journal: Any = None, fault_rules: Any = None) -> None:
        self.reads = BufferedWsgi(wsgi_app, read_threads, "engine-emu-read")
        self.writes = BufferedWsgi(wsgi_app, write_threads, "engine-emu-write")
        self.limits = limits or HttpLimits()
        self.max_pending = max_pending
        self.pending = 0
        self.on_startup = on_startup
        self.on_shutdown = on_shutdown
        self.streams = streams
        self.sockets = sockets
        self.direct = direct
        self.journal = journal
        self.fault_rules = fault_rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            controlled = not _is_control(scope["path"])
            entry = self.journal.begin(scope) if controlled and self.journal is not None else None
            if entry is not None:
                send = self._recording(entry, send)
            try:
                native = next((endpoint for endpoint in (self.streams, self.sockets)
                               if endpoint is not None and endpoint.serves(scope)), None)
                if native is None:
                    await self._http(scope, receive, send, entry, controlled)
                    return
                if entry is not None:
                    entry.answered_by = "stream"
                served = await self._faulted(scope, b"", send, entry) if controlled else send
                if served is not None:
                    await native(scope, receive, served)
            finally:
                if entry is not None:
                    self.journal.finish(entry)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket" and self.sockets is not None and self.sockets.serves(scope):
            await self.sockets(scope, receive, send)
        else:
            await send({"type": "websocket.close", "code": 1008})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.on_startup is not None:
                    await asyncio.get_running_loop().run_in_executor(None, self.on_startup)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.on_shutdown is not None:
                    await asyncio.get_running_loop().run_in_executor(None, self.on_shutdown)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _recording(self, entry: Any, send: Send) -> Send:
        """``send``, noting the status in the journal's ``entry`` and keeping it once the answer is
        complete (before the client can read it whole)."""
        journal = self.journal

        async def send_and_record(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                journal.finish(entry)
            await send(message)

        return send_and_record

    async def _faulted(self, scope: Scope, body: bytes, send: Send, entry: Any) -> Optional[Send]:
        """Apply the first fault rule that takes the request: after its delay, None when the rule
        answered it, else the ``send`` to serve it with (one that cuts the answer short, for a
        ``truncated`` rule)."""
        rules = self.fault_rules
        if rules is None or not rules.active:
            return send
        injection = rules.injection(scope["method"], scope["path"], scope["headers"], body)
        if injection is None:
            return send
        if entry is not None:
            entry.fault_rule = injection.rule
        if injection.delay > 0:
            await asyncio.sleep(injection.delay)
        fault = injection.fault
        if fault is None:
            return send
        abort = scope.get("extensions", {}).get(ABORT)
        if fault == "truncated":
            return _truncating(send, abort)
        if entry is not None:
            entry.answered_by = "fault rule"
        accept = accept_of(scope["headers"])
        if fault == "status":
            status = injection.status or 500
            detail = injection.detail or f"The engine-emu fault rule {injection.rule} answered this request"
            if normalized(scope["path"], "")[0].startswith(SSO_PATHS):
                await _send_sso_error(send, status, detail, injection.retry_after)
            else:
                await _send_fault(send, status, detail, accept, retry_after=injection.retry_after)
        elif fault in ("drop", "reset"):
            await _abort(send, abort, reset=fault == "reset")
        else:
            codec = codec_for_accept(accept)
            content = _MALFORMED[codec.content_type] if fault == "malformed" else b""
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", codec.content_type.encode()), (b"content-length", str(len(content)).encode())]})
            await send({"type": "http.response.body", "body": content, "more_body": False})
        return None

    async def _http(self, scope: Scope, receive: Receive, send: Send, entry: Any = None,
                    controlled: bool = True) -> None:
        started = time.perf_counter()
        accept = accept_of(scope["headers"])
        status_seen: list[int] = []

        async def send_and_watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_seen.append(message["status"])
            await send(message)

        try:
            problem = _refusal_of(scope)
            if entry is not None:
                entry.answered_by = "engine"
            if problem is not None:
                await _send_fault(send_and_watch, 400, problem, accept)
                return
            if self.pending >= self.max_pending:
                await _send_fault(send_and_watch, 503, "The engine is overloaded; retry the request",
                                  accept, retry_after=1)
                return
            try:
                body = await self._read_body(scope, receive)
            except _BodyRefused as refused:
                await _send_fault(send_and_watch, refused.status, refused.detail, accept, close=refused.close)
                return
            except _Disconnected:
                if entry is not None:
                    entry.answered_by = None
                return
            if entry is not None:
                self.journal.took_body(entry, body)
                entry.answered_by = "application"
            if controlled:
                served = await self._faulted(scope, body, send_and_watch, entry)
                if served is None:
                    return
                send_and_watch = served
            pool = self.reads if scope["method"] in SAFE_METHODS else self.writes
            self.pending += 1
            try:
                if not body and self.direct is not None and self.direct.takes(scope) \
                        and await self._answer_directly(scope, send_and_watch, entry):
                    return
                await pool(scope, body, send_and_watch, entry)
            finally:
                self.pending -= 1
        finally:
            if log.isEnabledFor(logging.DEBUG):
                query = masked_query(scope.get("query_string", b""))
                client = scope.get("client") or ("-", 0)
                log.debug('%s:%s "%s %s%s" %s %.1fms', client[0], client[1], scope["method"], scope["path"],
                          "?" + query if query else "", status_seen[0] if status_seen else "-",
                          (time.perf_counter() - started) * 1000)

    async def _answer_directly(self, scope: Scope, send: Send, entry: Any = None) -> bool:
        """Whether ``direct`` answered the request; when it fails or declines, the application
        answers it (and turns a database failure into its fault)."""
        direct = self.direct
        assert direct is not None
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(self.reads.executor, direct.answer, scope)
        except Exception:
            log.debug("the direct answer of %s failed; the application answers it", scope["path"], exc_info=True)
            return False
        if answer is None:
            return False
        status, headers, content = answer
        if entry is not None:
            entry.answered_by = "direct"
            entry.took_sql_timing(headers)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content, "more_body": False})
        return True

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        """The whole request body, with ``Content-Length`` set to its size in ``scope``."""
        limit = self.limits.max_body_bytes
        headers = scope["headers"]
        declared = None
        for name, value in headers:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    raise _BodyRefused(400, "The Content-Length header is not a number") from None
        if declared is not None and declared > limit:
            raise _BodyRefused(413, f"The request body exceeds the limit of {limit} bytes")
        if declared == 0 or (declared is None and not any(n == b"transfer-encoding" for n, _ in headers)):
            return b""
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.limits.body_timeout)
            except asyncio.TimeoutError:
                raise _BodyRefused(408, f"The request body did not arrive within "
                                        f"{self.limits.body_timeout:g} seconds") from None
            if message["type"] == "http.disconnect":
                raise _Disconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _BodyRefused(413, f"The request body exceeds the limit of {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        scope["headers"] = [(n, v) for n, v in headers if n not in (b"content-length", b"transfer-encoding")]
        scope["headers"].append((b"content-length", str(len(body)).encode()))
        return body


def _is_control(path: str) -> bool:
    """Whether a request is the control API's, however its path is spelled."""
    if "emu" not in path:
        return False
    routed = normalized(path, "")[0]
    return routed == CONTROL_ROOT or routed.startswith(CONTROL_ROOT + "/")


SSO_PATHS = ("/ovirt-engine/sso/", "/ovirt-engine/services/sso-logout")
"""Paths of the engine's SSO, whose errors are OAuth's JSON rather than oVirt faults."""


async def _send_sso_error(send: Send, status: int, detail: str, retry_after: Optional[int]) -> None:
    """An error of the SSO as the engine answers them: ``{"error_code": …, "error": …}`` in JSON."""
    code = ("access_denied" if status in (401, 403) else "temporarily_unavailable" if status == 503
            else "server_error" if status >= 500 else "invalid_request")
    body = json.dumps({"error_code": code, "error": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


_MALFORMED = {
    "application/xml": b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<fault><reason>Operation F",
    "application/json": b'{"reason": "Operation F',
}
"""What a ``malformed`` fault rule answers in each format: text cut in the middle of a value."""


def _truncating(send: Send, abort: Optional[Callable[..., None]]) -> Send:
    """``send`` for an answer cut short: its headers promise a body (``Content-Length``) of which
    half is sent before the connection is closed."""
    start: Optional[dict[str, Any]] = None
    cut = False

    async def send_cut(message: dict[str, Any]) -> None:
        nonlocal start, cut
        if message["type"] == "http.response.start":
            start = {**message, "headers": [(n, v) for n, v in message.get("headers", []) if n != b"content-length"]}
            return
        if start is None or cut:
            return
        cut = True
        body = message.get("body", b"")
        if not message.get("more_body", False):
            start["headers"].append((b"content-length", str(max(len(body), 1)).encode()))
        await send(start)
        await send({"type": "http.response.body", "body": body[:len(body) // 2], "more_body": True})
        await _abort(send, abort)

    return send_cut


async def _abort(send: Send, abort: Optional[Callable[..., None]], reset: bool = False) -> None:
    """Close the connection without completing an answer. Without the protocol's abort, an
    answer that promises a body and sends none leaves the server to close it."""
    if abort is not None:
        abort(reset=reset)
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})


def _refusal_of(scope: Scope) -> Optional[str]:
    """Why a request cannot be handed to a WSGI application, if it cannot."""
    try:
        scope["query_string"].decode("ascii")
    except UnicodeDecodeError:
        return "The query string must be ASCII; percent-encode other characters"
    return None


class BufferedWsgi:
    """A WSGI application on a pool of ``threads``: the thread gets the whole request body and
    gives back the whole response, so a request costs one hand-over each way between the event
    loop and the thread (a2wsgi's streaming bridge makes three round trips per response, each
    waiting for the loop). ``environ`` is built by a2wsgi, so both bridges see requests alike."""

    def __init__(self, app: Any, threads: int, name: str) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)

    async def __call__(self, scope: Scope, body: bytes, send: Send, entry: Any = None) -> None:
        """Serve one request; ``entry`` (its journal entry) gets the SQL the application ran."""
        environ = build_environ(scope, io.BytesIO(body))  # type: ignore[arg-type]
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        try:
            status, headers, content = await loop.run_in_executor(self.executor, context.run, self.run, environ)
        except Exception:
            logging.getLogger(__name__).exception("the application failed on %s %s", scope["method"], scope["path"])
            await _send_fault(send, 500, "Internal error", accept_of(scope["headers"]))
            return
        finally:
            if entry is not None and SQL_ENVIRON in environ:
                entry.sql = environ[SQL_ENVIRON]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content, "more_body": False})

    def run(self, environ: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Call the application in this thread; its status, headers and body."""
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return chunks.append

        iterable = self.app(environ, start_response)
        try:
            chunks.extend(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        status, headers = started
        return (int(status.split(" ", 1)[0]),
                [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers],
                b"".join(chunks))


async def _send_fault(send: Send, status: int, detail: str, accept: Optional[str], *, close: bool = False,
                      retry_after: Optional[int] = None) -> None:
    headers, body = fault_response(status, detail, accept, close=close, retry_after=retry_after)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
