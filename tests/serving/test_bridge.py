"""The engine's WSGI bridge against a2wsgi's: the same requests get the same responses."""
from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from a2wsgi import WSGIMiddleware

from engine_api.app import create_app
from engine_api.config import Config
from engine_api.serving.asgi import BufferedWsgi
from fixtures import seed

BASIC = b"Basic " + base64.b64encode(b"admin@internal:admin")
VARYING = {b"server-timing", b"date"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    state = tmp_path_factory.mktemp("bridge")
    flask_app = create_app(Config(database=f"sqlite:///{state / 'engine.sqlite'}", state_dir=state))
    seed(flask_app.extensions["engine_emu"].db, "demo", admin_user="admin@internal")
    yield flask_app
    flask_app.extensions["engine_emu"].db.dispose()


def _scope(method: str, path: str, query: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8080"), (b"authorization", BASIC), *headers]
    if body:
        headers.append((b"content-length", str(len(body)).encode()))
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "",
            "headers": headers, "server": ("127.0.0.1", 8080), "client": ("127.0.0.1", 50000)}


async def _through_a2wsgi(app, scope, body):
    messages: list[dict[str, Any]] = []
    delivered = False

    async def receive():
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)

    async def send(message):
        messages.append(message)

    await WSGIMiddleware(app, workers=1)(scope, receive, send)
    return messages


async def _through_buffered(app, scope, body):
    messages: list[dict[str, Any]] = []

    async def send(message):
        messages.append(message)

    await BufferedWsgi(app, 1, "test")(scope, body, send)
    return messages


def _response(messages):
    start = messages[0]
    assert start["type"] == "http.response.start"
    headers = sorted((n.lower(), v) for n, v in start["headers"] if n.lower() not in VARYING)
    return start["status"], headers, b"".join(m.get("body", b"") for m in messages[1:])


REQUESTS = [
    ("GET", "/ovirt-engine/api/clusters", b"", [], b""),
    ("GET", "/ovirt-engine/api/vms", b"search=name%3Dmyvm", [], b""),
    ("GET", "/ovirt-engine/api/vms", b"max=3", [(b"accept", b"application/json")], b""),
    ("GET", "/ovirt-engine/api/hosts", b"follow=cluster", [], b""),
    ("GET", "/ovirt-engine/api/vms/00000000-0000-0000-0000-00000000dead", b"", [], b""),
    ("GET", "/nowhere", b"", [], b""),
    ("DELETE", "/ovirt-engine/api", b"", [], b""),
    ("POST", "/ovirt-engine/api/vms", b"", [(b"content-type", b"application/xml")], b"<vm><name>x</name>"),
    ("POST", "/ovirt-engine/api/vms", b"", [(b"content-type", b"application/json"),
                                           (b"accept", b"application/json")], b'{"name": "x"}'),
]


@pytest.mark.parametrize("method,path,query,headers,body", REQUESTS,
                         ids=[f"{r[0]} {r[1]}?{r[2].decode()}" for r in REQUESTS])
def test_both_bridges_answer_alike(app, method, path, query, headers, body):
    first = asyncio.run(_through_a2wsgi(app, _scope(method, path, query, headers, body), body))
    second = asyncio.run(_through_buffered(app, _scope(method, path, query, headers, body), body))
    assert _response(first) == _response(second)


def test_both_bridges_add_alike(app):
    answers = []
    for name, run in (("via-a2wsgi", _through_a2wsgi), ("via-buffered", _through_buffered)):
        body = (f"<vm><name>{name}</name><cluster><name>Default</name></cluster>"
                "<template><name>Blank</name></template></vm>").encode()
        scope = _scope("POST", "/ovirt-engine/api/vms", b"", [(b"content-type", b"application/xml")], body)
        status, headers, content = _response(asyncio.run(run(app, scope, body)))
        answers.append((status, [n for n, _ in headers], content.count(b"<"), name.encode() in content))
    assert answers[0] == answers[1]
    assert answers[0][0] == 201
