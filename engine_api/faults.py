"""oVirt faults: every error the API answers, in the negotiated format."""
from __future__ import annotations

from typing import Iterable


class Fault(Exception):
    """An error answered as ``<fault><reason/><detail/></fault>`` with an HTTP status."""

    status = 400
    reason = "Operation Failed"

    def __init__(self, detail: str, *, status: int | None = None, reason: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if reason is not None:
            self.reason = reason

    def as_wire(self) -> dict[str, str]:
        return {"reason": self.reason, "detail": self.detail}

    def headers(self) -> dict[str, str]:
        """HTTP headers the fault's answer carries besides its body."""
        return {}


class BadRequest(Fault):
    status = 400
    reason = "Bad Request"


class InvalidValue(Fault):
    """A request body that the type model refuses."""

    status = 400
    reason = "Request syntactically incorrect."


class NotFound(Fault):
    status = 404
    reason = "Not Found"


class MethodNotAllowed(Fault):
    status = 405
    reason = "Method Not Allowed"

    def __init__(self, detail: str, allow: Iterable[str]) -> None:
        super().__init__(detail)
        self.allow = sorted(set(allow))

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allow)}


class Conflict(Fault):
    """The engine refused the operation in the entity's current state: ``[Cannot run VM. …]``."""

    status = 409
    reason = "Operation Failed"


class Forbidden(Fault):
    """The user holds no role on the object that permits the operation."""

    status = 403
    reason = "Operation Failed"


class PayloadTooLarge(Fault):
    """A request body over the engine's size limit."""

    status = 413
    reason = "Request Entity Too Large"


class UnsupportedMediaType(Fault):
    """A request body in a format other than XML or JSON."""

    status = 415
    reason = "Unsupported Media Type"


class ServiceUnavailable(Fault):
    """The database could not serve the request now; ``retry_after`` seconds is worth a retry."""

    status = 503
    reason = "Service Unavailable"

    def __init__(self, detail: str, *, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class Unauthorized(Fault):
    status = 401
    reason = "Unauthorized"


def cannot(action: str, *reasons: str) -> Conflict:
    """The engine's kind of validation failure: ``[Cannot run VM. VM is running.]``."""
    text = " ".join([f"Cannot {action}."] + [r if r.endswith(".") else r + "." for r in reasons])
    return Conflict(f"[{text}]")


def entity_not_found(type_label: str, how: str) -> BadRequest:
    return BadRequest(f"Entity not found: {type_label}: {how}", reason="Operation Failed")
