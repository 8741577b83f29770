"""The Flask application factory of the emulated engine."""
from __future__ import annotations

import base64
import binascii
import logging
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from flask import Flask, Response, g, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException, MethodNotAllowed as WerkzeugMethodNotAllowed

from engine_api import faults
from engine_api.config import Config
from engine_api.db import Database
from engine_api.normalize import API_ROOT, PathNormalizer
from engine_api.routes.http import negotiated_codec
from engine_api.services import auth
from engine_api.services.context import Settings
from engine_api.wire import JsonCodec, XmlCodec

# Importing the service modules registers their collections.
from engine_api.services import follow_handlers, infra, system, vms  # noqa: F401  isort: skip
from engine_api.services.registry import attach_search_specs  # isort: skip

attach_search_specs()

log = logging.getLogger(__name__)

SUPPORTED_VERSIONS = ("4",)


@dataclass
class EngineState:
    config: Config
    db: Database
    settings: Settings
    instance_id: str
    ca_pem: Optional[bytes] = None


def _fault_response(fault: faults.Fault) -> Response:
    try:
        codec = negotiated_codec()
    except RuntimeError:
        codec = XmlCodec()
    if request.path.rsplit("/", 1)[-1] in _action_names() and request.method == "POST" and fault.status != 404:
        body = codec.render("action", {"fault": fault.as_wire(), "status": "failed"})
    else:
        body = codec.render("fault", fault.as_wire())
    response = Response(body, status=fault.status, content_type=codec.content_type)
    if isinstance(fault, faults.MethodNotAllowed):
        response.headers["Allow"] = ", ".join(fault.allow)
    return response


@lru_cache(maxsize=1)
def _action_names() -> frozenset[str]:
    from engine_api.types import ENTITY_TYPES

    return frozenset(action for schema in ENTITY_TYPES for action in schema.actions)


def _authenticate(engine: EngineState) -> Optional[Response]:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    user = None
    with engine.db.transaction() as session:
        if scheme.lower() == "bearer" and credentials.strip():
            user = auth.user_for_token(session, credentials.strip())
        elif scheme.lower() == "basic" and credentials.strip():
            try:
                user_name, _, password = base64.b64decode(credentials.strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user_name, password = "", ""
            user = auth.user_for_basic(session, user_name, password, engine.config.admin_user,
                                       engine.config.admin_password)
        if user is not None:
            session.expunge(user)
    if user is None:
        response = Response(b"", status=401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="ovirt-engine", Basic realm="ovirt-engine"'
        return response
    g.user = user
    return None


def create_app(config: Optional[Config] = None, *, database: Optional[Database] = None,
               pool_size: int = 16) -> Flask:
    """An engine over ``config.database`` (created if new); the schema is created if missing.

    ``pool_size`` bounds the database connections, one per thread that serves requests.
    """
    config = config or Config()
    app = Flask("engine_api")
    app.config.update(
        API_TITLE="oVirt Engine API (engine-emu)",
        API_VERSION="4",
        OPENAPI_VERSION="3.0.3",
        MAX_CONTENT_LENGTH=None,
    )
    db = database or Database(config.database_url(), pool_size=pool_size)
    db.create_schema()
    settings = Settings(transition_delay=config.transition_delay, admin_user=config.admin_user)
    engine = EngineState(config=config, db=db, settings=settings, instance_id=str(uuid.uuid4()))
    app.extensions["engine_emu"] = engine

    api = Api(app)
    from engine_api.openapi import register_components
    from engine_api.routes.domainxml import blp as domain_xml_blueprint
    from engine_api.routes.families import family_blueprints
    from engine_api.routes.system import api_root, sso

    register_components(api.spec)
    for blueprint in [api_root, sso, *family_blueprints(), domain_xml_blueprint]:
        api.register_blueprint(blueprint)

    @app.before_request
    def _before() -> Optional[Response]:
        g.started = time.perf_counter()
        db.counter.reset()
        path = request.path
        if not (path == API_ROOT or path.startswith(API_ROOT + "/")):
            return None
        version = request.environ.get("engine_emu.path_version") or request.headers.get("Version", "4").strip() or "4"
        if version not in SUPPORTED_VERSIONS:
            raise faults.BadRequest(f"Version {version} of the API is not supported; this engine serves version 4")
        return _authenticate(engine)

    @app.after_request
    def _after(response: Response) -> Response:
        total = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        entries = [f'sql;dur={db.counter.seconds * 1000:.2f};desc="{db.counter.count} statements"']
        if "render_seconds" in g:
            entries.append(f"render;dur={g.render_seconds * 1000:.2f}")
        if "follow_seconds" in g:
            entries.append(f"follow;dur={g.follow_seconds * 1000:.2f}")
        entries.append(f"total;dur={total:.2f}")
        response.headers["Server-Timing"] = ", ".join(entries)
        return response

    @app.errorhandler(faults.Fault)
    def _fault(fault: faults.Fault) -> Response:
        return _fault_response(fault)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        if isinstance(error, WerkzeugMethodNotAllowed):
            allowed = error.valid_methods or []
            return _fault_response(faults.MethodNotAllowed(
                f"Method {request.method} is not allowed on {request.path}", allow=allowed))
        if error.code == 404:
            return _fault_response(faults.NotFound(f"Resource not found: {request.path}"))
        return _fault_response(faults.Fault(error.description or error.name, status=error.code or 500,
                                            reason=error.name))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error serving %s %s", request.method, request.path)
        return _fault_response(faults.Fault(f"Internal error: {type(error).__name__}", status=500,
                                            reason="Internal Server Error"))

    app.wsgi_app = PathNormalizer(app.wsgi_app)  # type: ignore[method-assign]
    return app


__all__ = ["EngineState", "JsonCodec", "create_app"]
