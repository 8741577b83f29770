"""A request of the change feed: its path, parameters and headers, checked."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Collection, Optional
from urllib.parse import parse_qsl

FEED_PATH = "/ovirt-engine/api/changes"
_FEED_PATH = re.compile(r"^/ovirt-engine/api(?:/v4)?/changes/?$")
_REVISION = re.compile(r"^[0-9]{1,18}$")

#: Longest long-poll, in seconds: longer waits are served as this.
MAX_WAIT = 60
#: Changes per long-poll answer when ``max`` is not given, and at most.
DEFAULT_MAX = 100
MAX_MAX = 1000


def is_feed_path(path: str) -> bool:
    """Whether ``path`` is the feed's (with the ``/v4`` segment and a trailing slash allowed)."""
    return _FEED_PATH.match(path) is not None


class BadFeedRequest(Exception):
    """A parameter or header of a feed request that is not what the feed takes (a 400 fault)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class FeedRequest:
    """What a client asks of the feed.

    ``since`` is the revision to read after (from ``Last-Event-ID`` first, then ``since``;
    None: from the head); ``stream`` is true for ``Accept: text/event-stream``.
    """

    since: Optional[int]
    collection: Optional[str]
    max: int
    wait: int
    stream: bool
    json: bool


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> Optional[str]:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _non_negative(name: str, text: str) -> int:
    if not _REVISION.match(text):
        raise BadFeedRequest(f"'{name}' must be a non-negative integer (at most 18 digits), not '{text}'")
    return int(text)


def _parameters(query: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(query.decode("ascii"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise BadFeedRequest("The query string must be ASCII; percent-encode other characters") from None
    found: dict[str, str] = {}
    for name, value in pairs:
        if name in found:
            raise BadFeedRequest(f"The parameter '{name}' is given more than once")
        found[name] = value
    return found


def feed_request(scope: dict[str, Any], collections: Collection[str]) -> FeedRequest:
    """The feed request of ``scope``; raises :class:`BadFeedRequest`.

    ``collections`` are the names the ``collection`` parameter may take.
    """
    parameters = _parameters(scope.get("query_string", b""))
    headers = scope["headers"]
    since: Optional[int] = None
    last_event_id = _header(headers, b"last-event-id")
    if last_event_id is not None:
        since = _non_negative("Last-Event-ID", last_event_id.strip())
    elif "since" in parameters:
        since = _non_negative("since", parameters["since"])
    collection = parameters.get("collection")
    if collection is not None and collection not in collections:
        raise BadFeedRequest(f"There is no collection '{collection}'; the feed knows: {', '.join(sorted(collections))}")
    limit = _non_negative("max", parameters["max"]) if "max" in parameters else DEFAULT_MAX
    wait = _non_negative("wait", parameters["wait"]) if "wait" in parameters else 0
    accept = (_header(headers, b"accept") or "").lower()
    return FeedRequest(since=since, collection=collection, max=min(limit, MAX_MAX), wait=min(wait, MAX_WAIT),
                       stream="text/event-stream" in accept,
                       json="json" in accept and "xml" not in accept.split(";")[0])
