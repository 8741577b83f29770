"""WSGI middleware that brings every spelling of an API path to one form before routing.

Clients send matrix parameters (``/vms;max=10``), doubled slashes (a connection URL ending in
``/``), a ``/v4`` version segment and trailing slashes; all of them reach the same route.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable
from urllib.parse import quote, unquote

API_ROOT = "/ovirt-engine/api"
_SLASHES = re.compile(r"/{2,}")


class PathNormalizer:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        path = _SLASHES.sub("/", path)
        matrix: list[str] = []
        if ";" in path:
            segments = []
            for segment in path.split("/"):
                name, *params = segment.split(";")
                segments.append(name)
                matrix.extend(p for p in params if p)
            path = "/".join(segments)
        if path.startswith(API_ROOT + "/v") or path == API_ROOT + "/v4":
            rest = path[len(API_ROOT) + 1:]
            head, _, tail = rest.partition("/")
            if re.fullmatch(r"v\d+", head):
                environ["engine_emu.path_version"] = head[1:]
                path = API_ROOT + ("/" + tail if tail else "")
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        environ["PATH_INFO"] = path
        if matrix:
            extra = "&".join(quote(unquote(p), safe="=") for p in matrix)
            query = environ.get("QUERY_STRING", "")
            environ["QUERY_STRING"] = f"{query}&{extra}" if query else extra
        return self.app(environ, start_response)
