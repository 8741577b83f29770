"""A client of the control API over HTTP, for ``engine-emu ctl`` and for tests of a served engine."""
from __future__ import annotations

import base64
import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional

from lxml import etree

from engine_api.control import CONTROL_ROOT

DEFAULT_URL = "http://127.0.0.1:8080"


class ControlError(Exception):
    """The engine refused a control request, or could not be reached."""

    def __init__(self, detail: str, status: Optional[int] = None) -> None:
        super().__init__(detail)
        self.detail, self.status = detail, status


def control_url(url: str) -> str:
    """The control root of the engine at ``url`` (``http://host:port``, or any URL of its API)."""
    parsed = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ControlError(f"'{url}' is not an http:// or https:// URL of an engine")
    return f"{parsed.scheme}://{parsed.netloc}{CONTROL_ROOT}"


class ControlClient:
    """Calls the control API of the engine at ``url`` as ``user``."""

    def __init__(self, url: str = DEFAULT_URL, user: str = "admin@internal", password: str = "admin", *,
                 insecure: bool = False, ca_file: Optional[str] = None, timeout: float = 60.0) -> None:
        self.root = control_url(url)
        self.timeout = timeout
        credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {credentials}", "Accept": "application/json"}
        self.context: Optional[ssl.SSLContext] = None
        if self.root.startswith("https:"):
            self.context = ssl.create_default_context(cafile=ca_file)
            if insecure:
                self.context.check_hostname = False
                self.context.verify_mode = ssl.CERT_NONE

    def call(self, method: str, path: str, body: Optional[dict[str, Any]] = None,
             query: Optional[dict[str, Any]] = None) -> Any:
        """The decoded JSON answer of ``method`` on ``path`` (relative to the control root)."""
        url = self.root + path
        pairs = [(key, str(value)) for key, value in (query or {}).items() if value is not None]
        if pairs:
            url += "?" + urllib.parse.urlencode(pairs)
        data = None
        headers = dict(self.headers)
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as error:
            raise ControlError(_fault_detail(error.read()) or str(error), error.code) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ControlError(f"cannot reach the engine at {self.root}: {reason}") from None
        return json.loads(raw) if raw else None


def _fault_detail(body: bytes) -> str:
    """The reason and detail of an oVirt fault, in JSON or XML."""
    try:
        fault = json.loads(body)
        fault = fault.get("fault", fault)
        return ": ".join(part for part in (fault.get("reason"), fault.get("detail")) if part)
    except (ValueError, AttributeError):
        pass
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        return ": ".join(text for text in (root.findtext(".//reason"), root.findtext(".//detail")) if text)
    except etree.XMLSyntaxError:
        return body.decode("utf-8", "replace")[:200]


def env_url() -> str:
    return os.environ.get("ENGINE_EMU_URL", DEFAULT_URL)
