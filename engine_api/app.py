"""The Flask application factory of the emulated engine."""
from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from flask import Flask, Response, g, request
from flask_smorest import Api
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed

from engine_api import database_faults, faults
from engine_api.api import CONCEPTS, registry
from engine_api.config import Config
from engine_api.control import CONTROL_ROOT
from engine_api.control.clock import Clock
from engine_api.control.fault_rules import FaultRules
from engine_api.control.journal import SQL_ENVIRON, Journal
from engine_api.control.states import EngineStates
from engine_api.db import Database
from engine_api.documents.listings import RenderedListings
from engine_api.normalize import API_ROOT, PathNormalizer
from engine_api.routes.http import negotiated_codec, refuse_nul_characters
from engine_api.services.context import Settings
from engine_api.services.registry import Registry
from engine_api.system import auth
from engine_api.wire import JsonCodec, XmlCodec

log = logging.getLogger(__name__)

SUPPORTED_VERSIONS = ("4",)


@dataclass
class EngineState:
    config: Config
    db: Database
    settings: Settings
    instance_id: str
    authenticator: auth.Authenticator
    listings: RenderedListings
    registry: Registry
    ca_pem: Optional[bytes] = None
    clock: Optional[Clock] = None
    states: Optional[EngineStates] = None
    journal: Optional[Journal] = None
    fault_rules: Optional[FaultRules] = None

    def __post_init__(self) -> None:
        self.clock = self.clock or Clock(self)
        self.states = self.states or EngineStates(self)
        if self.journal is None:
            self.journal = Journal()
            self.journal.watch(self.db.engine)
        if self.fault_rules is None:
            self.fault_rules = FaultRules()


#: The SSO services and the PKI resource, which answer every failure in JSON of their own.
SSO_PREFIXES = ("/ovirt-engine/sso/", "/ovirt-engine/services/sso-logout")
PKI_RESOURCE = "/ovirt-engine/services/pki-resource"


def _service_error(fault: faults.Fault) -> Optional[dict[str, str]]:
    """A fault as the SSO services (``{error_code, error}``) or the PKI resource (``{error}``)
    answer it; None on other paths."""
    if request.path.startswith(SSO_PREFIXES):
        return {"error_code": "server_error" if fault.status >= 500 else "invalid_request", "error": fault.detail}
    if request.path == PKI_RESOURCE:
        return {"error": fault.detail}
    return None


def _fault_response(fault: faults.Fault) -> Response:
    service_error = _service_error(fault)
    if service_error is not None:
        response = Response(json.dumps(service_error), status=fault.status, content_type="application/json")
        response.headers.update(fault.headers())
        return response
    try:
        codec = negotiated_codec()
    except RuntimeError:
        codec = XmlCodec()
    if (request.method == "POST" and fault.status != 404 and request.path.startswith(API_ROOT + "/")
            and request.path.rsplit("/", 1)[-1] in _action_names()):
        body = codec.render("action", {"fault": fault.as_wire(), "status": "failed"})
    else:
        body = codec.render("fault", fault.as_wire())
    response = Response(body, status=fault.status, content_type=codec.content_type)
    response.headers.update(fault.headers())
    return response


@lru_cache(maxsize=1)
def _action_names() -> frozenset[str]:
    """The URL segments of every action: the bespoke types' and the API model's."""
    from engine_api.model import load as load_model

    model = load_model()
    served = {segment for service in model.services for segment in model.action_paths(service)}
    return frozenset(action for schema in registry().entity_types for action in schema.actions) | served


#: The challenge of every 401: the schemes the API takes.
AUTHENTICATE_CHALLENGE = 'Bearer realm="ovirt-engine", Basic realm="ovirt-engine"'


def _unauthorized(detail: str) -> Response:
    """The engine's 401: an oVirt fault in the negotiated format, with the challenge."""
    codec = negotiated_codec()
    body = codec.render("fault", faults.Unauthorized(detail).as_wire())
    response = Response(body, status=401, content_type=codec.content_type)
    response.headers["WWW-Authenticate"] = AUTHENTICATE_CHALLENGE
    return response


def _basic_credentials(credentials: str) -> Optional[tuple[str, str]]:
    """``(user name, password)`` of HTTP Basic credentials, or ``None`` when they are not base64 of UTF-8."""
    try:
        raw = base64.b64decode(credentials.encode("latin-1"), validate=True)
        user_name, separator, password = raw.decode("utf-8").partition(":")
    except ValueError:  # not base64, or not UTF-8
        return None
    return (user_name, password) if separator else None


def authorize(authenticator: auth.Authenticator, authorization: str) -> tuple[Optional[auth.Principal], str]:
    """The principal an ``Authorization`` header (Basic credentials or a Bearer token) names, or
    ``None`` and why not. May query the database: call it in a thread."""
    scheme, _, credentials = authorization.partition(" ")
    scheme, credentials = scheme.strip().lower(), credentials.strip()
    if scheme not in ("basic", "bearer") or not credentials:
        return None, "Authentication is required: send HTTP Basic credentials or an SSO Bearer token"
    if scheme == "bearer":
        return authenticator.bearer(credentials), "The access token is invalid or has expired"
    given = _basic_credentials(credentials)
    if given is None:
        return None, "The Basic credentials are not base64 of 'user:password' in UTF-8"
    return authenticator.basic(*given), "Cannot authenticate: the username or password is incorrect"


def _session_minutes() -> Optional[float]:
    try:
        return float(request.headers.get("Session-TTL", ""))
    except ValueError:
        return None


def _authenticate(engine: EngineState) -> Optional[Response]:
    """Find the request's user from its Basic credentials or Bearer token; a 401 fault when none.

    With ``Prefer: persistent-auth`` the engine keeps a session: the first request's credentials
    open it and its answer sets the ``JSESSIONID`` cookie, and later requests may send that
    cookie instead of credentials, until the session's ``Session-TTL`` (minutes) runs out.
    """
    persistent = "persistent-auth" in request.headers.get("Prefer", "").lower()
    authorization = request.headers.get("Authorization", "")
    cookie = request.cookies.get(auth.SESSION_COOKIE) if persistent else None
    if persistent and cookie and not authorization.strip():
        user = engine.authenticator.bearer(cookie)
        if user is None:
            return _unauthorized("The session has expired or is not known: log in again")
        g.user = user
        return None
    user, failure = authorize(engine.authenticator, authorization)
    if user is None:
        return _unauthorized(failure)
    g.user = user
    if persistent and not (cookie and engine.authenticator.bearer(cookie)):
        g.new_session = engine.authenticator.open_session(user, _session_minutes())
    return None


#: Paths under the control root that anyone may read: the API's documentation.
PUBLIC_CONTROL_PATHS = (CONTROL_ROOT + "/openapi.json", CONTROL_ROOT + "/docs")


def _public_control_path(path: str) -> bool:
    return any(path == public or path.startswith(public + "/") for public in PUBLIC_CONTROL_PATHS)


def _administrators_only() -> Optional[Response]:
    """The control API serves users who hold an administrative role."""
    if not g.user.administrative:
        raise faults.Forbidden("The engine's controls are for administrators: this user holds no administrative role")
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
    auth.create_admin(db, config.admin_user)
    settings = Settings(transition_delay=config.transition_delay, admin_user=config.admin_user,
                        statistics_seed=config.statistics_seed)
    engine = EngineState(config=config, db=db, settings=settings, instance_id=str(uuid.uuid4()),
                         authenticator=auth.Authenticator(db, config.admin_user, config.admin_password),
                         listings=RenderedListings(config.listing_cache_bytes), registry=registry())
    app.extensions["engine_emu"] = engine

    from engine_api.model import load as load_model
    from engine_api.openapi import (
        ModelOperations,
        register_components,
        register_model_components,
    )

    operations = ModelOperations(load_model())
    api = Api(app, spec_kwargs={"extra_plugins": [operations]})
    from engine_api.routes.apidocs import blp as apidocs_blueprint
    from engine_api.routes.concepts import concept_blueprints
    from engine_api.routes.control import blp as control_blueprint
    from engine_api.routes.domainxml import blp as domain_xml_blueprint
    from engine_api.routes.fault_rules import blp as fault_rules_blueprint
    from engine_api.routes.generic import generic_blueprint
    from engine_api.routes.journal import blp as journal_blueprint
    from engine_api.routes.snapshots import blp as snapshots_blueprint
    from engine_api.routes.statistics import blp as statistics_blueprint
    from engine_api.routes.storage_content import blp as storage_content_blueprint
    from engine_api.routes.system import api_root, sso

    register_components(api.spec)
    for blueprint in [api_root, sso, *concept_blueprints(CONCEPTS), statistics_blueprint, snapshots_blueprint,
                      storage_content_blueprint, domain_xml_blueprint, control_blueprint, journal_blueprint,
                      fault_rules_blueprint]:
        api.register_blueprint(blueprint)
    generic, generic_paths = generic_blueprint(app.url_map, load_model())
    api.register_blueprint(generic)
    app.register_blueprint(apidocs_blueprint)
    register_model_components(api.spec, load_model(),
                              {path.type for path in generic_paths if path.type} | operations.referenced)

    @app.before_request
    def _before() -> Optional[Response]:
        g.started = time.perf_counter()
        db.counter.reset()
        engine.journal.sql.begin()
        refuse_nul_characters()
        path = request.path
        if path.startswith(CONTROL_ROOT + "/") and not _public_control_path(path):
            return _authenticate(engine) or _administrators_only()
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
        request.environ[SQL_ENVIRON] = engine.journal.sql.finish(db.counter.count, db.counter.seconds)
        if "new_session" in g and response.status_code < 400:
            response.set_cookie(auth.SESSION_COOKIE, g.new_session, path="/ovirt-engine/api", secure=request.is_secure,
                                httponly=True)
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
        if error.code == 422:  # a body the control API's schemas refuse
            messages = getattr(error, "data", {}).get("messages") or error.description
            return _fault_response(faults.BadRequest(f"The request body is not valid: {messages}"))
        return _fault_response(faults.Fault(error.description or error.name, status=error.code or 500,
                                            reason=error.name))

    @app.errorhandler(SQLAlchemyError)
    def _database(error: SQLAlchemyError) -> Response:
        fault = database_faults.fault_for(error)
        database_faults.log_cause(error, fault, request.method, request.path)
        return _fault_response(fault)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error serving %s %s", request.method, request.path)
        return _fault_response(faults.Fault(f"Internal error: {type(error).__name__}", status=500,
                                            reason="Internal Server Error"))

    app.wsgi_app = PathNormalizer(app.wsgi_app)  # type: ignore[method-assign]
    return app


__all__ = ["EngineState", "JsonCodec", "create_app"]
