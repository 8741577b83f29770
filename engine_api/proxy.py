"""``engine-emu proxy``: the same live queries (WebSocket and Server-Sent Events) in front of any
oVirt engine, a real one or engine-emu.

A live engine re-evaluates a query when its change log says something changed; an engine without
one is polled instead. The proxy polls each subscribed URI once per ``ttl`` seconds however many
subscribers it has, with the proxy's own credentials and ``If-None-Match`` (an engine that
answers ``304`` costs a bodiless answer), diffs the answer with the last and pushes the patch.
A new subscriber of a URI already polled gets the cached result at once; a URI nobody watches
any more is no longer polled. When the backend fails (unreachable, or a 5xx) the subscribers get
an ``error`` with status 502 and the URI is polled again after a backoff that doubles up to a
minute; the next good answer reaches them as a ``result``.

Clients authenticate to the proxy with the proxy's own credentials (HTTP Basic), and the proxy
serves what that account sees. The protocol is the engine's (:mod:`engine_api.feed.live`);
``watch`` is refused, as there is no change log to watch.
"""
from __future__ import annotations

import asyncio
import base64
import hmac
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar

import requests
import uvicorn

from engine_api.feed.live import LiveEndpoint
from engine_api.serving.server import BackgroundServer
from push.live import Evaluation, QueryKey

log = logging.getLogger(__name__)
T = TypeVar("T")
#: The longest a failing URI waits between two polls.
MAX_BACKOFF = 60.0


@dataclass(frozen=True)
class ProxySettings:
    backend: str
    """The backend's API root: ``https://engine.example.com/ovirt-engine/api``."""
    user: str
    password: str
    ttl: float = 5.0
    verify: bool = True


class Runner:
    """Runs blocking calls (credential checks, backend polls) in a small thread pool."""

    def __init__(self, threads: int = 8) -> None:
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="engine-emu-proxy")

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)


class BackendQueries:
    """Evaluates a live query by polling the backend; remembers each URI's ETag and answer."""

    def __init__(self, settings: ProxySettings, runner: Runner) -> None:
        self.settings = settings
        self.runner = runner
        self.credentials: dict[QueryKey, dict[str, str]] = {}
        self.polls: list[tuple[str, float]] = []
        """Every poll made: (URI, when it was sent)."""
        self._cached: dict[str, tuple[str, Evaluation]] = {}
        self._local = threading.local()
        self._counter = 0
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.auth = (self.settings.user, self.settings.password)
            session.verify = self.settings.verify
        return session

    def _revision(self, given: Optional[str]) -> int:
        """The backend's revision when it tells one (engine-emu does), else the proxy's count of answers."""
        with self._lock:
            self._counter = max(self._counter + 1, int(given) if given and given.isdigit() else 0)
            return self._counter

    def _get(self, key: QueryKey) -> Evaluation:
        path, _, query = key.uri.partition("?")
        headers = {"Accept": "application/json", "Version": "4"}
        cached = self._cached.get(key.uri)
        if cached is not None and cached[0]:
            headers["If-None-Match"] = cached[0]
        self.polls.append((key.uri, time.monotonic()))
        try:
            answer = self._session().get(self.settings.backend.rstrip("/") + path, params=query or None,
                                         headers=headers, timeout=max(5.0, self.settings.ttl * 2))
        except requests.RequestException as error:
            return Evaluation(self._revision(None), status=502, fault={
                "reason": "Bad Gateway", "detail": f"The engine at {self.settings.backend} cannot be reached: "
                                                   f"{type(error).__name__}"})
        if answer.status_code == 304 and cached is not None:
            return cached[1]
        try:
            data = answer.json() if answer.content else None
        except ValueError:
            data = None
        revision = self._revision(answer.headers.get("Revision"))
        if answer.status_code != 200:
            status = 502 if answer.status_code >= 500 else answer.status_code
            fault = data if isinstance(data, dict) and "detail" in data else {}
            return Evaluation(revision, status=status, fault={
                "reason": str(fault.get("reason") or answer.reason or "Operation Failed"),
                "detail": str(fault.get("detail") or f"The engine answered {answer.status_code} to GET {key.uri}")})
        evaluation = Evaluation(revision, data)
        self._cached[key.uri] = (answer.headers.get("ETag", ""), evaluation)
        return evaluation

    async def __call__(self, key: QueryKey) -> Evaluation:
        return await self.runner.call(self._get, key)


class ProxyEndpoint(LiveEndpoint):
    """The live queries of the proxy: evaluated by polling, on a clock instead of a change log."""

    def __init__(self, settings: ProxySettings, *, capacity: int = 256, heartbeat: float = 15.0) -> None:
        self.settings = settings
        self.runner = Runner()
        expected = "Basic " + base64.b64encode(f"{settings.user}:{settings.password}".encode()).decode()

        def authorize(header: str) -> tuple[Optional[Any], str]:
            if hmac.compare_digest(header.encode("latin-1", "replace"), expected.encode()):
                return _ProxyUser(settings.user), ""
            return None, "Send the proxy's credentials as HTTP Basic"

        super().__init__(self.runner, authorize, BackendQueries(settings, self.runner), lambda key: None,  # type: ignore[arg-type]
                         capacity=capacity, heartbeat=heartbeat)
        self.watches = False
        self._due: dict[QueryKey, tuple[float, int]] = {}

    async def _run_pump(self) -> None:
        """Poll every watched query when it is due: each ``ttl``, or after its backoff."""
        while self.subscribers:
            now = time.monotonic()
            for query in self.queries.all():
                due, failures = self._due.get(query.key, (now + self.settings.ttl, 0))
                if query.key not in self._due:
                    self._due[query.key] = (due, failures)
                    continue
                if due > now:
                    continue
                evaluation = await self.queries.refresh(query)
                if evaluation.ok or evaluation.status < 500:
                    self._due[query.key] = (time.monotonic() + self.settings.ttl, 0)
                else:
                    failures += 1
                    backoff = min(MAX_BACKOFF, self.settings.ttl * 2 ** failures)
                    log.warning("the engine failed %s (%s); polling it again in %.1f s", query.key.uri,
                                evaluation.status, backoff)
                    self._due[query.key] = (time.monotonic() + backoff, failures)
            live = {query.key for query in self.queries.all()}
            for key in [key for key in self._due if key not in live]:
                del self._due[key]
            await asyncio.sleep(min(0.1, self.settings.ttl / 10))


@dataclass(frozen=True)
class _ProxyUser:
    id: str


class ProxyApp:
    """The proxy as an ASGI application: its live queries, and a 404 fault for anything else."""

    def __init__(self, endpoint: ProxyEndpoint) -> None:
        self.endpoint = endpoint

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": f"{message['type']}.complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        if self.endpoint.serves(scope):
            await self.endpoint(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            body = json.dumps({"reason": "Not Found", "detail": f"The proxy serves live queries only: "
                                                                f"{scope['path']} is not one"}).encode()
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})


def proxy_app(settings: ProxySettings) -> ProxyApp:
    return ProxyApp(ProxyEndpoint(settings))


#: How uvicorn serves the proxy.
UVICORN_OPTIONS: dict[str, Any] = {"ws": "websockets-sansio", "lifespan": "on", "log_config": None,
                                   "access_log": False}


def serve_proxy(settings: ProxySettings, host: str, port: int) -> None:
    log.info("proxying live queries of %s on http://%s:%s/ovirt-engine/api/ws (poll every %s s)",
             settings.backend, host, port, settings.ttl)
    uvicorn.run(proxy_app(settings), host=host, port=port, **UVICORN_OPTIONS)


class ProxyServer(BackgroundServer):
    """The proxy serving on a loopback port in a thread of this process (tests, the harness)."""

    thread_name = "engine-emu-proxy"
    label = "the proxy"

    def __init__(self, settings: ProxySettings, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = proxy_app(settings)
        super().__init__(uvicorn.Config(self.app, **UVICORN_OPTIONS), host, port)

    @property
    def endpoint(self) -> ProxyEndpoint:
        return self.app.endpoint
