"""Serving the engine: a threaded WSGI server plus the ticker that advances transitions."""
from __future__ import annotations

import logging
import ssl
import threading
import time
from typing import Any, Optional

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from engine_api.services import monitoring, transitions

log = logging.getLogger(__name__)


class Ticker(threading.Thread):
    """The engine's one background thread: applies due transitions every ``interval`` seconds
    and runs a device monitoring cycle every ``monitor_interval`` seconds."""

    def __init__(self, app: Flask, interval: float, monitor_interval: float) -> None:
        super().__init__(name="engine-emu-ticker", daemon=True)
        self.engine = app.extensions["engine_emu"]
        self.interval = interval
        self.monitor_interval = monitor_interval
        self._stop = threading.Event()

    def run(self) -> None:
        next_cycle = time.monotonic()
        while not self._stop.wait(self.interval):
            self.tick()
            if time.monotonic() >= next_cycle:
                self.monitor()
                next_cycle = time.monotonic() + self.monitor_interval

    def tick(self) -> int:
        try:
            with self.engine.db.transaction() as session:
                return transitions.run_due(session, self.engine.settings)
        except Exception:  # the ticker must outlive one bad transition
            log.exception("applying due transitions failed")
            return 0

    def monitor(self) -> list[str]:
        """One device monitoring cycle; the ids of the VMs whose Domain XML it read."""
        try:
            return monitoring.run_cycle(self.engine.db, self.engine.settings)
        except Exception:
            log.exception("device monitoring failed")
            return []

    def stop(self) -> None:
        self._stop.set()


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        log.debug('%s "%s" %s', self.address_string(), self.requestline, code)


class EngineServer:
    """The engine on a host and port, with its ticker; usable from tests and the CLI."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 8080,
                 ssl_context: Optional[ssl.SSLContext] = None) -> None:
        self.app = app
        self.server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=_Handler,
                                                  ssl_context=ssl_context)
        config = app.extensions["engine_emu"].config
        self.ticker = Ticker(app, config.tick_interval, config.monitor_interval)
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    @property
    def url(self) -> str:
        scheme = "https" if self.server.ssl_context else "http"
        host = self.server.server_address[0]
        return f"{scheme}://{host}:{self.port}/ovirt-engine/api"

    def start(self) -> "EngineServer":
        self.ticker.start()
        self._thread = threading.Thread(target=self.server.serve_forever, name="engine-emu-http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.ticker.start()
        try:
            self.server.serve_forever()
        finally:
            self.ticker.stop()

    def stop(self) -> None:
        self.ticker.stop()
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
