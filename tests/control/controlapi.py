"""What the control API's tests share: its URLs, a request to it, and the detail of a fault."""
from __future__ import annotations

import requests
from lxml import etree

from engine_api.control import CONTROL_ROOT


def control_url(engine, path: str) -> str:
    return engine.url.replace("/ovirt-engine/api", CONTROL_ROOT) + path


def control(engine, method: str, path: str, **kwargs) -> requests.Response:
    """``method`` on the control API's ``path``, as the engine's administrator."""
    return requests.request(method, control_url(engine, path), auth=(engine.username, engine.password), **kwargs)


def fault_detail(response) -> str:
    assert response.headers["Content-Type"].startswith("application/xml"), response.text
    root = etree.fromstring(response.content)
    assert root.tag == "fault", response.text
    return root.findtext("detail")
