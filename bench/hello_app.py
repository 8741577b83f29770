"""A Flask hello world served exactly as the engine is: the baseline of bench/serve.py."""
from __future__ import annotations

from flask import Flask

from engine_api.serving.asgi import EngineAsgi

app = Flask("hello")


@app.get("/")
def hello() -> str:
    return "Hello, World!"


def asgi() -> EngineAsgi:
    return EngineAsgi(app)
