"""oVirt faults written by the serving layer itself, before a request reaches the application."""
from __future__ import annotations

from http import HTTPStatus
from typing import Iterable, Optional

from engine_api.wire import codec_for_accept

Headers = list[tuple[bytes, bytes]]


def fault_body(status: int, detail: str, accept: Optional[str]) -> tuple[bytes, bytes]:
    """``(content type, body)`` of a ``<fault>`` in the format ``accept`` asks for."""
    codec = codec_for_accept(accept)
    reason = HTTPStatus(status).phrase
    return codec.content_type.encode(), codec.render("fault", {"reason": reason, "detail": detail})


def accept_of(headers: Iterable[tuple[bytes, bytes]]) -> Optional[str]:
    for name, value in headers:
        if name.lower() == b"accept":
            return value.decode("latin-1")
    return None


def fault_response(status: int, detail: str, accept: Optional[str], *, close: bool = False,
                   retry_after: Optional[int] = None) -> tuple[Headers, bytes]:
    """The headers and body of a complete fault response."""
    content_type, body = fault_body(status, detail, accept)
    headers: Headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    if close:
        headers.append((b"connection", b"close"))
    return headers, body
