"""The request journal: every request of the API and SSO one process served, and how it answered.

The serving layer (:class:`~engine_api.serving.asgi.EngineAsgi`) records each request it is
handed, the control API's excepted: method, path, query, headers and body as they arrived, the
status, who answered (the application, a direct read of a document, the serving layer's own
refusal, a fault rule), the duration, and the SQL statements the application ran for it (their
count and time, and the first texts). Secrets never reach it: ``Authorization`` and cookies,
passwords and tokens of a query or form, password elements of a body are masked.

The journal is a ring in memory: at most ``capacity`` requests and ``max_bytes`` of their bodies
and statements, the oldest forgotten first; a body is kept up to ``body_bytes``. Recording costs
no database access and no parsing; what a real engine would refuse or ignore in a request (its
:attr:`JournalEntry.marks`, see :mod:`engine_api.control.conformance`) is worked out when asked.

Reads select requests with a :class:`RequestFilter`: by method, path pattern, header, time,
status and whether they carry marks.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence, Union
from urllib.parse import parse_qsl

from sqlalchemy import event

from engine_api import faults

#: The WSGI environ key under which the application leaves a request's :class:`SqlSummary`.
SQL_ENVIRON = "engine_emu.sql"

DEFAULT_CAPACITY = 10_000
DEFAULT_BODY_BYTES = 64 * 1024
DEFAULT_MAX_BYTES = 64 << 20
MAX_CAPACITY = 1_000_000
#: Statements of one request whose texts are kept, and how much of each.
MAX_STATEMENTS = 50
STATEMENT_CHARS = 1000
MASK = "***"

ANSWERED_BY = ("application", "direct", "engine", "fault rule", "stream")
"""Who answers a request: the Flask application, a direct read of a stored document, the serving
layer itself (a refusal before the application: overload, a body too large), a fault rule, or a
stream of the change feed."""

_SECRET_HEADERS = frozenset({b"authorization", b"proxy-authorization"})
_SECRET_WORDS = (b"password", b"passphrase", b"secret", b"token", b"private_key")
_SECRET_NAME = r"[\w.-]*(?:password|passphrase|secret|token|private_key)[\w.-]*"
_XML_SECRET = re.compile(rf"(<(?:[\w.-]+:)?({_SECRET_NAME})(?:\s[^>]*)?>)[^<]*(?=</)", re.IGNORECASE)
_JSON_SECRET = re.compile(rf'("{_SECRET_NAME}"\s*:\s*")(?:[^"\\]|\\.)*(")', re.IGNORECASE)
_TIMING_SQL = re.compile(r'sql;dur=([0-9.]+);desc="(\d+) statements"')


@dataclass(frozen=True)
class SqlSummary:
    """The SQL statements of one request: how many ran, their time, and the first texts with
    each one's seconds."""

    count: int = 0
    seconds: float = 0.0
    statements: tuple[tuple[str, float], ...] = ()


_NO_SQL = SqlSummary()


class SqlRecorder:
    """Keeps the texts of the statements a thread runs between :meth:`begin` and :meth:`finish`
    (one request in the application), at most ``max_statements`` of ``max_chars`` each."""

    def __init__(self, max_statements: int = MAX_STATEMENTS, max_chars: int = STATEMENT_CHARS) -> None:
        self.max_statements = max_statements
        self.max_chars = max_chars
        self.enabled = True
        self._local = threading.local()

    def install(self, engine: Any) -> None:
        """Listen to the statements of a SQLAlchemy ``engine``."""
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def begin(self) -> None:
        self._local.statements = [] if self.enabled else None

    def finish(self, count: int, seconds: float) -> SqlSummary:
        """The request's summary (``count`` and ``seconds`` as the database counted them), and the
        end of recording in this thread."""
        statements = getattr(self._local, "statements", None)
        self._local.statements = None
        return SqlSummary(count, seconds, tuple(statements or ()))

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if getattr(self._local, "statements", None) is not None:
            self._local.started = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        statements = getattr(self._local, "statements", None)
        if statements is not None and len(statements) < self.max_statements:
            statements.append((statement[:self.max_chars], time.perf_counter() - self._local.started))


def masked_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    """Request headers fit for the journal: credentials replaced by their scheme and ``***``,
    cookie values by ``***``."""
    kept = []
    for name, value in headers:
        if name in _SECRET_HEADERS:
            scheme, _, credentials = value.partition(b" ")
            value = scheme + b" " + MASK.encode() if credentials else MASK.encode()
        elif name == b"cookie":
            value = b"; ".join(part.split(b"=", 1)[0].strip() + b"=" + MASK.encode() for part in value.split(b";"))
        kept.append((name.decode("latin-1"), value.decode("latin-1")))
    return tuple(kept)


def masked_body(body: bytes, content_type: str) -> bytes:
    """A request body with the values of passwords, tokens and secrets replaced by ``***``: the
    members of a form, the elements of XML, the members of JSON."""
    lowered = body.lower()
    if not any(word in lowered for word in _SECRET_WORDS):
        return body
    if "x-www-form-urlencoded" in content_type.lower():
        from engine_api.serving.asgi import masked_query

        return masked_query(body).encode("latin-1")
    text = body.decode("utf-8", "replace")
    text = _XML_SECRET.sub(lambda m: m.group(1) + MASK, text)
    text = _JSON_SECRET.sub(lambda m: m.group(1) + MASK + m.group(2), text)
    return text.encode("utf-8")


def _masked_query(query: bytes) -> str:
    if not query:
        return ""
    lowered = query.lower()
    if not any(word in lowered for word in _SECRET_WORDS):
        return query.decode("latin-1")
    from engine_api.serving.asgi import masked_query

    return masked_query(query)


class JournalEntry:
    """One journaled request. Filled in by the serving layer while the request is answered, then
    kept unchanged."""

    __slots__ = ("id", "time", "started", "method", "path", "query", "header_pairs", "raw_body", "body_bytes",
                 "body_truncated", "status", "answered_by", "fault_rule", "seconds", "sql", "finished", "kept_bytes",
                 "_marks")

    def __init__(self, method: str, path: str, query: str, headers: tuple[tuple[str, str], ...]) -> None:
        self.id = 0
        self.time = time.time()
        self.started = time.perf_counter()
        self.method = method
        self.path = path
        self.query = query
        self.header_pairs = headers
        self.raw_body = b""
        self.body_bytes = 0
        self.body_truncated = False
        self.status: Optional[int] = None
        self.answered_by: Optional[str] = None
        self.fault_rule: Optional[str] = None
        self.seconds = 0.0
        self.sql = _NO_SQL
        self.finished = False
        self.kept_bytes = 0
        self._marks: Optional[tuple[Any, ...]] = None

    # What the serving layer adds
    def took_sql_timing(self, headers: Iterable[tuple[bytes, bytes]]) -> None:
        """The SQL count and time of an answer that states them only in ``Server-Timing``."""
        for name, value in headers:
            if name == b"server-timing":
                found = _TIMING_SQL.search(value.decode("latin-1"))
                if found:
                    self.sql = SqlSummary(int(found.group(2)), float(found.group(1)) / 1000)

    # Reading
    @property
    def headers(self) -> dict[str, str]:
        """The headers by name as sent (lower case); repeated ones joined by ``, ``."""
        joined: dict[str, str] = {}
        for name, value in self.header_pairs:
            joined[name] = f"{joined[name]}, {value}" if name in joined else value
        return joined

    def header(self, name: str) -> Optional[str]:
        """The value of a header (any case), or None when the request did not send it."""
        return self.headers.get(name.lower())

    @property
    def params(self) -> dict[str, list[str]]:
        """The query and matrix parameters, by name."""
        found: dict[str, list[str]] = {}
        for name, value in parse_qsl(normalized(self.path, self.query)[1], keep_blank_values=True):
            found.setdefault(name, []).append(value)
        return found

    @property
    def normalized_path(self) -> str:
        """The path as the engine routes it: no matrix parameters, repeated or trailing slashes, or
        ``/v4`` segment."""
        return normalized(self.path, "")[0]

    @property
    def body(self) -> str:
        """The body as text (as much of it as the journal keeps)."""
        return self.raw_body.decode("utf-8", "replace")

    @property
    def duration_ms(self) -> float:
        return self.seconds * 1000

    @property
    def content_type(self) -> str:
        return self.header("content-type") or ""

    @property
    def marks(self) -> tuple[Any, ...]:
        """What a real engine would refuse or ignore in the request
        (:class:`~engine_api.control.conformance.Mark`), worked out once, when first read."""
        if self._marks is None:
            from engine_api.control.conformance import marks_of

            self._marks = marks_of(self)
        return self._marks

    @property
    def size(self) -> int:
        """The bytes this entry holds beyond its fixed fields."""
        return (len(self.raw_body) + sum(len(n) + len(v) for n, v in self.header_pairs) + len(self.query)
                + sum(len(text) + 16 for text, _ in self.sql.statements))

    def __repr__(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"<JournalEntry {self.id} {self.method} {self.path}{query} {self.status}>"


def normalized(path: str, query: str) -> tuple[str, str]:
    """``(path, query)`` as the application routes them (see
    :class:`~engine_api.normalize.PathNormalizer`): matrix parameters moved to the query."""
    from engine_api.normalize import PathNormalizer

    seen: dict[str, Any] = {}

    def capture(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        return []

    PathNormalizer(capture)({"PATH_INFO": path, "QUERY_STRING": query}, None)
    return seen["PATH_INFO"], seen["QUERY_STRING"]


def path_pattern(glob: str) -> re.Pattern[str]:
    """A path glob as a regular expression: ``*`` matches within one segment, ``**`` across
    segments, ``?`` one character of a segment. A glob that does not start with ``/`` is relative
    to the API root (``vms/*`` is ``/ovirt-engine/api/vms/*``)."""
    from engine_api.normalize import API_ROOT

    if not glob.startswith("/"):
        glob = f"{API_ROOT}/{glob}"
    parts = []
    for piece in re.split(r"(\*\*|\*|\?)", glob):
        parts.append({"**": ".*", "*": "[^/]*", "?": "[^/]"}.get(piece) or re.escape(piece))
    return re.compile("".join(parts))


def value_pattern(glob: str) -> re.Pattern[str]:
    """A header value glob, case-insensitive: ``*`` matches any text, ``?`` one character."""
    parts = [{"*": ".*", "?": "."}.get(piece) or re.escape(piece) for piece in re.split(r"(\*|\?)", glob)]
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def header_condition(text: str, what: str = "header") -> tuple[str, Optional[re.Pattern[str]]]:
    """``Name`` (sent at all) or ``Name:value`` (sent with a value matching a glob) as ``(name,
    pattern)``; a 400 fault for an empty name."""
    name, separator, value = text.partition(":")
    name = name.strip().lower()
    if not name or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9a-z-]+", name):
        raise faults.BadRequest(f"Invalid value '{text}' for '{what}': expected Name or Name:value")
    return name, value_pattern(value.strip()) if separator else None


def matches_path(pattern: re.Pattern[str], path: str) -> bool:
    """Whether a request path, as sent or as routed, matches a :func:`path_pattern`."""
    return bool(pattern.fullmatch(path)) or bool(pattern.fullmatch(normalized(path, "")[0]))


def matches_headers(conditions: Sequence[tuple[str, Optional[re.Pattern[str]]]],
                    headers: Iterable[tuple[str, str]]) -> bool:
    """Whether every :func:`header_condition` holds for some header of ``headers``."""
    headers = tuple(headers)
    for name, pattern in conditions:
        if not any(n.lower() == name and (pattern is None or pattern.fullmatch(v.strip())) for n, v in headers):
            return False
    return True


Moment = Union[float, int, str, dt.datetime]
Several = Union[str, Sequence[str]]


def _several(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [part.strip() for part in str(value).split(",") if part.strip()]
    return [part.strip() for item in value for part in str(item).split(",") if part.strip()]


def _moment(value: Moment, name: str) -> float:
    """Seconds since the epoch of a number of them, ISO 8601 text or a ``datetime``."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            pass
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)).timestamp()
    raise faults.BadRequest(f"Invalid value '{value}' for '{name}': expected seconds since the epoch or an "
                            f"ISO 8601 time such as 2026-01-31T12:00:00Z")


def _statuses(value: Any) -> tuple[tuple[int, int], ...]:
    ranges = []
    for part in _several(value):
        text = part.lower()
        if re.fullmatch(r"[1-5]xx", text):
            low = int(text[0]) * 100
            ranges.append((low, low + 99))
        elif text.isdigit() and 100 <= int(text) <= 599:
            ranges.append((int(text), int(text)))
        else:
            raise faults.BadRequest(f"Invalid value '{part}' for 'status': expected a status such as 404, "
                                    "a class such as 4xx, or several separated by commas")
    return tuple(ranges)


def _flag(value: Any, name: str) -> Optional[bool]:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise faults.BadRequest(f"Invalid value '{value}' for '{name}': expected true or false")


def _limit(value: Any) -> Optional[int]:
    if value is None:
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else -1
    except ValueError:
        number = -1
    if number < 1:
        raise faults.BadRequest(f"Invalid value '{value}' for 'limit': expected a whole number above 0")
    return number


_METHOD = re.compile(r"[A-Z]+")


@dataclass(frozen=True)
class RequestFilter:
    """Which journaled requests to read: each condition given must hold."""

    methods: frozenset[str] = frozenset()
    path: Optional[re.Pattern[str]] = None
    headers: tuple[tuple[str, Optional[re.Pattern[str]]], ...] = ()
    since: Optional[float] = None
    until: Optional[float] = None
    statuses: tuple[tuple[int, int], ...] = ()
    marked: Optional[bool] = None
    limit: Optional[int] = None

    @classmethod
    def of(cls, method: Optional[Several] = None, path: Optional[str] = None, header: Optional[Several] = None,
           since: Optional[Moment] = None, until: Optional[Moment] = None,
           status: Union[None, int, str, Sequence[Union[int, str]]] = None, marked: Union[None, bool, str] = None,
           limit: Union[None, int, str] = None) -> RequestFilter:
        """A filter of the requests with one of the ``method`` s (``GET`` or ``GET,POST``), a path
        matching ``path`` (a :func:`path_pattern`), every ``header`` (``Name`` or ``Name:value``
        glob), arriving from ``since`` up to ``until`` (seconds since the epoch, ISO 8601 or
        ``datetime``), answered with one of the ``status`` es (``404``, ``4xx``, ``200,201``), with
        (``marked=True``) or without marks; ``limit`` keeps the last so many. A 400 fault names a
        bad value."""
        methods = frozenset(m.upper() for m in _several(method))
        for name in methods:
            if not _METHOD.fullmatch(name):
                raise faults.BadRequest(f"Invalid value '{name}' for 'method': expected an HTTP method such as GET")
        if path is not None and not str(path).strip():
            raise faults.BadRequest("Invalid value '' for 'path': expected a path pattern such as "
                                    "/ovirt-engine/api/vms/*")
        headers = [header] if isinstance(header, str) else list(header or ())
        return cls(
            methods=methods,
            path=path_pattern(str(path).strip()) if path is not None else None,
            headers=tuple(header_condition(str(h)) for h in headers),
            since=_moment(since, "since") if since is not None else None,
            until=_moment(until, "until") if until is not None else None,
            statuses=_statuses(status),
            marked=_flag(marked, "marked"),
            limit=_limit(limit),
        )

    def matches(self, entry: JournalEntry) -> bool:
        if self.methods and entry.method not in self.methods:
            return False
        if self.since is not None and entry.time < self.since:
            return False
        if self.until is not None and entry.time > self.until:
            return False
        if self.statuses and not any(low <= (entry.status or 0) <= high for low, high in self.statuses):
            return False
        if self.path is not None and not matches_path(self.path, entry.path):
            return False
        if self.headers and not matches_headers(self.headers, entry.header_pairs):
            return False
        if self.marked is not None and bool(entry.marks) != self.marked:
            return False
        return True


@dataclass(frozen=True)
class JournalSetting:
    """How much the journal keeps, and what it holds now."""

    capacity: int
    body_bytes: int
    max_bytes: int
    kept: int = 0
    kept_bytes: int = 0


@dataclass(frozen=True)
class Selection:
    """The journaled requests a filter selects (the last ``limit`` of them), and how many it matches."""

    requests: list[JournalEntry]
    count: int


class Journal:
    """The request journal of one process (see the module's description)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, body_bytes: int = DEFAULT_BODY_BYTES,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.sql = SqlRecorder()
        self._entries: deque[JournalEntry] = deque()
        self._bytes = 0
        self._next_id = 1
        self._lock = threading.Lock()
        self.capacity = self.body_bytes = self.max_bytes = 0
        self.configure(capacity, body_bytes, max_bytes)

    def watch(self, engine: Any) -> None:
        """Record the statement texts of a SQLAlchemy ``engine`` (the engine's database)."""
        self.sql.install(engine)

    # Settings
    @property
    def recording(self) -> bool:
        return self.capacity > 0

    def setting(self) -> JournalSetting:
        with self._lock:
            return JournalSetting(self.capacity, self.body_bytes, self.max_bytes, len(self._entries), self._bytes)

    def configure(self, capacity: Optional[int] = None, body_bytes: Optional[int] = None,
                  max_bytes: Optional[int] = None) -> JournalSetting:
        """Change how many requests the journal keeps (0: none, recording stops), how much of each
        body, and how many bytes of bodies and statements in all; the oldest requests beyond go."""
        checks = (("capacity", capacity, 0, MAX_CAPACITY), ("body_bytes", body_bytes, 0, 16 << 20),
                  ("max_bytes", max_bytes, 0, 1 << 34))
        for name, value, low, high in checks:
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not low <= value <= high):
                raise faults.BadRequest(f"Invalid value '{value}' for '{name}': expected a whole number "
                                          f"from {low} to {high}")
        with self._lock:
            if capacity is not None:
                self.capacity = capacity
            if body_bytes is not None:
                self.body_bytes = body_bytes
            if max_bytes is not None:
                self.max_bytes = max_bytes
            self.sql.enabled = self.capacity > 0
            self._evict()
        return self.setting()

    # Recording (on the event loop)
    def begin(self, scope: dict[str, Any]) -> Optional[JournalEntry]:
        """A new entry for an HTTP request's ASGI ``scope``, or None when the journal records nothing."""
        if self.capacity <= 0:
            return None
        return JournalEntry(scope["method"], scope["path"], _masked_query(scope.get("query_string", b"")),
                            masked_headers(scope["headers"]))

    def took_body(self, entry: JournalEntry, body: bytes) -> None:
        """The request's whole body, kept masked and cut at ``body_bytes``."""
        entry.body_bytes = len(body)
        entry.body_truncated = len(body) > self.body_bytes
        if body:
            entry.raw_body = masked_body(body[:self.body_bytes], entry.content_type)

    def finish(self, entry: JournalEntry) -> None:
        """Keep a request whose answer is complete (or that ended without one); once only."""
        if entry.finished:
            return
        entry.finished = True
        entry.seconds = time.perf_counter() - entry.started
        entry.kept_bytes = entry.size
        with self._lock:
            if self.capacity <= 0:
                return
            entry.id = self._next_id
            self._next_id += 1
            self._entries.append(entry)
            self._bytes += entry.kept_bytes
            self._evict()

    def _evict(self) -> None:
        while self._entries and (len(self._entries) > self.capacity or self._bytes > self.max_bytes):
            self._bytes -= self._entries.popleft().kept_bytes

    # Reading
    def select(self, selection: RequestFilter) -> Selection:
        """The requests ``selection`` matches, in the order they arrived."""
        with self._lock:
            entries = list(self._entries)
        found = [entry for entry in entries if selection.matches(entry)]
        kept = found[-selection.limit:] if selection.limit is not None else found
        return Selection(kept, len(found))

    def requests(self, **filters: Any) -> list[JournalEntry]:
        """The requests that match ``filters`` (see :meth:`RequestFilter.of`), oldest first."""
        return self.select(RequestFilter.of(**filters)).requests

    def count(self, **filters: Any) -> int:
        """How many requests match ``filters`` (see :meth:`RequestFilter.of`)."""
        return self.select(RequestFilter.of(**filters)).count

    def last(self, **filters: Any) -> Optional[JournalEntry]:
        """The latest request that matches ``filters``, or None."""
        found = self.select(RequestFilter.of(**{**filters, "limit": 1})).requests
        return found[0] if found else None

    def clear(self) -> int:
        """Forget every request; how many there were."""
        with self._lock:
            removed = len(self._entries)
            self._entries.clear()
            self._bytes = 0
        return removed
