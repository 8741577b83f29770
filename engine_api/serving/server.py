"""Serving the engine with uvicorn: in a thread (tests, the pytest plugin) or as N worker processes.

Why uvicorn: its event loop (uvloop) holds thousands of idle keep-alive connections, pending TLS
handshakes and long-lived streams without a thread each, and it supervises several worker
processes on one listening socket. The Flask application runs on bounded thread pools through
a2wsgi (see :mod:`engine_api.serving.asgi`); the HTTP protocol adds the engine's limits and
faults (:mod:`engine_api.serving.protocol`).
"""
from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import resource
import socket
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional, Self

import uvicorn
from flask import Flask
from uvicorn.supervisors import Multiprocess

from engine_api.config import Config
from engine_api.documents.direct import DirectReads
from engine_api.feed import ChangesEndpoint
from engine_api.feed.live import LiveEndpoint, WsgiQueries, reach_of
from engine_api.serving.asgi import EngineAsgi
from engine_api.serving.mqtt import MqttDuty, mqtt_leader
from engine_api.serving.protocol import EngineHttpProtocol, HttpLimits
from engine_api.serving.ticker import Ticker

log = logging.getLogger(__name__)

WORKER_SETTINGS = "ENGINE_EMU_WORKER_SETTINGS"
#: Threads of each process's change feed (authentication and reads of the log).
FEED_THREADS = 2


@dataclass
class ServeOptions:
    """How the engine is served, beyond what :class:`Config` says about the engine itself."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    read_threads: int = 4
    write_threads: int = 2
    max_pending: int = 512
    certfile: Optional[str] = None
    keyfile: Optional[str] = None
    limits: HttpLimits = field(default_factory=HttpLimits)
    ticker: bool = True

    @property
    def pool_size(self) -> int:
        """Database connections one process needs: one per thread, the ticker's and monitoring's,
        the change feed's (its threads and its look at the head) and the MQTT publisher's."""
        return self.read_threads + self.write_threads + 2 + FEED_THREADS + 1 + 1


class _UvicornConfig(uvicorn.Config):
    """uvicorn's configuration, carrying the engine's HTTP limits to the protocol."""

    def __init__(self, app: Any, limits: HttpLimits, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.limits = limits


def _uvicorn_config(app: Any, options: ServeOptions, **kwargs: Any) -> _UvicornConfig:
    return _UvicornConfig(
        app, options.limits, host=options.host, port=options.port, http=EngineHttpProtocol, ws="websockets-sansio",
        lifespan="on", loop="uvloop", timeout_keep_alive=int(max(1, options.limits.idle_timeout)),
        access_log=False, log_config=None, server_header=False, backlog=4096, timeout_graceful_shutdown=5,
        ssl_certfile=options.certfile, ssl_keyfile=options.keyfile, **kwargs,
    )


def changes_endpoint(app: Flask) -> ChangesEndpoint:
    """The change feed of one process of ``app``'s engine."""
    from engine_api.app import authorize
    from engine_api.documents.catalog import CATALOG

    engine = app.extensions["engine_emu"]
    config: Config = engine.config
    return ChangesEndpoint(engine.db, lambda header: authorize(engine.authenticator, header),
                           sorted(CATALOG.collections), heartbeat=config.feed_heartbeat, memory=config.feed_memory,
                           poll_interval=config.feed_poll_interval, threads=FEED_THREADS)


def live_endpoint(app: Flask, changes: ChangesEndpoint) -> LiveEndpoint:
    """The live queries of one process, on its change feed."""
    from engine_api.app import authorize
    from engine_api.documents.catalog import CATALOG

    engine = app.extensions["engine_emu"]
    top_level = frozenset(key.split("/", 1)[0] for key in CATALOG.collections)
    return LiveEndpoint(changes.feed, lambda header: authorize(engine.authenticator, header),
                        WsgiQueries(app, changes.feed), lambda key: reach_of(key.uri, top_level),
                        heartbeat=engine.config.feed_heartbeat)


def engine_asgi(app: Flask, options: ServeOptions) -> EngineAsgi:
    """The ASGI application of one process: the Flask app, its thread pools, its change feed and
    its ticker."""
    engine = app.extensions["engine_emu"]
    config: Config = engine.config
    ticker: list[Ticker] = []
    mqtt: list[MqttDuty] = []
    changes = changes_endpoint(app)
    live = live_endpoint(app, changes)

    def start() -> None:
        changes.start()
        if options.ticker:
            ticker.append(Ticker(engine, config.tick_interval, config.monitor_interval, config.lease_seconds,
                                 change_retention=config.change_retention))
            ticker[0].start()
        if config.mqtt:
            mqtt.append(MqttDuty(engine.db, config, mqtt_leader(engine.db, config, ticker)))
            mqtt[0].start()

    def stop() -> None:
        if mqtt:
            mqtt.pop().stop()
        if ticker:
            ticker.pop().stop()
        changes.stop()

    limits = options.limits
    if limits.max_body_bytes != config.max_body_bytes:
        from dataclasses import replace

        limits = replace(limits, max_body_bytes=config.max_body_bytes)
    return EngineAsgi(app, read_threads=options.read_threads, write_threads=options.write_threads,
                      max_pending=options.max_pending, limits=limits, on_startup=start, on_shutdown=stop,
                      streams=changes, sockets=live, direct=DirectReads(engine, app.url_map),
                      journal=engine.journal, fault_rules=engine.fault_rules)


def raise_open_files_limit() -> int:
    """Raise this process's limit of open files to its hard limit; returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class BackgroundServer:
    """An ASGI application served by uvicorn in a thread of this process (tests, the harness): on
    a socket bound when it is made (port 0 takes a free one), at :attr:`url` once :meth:`start`
    returns, until :meth:`stop`."""

    thread_name = "engine-emu-http"
    label = "the server"
    """What a failure to start calls it."""

    def __init__(self, config: uvicorn.Config, host: str, port: int) -> None:
        self.host = host
        self.socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        self.socket.set_inheritable(True)
        self.server = uvicorn.Server(config)
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return int(self.socket.getsockname()[1])

    @property
    def scheme(self) -> str:
        return "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}/ovirt-engine/api"

    def _run(self) -> None:
        import uvloop

        loop = uvloop.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self.server.serve(sockets=[self.socket]))
        finally:
            loop.close()

    def start(self) -> Self:
        """Serve in a new thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"{self.label} did not start")
            self._thread.join(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.socket.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class EngineServer(BackgroundServer):
    """The engine on a host and port, served by uvicorn in a thread of this process."""

    label = "the engine's server"

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 8080,
                 options: Optional[ServeOptions] = None) -> None:
        self.app = app
        self.options = options or ServeOptions()
        self.options.host, self.options.port = host, port
        self.asgi = engine_asgi(app, self.options)
        super().__init__(_uvicorn_config(self.asgi, self.options), host, port)

    @property
    def scheme(self) -> str:
        return "https" if self.options.certfile else "http"


def serve(config: Config, options: ServeOptions) -> None:
    """Serve until interrupted: in this process, or in ``options.workers`` worker processes.

    The database holds its schema and scenario before this is called; workers only open it.
    """
    raise_open_files_limit()
    if options.workers <= 1:
        uvicorn.Server(_uvicorn_config(process_app(config, options), options)).run()
        return
    os.environ[WORKER_SETTINGS] = json.dumps({"config": _config_dict(config), "options": asdict(options),
                                              "log_level": logging.getLogger().getEffectiveLevel()})
    uvicorn_config = _uvicorn_config("engine_api.serving.server:worker_app", options, factory=True,
                                     workers=options.workers)
    sock = uvicorn_config.bind_socket()
    Multiprocess(uvicorn_config, sockets=[sock]).run()


def process_app(config: Config, options: ServeOptions) -> EngineAsgi:
    """The application of one serving process, with the engine's CA when it serves TLS."""
    from engine_api.app import create_app

    app = create_app(config, pool_size=options.pool_size)
    pem = config.state_dir / "pki" / "ca.pem"
    if options.certfile and pem.exists():
        app.extensions["engine_emu"].ca_pem = pem.read_bytes()
    served = engine_asgi(app, options)
    freeze_startup_objects()
    return served


def freeze_startup_objects() -> None:
    """Keep what the process built at startup (the type model, routes, SQL metadata: hundreds of
    thousands of objects that live as long as the process) out of the garbage collector's full
    passes, which otherwise scan them all and pause the event loop, and with it every stream."""
    gc.collect()
    gc.freeze()


def worker_app() -> EngineAsgi:
    """The application of one worker process, from the settings its parent left in the environment."""
    raise_open_files_limit()
    settings = json.loads(os.environ[WORKER_SETTINGS])
    logging.basicConfig(level=settings["log_level"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = Config(**{**settings["config"], "state_dir": Path(settings["config"]["state_dir"])})
    raw = settings["options"]
    return process_app(config, ServeOptions(**{**raw, "limits": HttpLimits(**raw["limits"])}))


def _config_dict(config: Config) -> dict[str, Any]:
    data = asdict(config)
    data["state_dir"] = str(config.state_dir)
    return data

