"""The API root, SSO (token and logout) and the PKI resource with the engine's CA."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_smorest import Blueprint

from engine_api.routes.http import call, state
from engine_api.system import root
from engine_api.system.auth import AuthenticationFailed, issue_token, revoke_token
from engine_api.types import API_PREFIX

api_root = Blueprint("root", __name__, url_prefix=API_PREFIX, description="The API root")
sso = Blueprint("sso", __name__, url_prefix="/ovirt-engine", description="Single sign-on and PKI")


@api_root.route("", methods=["GET"])
@api_root.doc(summary="The API root: product information, summary and the collections' links",
              responses={"200": {"description": "OK", "content": {"application/xml": {
                  "schema": {"$ref": "#/components/schemas/Api"}}}}})
def get_root() -> Any:
    return call(root.api_root)


def _sso_params() -> dict[str, str]:
    """SSO parameters from the form body (the SDK) or the query string (moVirt)."""
    params = dict(request.args.items())
    params.update(request.form.items())
    return params


def _json(data: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(data)
    response.status_code = status
    return response


@sso.route("/sso/oauth/token", methods=["GET", "POST"])
@sso.doc(summary="Obtain an access token with a user name and password (OAuth password grant)")
def token() -> Any:
    params = _sso_params()
    engine = state()
    if params.get("grant_type", "password") != "password":
        return _json({"error_code": "unsupported_grant_type",
                      "error": f"The grant type '{params.get('grant_type')}' is not supported."}, 400)
    if params.get("scope") and "ovirt-app-api" not in params["scope"].split():
        return _json({"error_code": "invalid_scope", "error": "The requested scope is not allowed."}, 400)
    user_name, password = params.get("username", ""), params.get("password", "")
    if not user_name or not password:
        return _json({"error_code": "invalid_request",
                      "error": "The request must contain a username and a password."}, 400)
    try:
        with engine.db.transaction() as session:
            issued = issue_token(session, user_name, password, engine.config.admin_user,
                                 engine.config.admin_password)
            body = {"access_token": issued.token, "scope": "ovirt-app-api", "token_type": "bearer",
                    "exp": str(int(issued.expires_at.timestamp() * 1000))}
    except AuthenticationFailed as failure:
        return _json({"error_code": "access_denied", "error": str(failure)}, 400)
    return _json(body)


@sso.route("/services/sso-logout", methods=["GET", "POST"])
@sso.doc(summary="Revoke an access token")
def logout() -> Any:
    token_value = _sso_params().get("token")
    if token_value:
        with state().db.transaction() as session:
            revoke_token(session, token_value)
        state().authenticator.forget_token(token_value)
    return _json({})


@sso.route("/services/pki-resource", methods=["GET"])
@sso.doc(summary="The engine's CA certificate, as X509 PEM")
def pki_resource() -> Any:
    resource = request.args.get("resource", "ca-certificate")
    fmt = request.args.get("format", "X509-PEM-CA")
    if resource not in ("ca-certificate", "engine-certificate") or fmt not in ("X509-PEM-CA", "X509-PEM"):
        return _json({"error": f"Unsupported resource '{resource}' or format '{fmt}'"}, 400)
    pem = state().ca_pem
    if pem is None:
        return _json({"error": "This engine serves plain HTTP and has no CA; start it with --tls"}, 404)
    return Response(pem, content_type="application/x-x509-ca-cert")
