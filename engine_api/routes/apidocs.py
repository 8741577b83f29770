"""The engine's OpenAPI document and a Swagger UI page that reads it, served with no authentication.

``/ovirt-engine/emu/openapi.json`` is the document the running engine generates, byte for byte
the committed ``openapi/openapi.json``; ``/ovirt-engine/emu/docs`` is Swagger UI, whose scripts
and styles (``/ovirt-engine/emu/docs/<file>``) come from the ``flask-swagger-ui`` package, so
the page works with no internet access. Neither is part of the document.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory

from engine_api.control import CONTROL_ROOT
from engine_api.faults import NotFound
from engine_api.openapi import render_document

DOCUMENT_URL = f"{CONTROL_ROOT}/openapi.json"
DOCS_URL = f"{CONTROL_ROOT}/docs"
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png",
          "favicon-16x16.png")
"""The files of the Swagger UI distribution the page loads."""

blp = Blueprint("apidocs", __name__, url_prefix=CONTROL_ROOT)

_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>oVirt Engine API (engine-emu)</title>
  <link rel="stylesheet" type="text/css" href="{DOCS_URL}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{DOCS_URL}/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="{DOCS_URL}/favicon-16x16.png" sizes="16x16">
  <style>body {{ margin: 0; background: #fafafa; }}</style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{DOCS_URL}/swagger-ui-bundle.js"></script>
  <script src="{DOCS_URL}/swagger-ui-standalone-preset.js"></script>
  <script>
    window.onload = function () {{
      window.ui = SwaggerUIBundle({{
        url: "{DOCUMENT_URL}",
        dom_id: "#swagger-ui",
        deepLinking: true,
        docExpansion: "none",
        defaultModelsExpandDepth: -1,
        filter: true,
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        layout: "StandaloneLayout"
      }});
    }};
  </script>
</body>
</html>
"""


def swagger_ui_dist() -> Path:
    """The directory of the Swagger UI distribution that ``flask-swagger-ui`` installs."""
    return Path(str(resources.files("flask_swagger_ui") / "dist"))


def _rendered() -> bytes:
    """The document of the running application, rendered on its first request."""
    rendered = current_app.extensions.get("engine_emu_openapi")
    if rendered is None:
        rendered = current_app.extensions["engine_emu_openapi"] = render_document(current_app).encode("utf-8")
    return rendered


@blp.route("/openapi.json", methods=["GET"])
def openapi_document() -> Response:
    return Response(_rendered(), content_type="application/json")


@blp.route("/docs", methods=["GET"])
@blp.route("/docs/", methods=["GET"])
def docs_page() -> Response:
    return Response(_PAGE, content_type="text/html; charset=utf-8")


@blp.route("/docs/<name>", methods=["GET"])
def docs_asset(name: str) -> Response:
    if name not in ASSETS:
        raise NotFound(f"Resource not found: {DOCS_URL}/{name}")
    return send_from_directory(swagger_ui_dist(), name, max_age=86400)
