"""Serving the engine: uvicorn's event loop, the engine's HTTP limits, worker processes, the ticker."""
from engine_api.serving.protocol import HttpLimits
from engine_api.serving.server import EngineServer, ServeOptions, serve

__all__ = ["EngineServer", "HttpLimits", "ServeOptions", "serve"]
