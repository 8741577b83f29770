"""Serving the engine: uvicorn's event loop, the engine's HTTP limits, worker processes, the ticker.

The package's names are loaded when first used, so that its light modules (``faults``,
``protocol``) import without the server, which imports the change feed that uses them.
"""
from __future__ import annotations

from typing import Any

__all__ = ["EngineServer", "HttpLimits", "ServeOptions", "serve"]


def __getattr__(name: str) -> Any:
    if name == "HttpLimits":
        from engine_api.serving.protocol import HttpLimits

        return HttpLimits
    if name in ("EngineServer", "ServeOptions", "serve"):
        from engine_api.serving import server

        return getattr(server, name)
    raise AttributeError(f"module 'engine_api.serving' has no attribute '{name}'")
