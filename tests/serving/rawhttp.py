"""HTTP over a bare socket, for requests no HTTP client library would send."""
from __future__ import annotations

import json
import socket
import weakref
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

from lxml import etree


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def fault_detail(self) -> str:
        """The detail of the oVirt fault this response carries, checking that it is one."""
        content_type = self.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            data = json.loads(self.body)
            assert set(data) == {"reason", "detail"}, data
            return data["detail"]
        assert content_type.startswith("application/xml"), (content_type, self.body[:200])
        root = etree.fromstring(self.body)
        assert root.tag == "fault" and root.findtext("reason"), self.body
        return root.findtext("detail") or ""


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


#: Bytes read off a socket past the response they followed: the start of the next, pipelined one.
_AHEAD: "weakref.WeakKeyDictionary[socket.socket, bytes]" = weakref.WeakKeyDictionary()


def read_response(sock: socket.socket, timeout: float = 10.0) -> Optional[RawResponse]:
    """One response read off ``sock``; None when the server closed without answering."""
    sock.settimeout(timeout)
    data = _AHEAD.pop(sock, b"")
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None if not data else _parse(data, sock)
        data += chunk
    return _parse(data, sock)


def _parse(data: bytes, sock: socket.socket) -> RawResponse:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    if len(body) > length:
        _AHEAD[sock] = body[length:]
    return RawResponse(status, headers, body[:length])


def exchange(url: str, request: bytes, *, timeout: float = 10.0) -> Optional[RawResponse]:
    """Send ``request`` as it is on a new connection and read the answer."""
    with socket.create_connection(address(url), timeout=timeout) as sock:
        sock.sendall(request)
        return read_response(sock, timeout)
