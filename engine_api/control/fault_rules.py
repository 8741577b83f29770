"""Fault rules: requests of the API and SSO that the serving layer answers badly on purpose.

A rule matches requests by method, path pattern and, optionally, a header and a regular
expression the body contains. A request it applies to waits for the rule's latency (fixed, or
drawn from a uniform or log-normal distribution, as WireMock's), on the event loop without a
thread, and then gets the rule's fault:

* ``status``: an oVirt fault with the rule's status, in the negotiated format, without the
  application (nothing is done);
* ``drop``: the connection closed with no answer; ``reset``: the connection reset (RST);
* ``malformed``: ``200`` with a body that is neither XML nor JSON;
* ``empty``: ``200`` with an empty body;
* ``truncated``: the request is served, and its answer cut: ``Content-Length`` promises more than
  is sent before the connection closes (the client cannot know whether a write happened).

A rule with latency and no fault delays the request and then serves it normally. A rule applies
with its ``probability`` (drawn from its own generator, seeded with ``seed`` for repeatable runs)
and, with ``times``, only to so many more requests, after which it is removed. The first rule in
the order of adding that matches and applies wins. Rules live in the process's memory and never
touch the control API's own requests.
"""
from __future__ import annotations

import math
import random
import re
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from engine_api import faults
from engine_api.control.journal import (
    header_condition,
    matches_headers,
    matches_path,
    path_pattern,
)

FAULTS = ("status", "drop", "reset", "malformed", "empty", "truncated")
DELAYS = ("fixed", "uniform", "lognormal")
#: The longest latency a rule may add, in seconds.
MAX_DELAY = 3600.0
MAX_RULES = 1000
_METHOD = re.compile(r"[A-Z]+")


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise faults.BadRequest(f"Invalid value '{value}' for '{name}': expected a number from {low:g} to {high:g}")
    return float(value)


def _whole(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise faults.BadRequest(f"Invalid value '{value}' for '{name}': expected a whole number from {low} to {high}")
    return value


@dataclass(frozen=True)
class Delay:
    """A rule's latency in seconds: ``fixed`` (``seconds``), ``uniform`` (from ``lower`` to
    ``upper``) or ``lognormal`` (``median`` and ``sigma``, the standard deviation of its
    logarithm), never above ``max`` (default :data:`MAX_DELAY`)."""

    type: str
    seconds: Optional[float] = None
    lower: Optional[float] = None
    upper: Optional[float] = None
    median: Optional[float] = None
    sigma: Optional[float] = None
    max: Optional[float] = None

    @classmethod
    def of(cls, spec: Union[float, int, Mapping[str, Any], Delay]) -> Delay:
        """A delay from seconds (fixed) or its fields (``{"type": "uniform", "lower": 0.1,
        "upper": 0.5}``); a 400 fault names a bad one."""
        if isinstance(spec, Delay):
            spec = {k: v for k, v in spec.__dict__.items() if v is not None}
        if not isinstance(spec, Mapping):
            return cls("fixed", seconds=_number(spec, "delay", 0, MAX_DELAY))
        kind = spec.get("type", "fixed" if "seconds" in spec else None)
        if kind not in DELAYS:
            raise faults.BadRequest(f"Invalid value '{kind}' for 'delay.type': expected one of {', '.join(DELAYS)}")
        wanted = {"fixed": ("seconds",), "uniform": ("lower", "upper"), "lognormal": ("median", "sigma")}[kind]
        given = set(spec) - {"type", "max"}
        if given - set(wanted) or set(wanted) - given:
            raise faults.BadRequest(f"A {kind} delay takes {' and '.join(wanted)} (and optionally max); "
                                    f"got {', '.join(sorted(given)) or 'nothing'}")
        values = {name: _number(spec[name], f"delay.{name}", 0, MAX_DELAY) for name in wanted}
        ceiling = _number(spec["max"], "delay.max", 0, MAX_DELAY) if spec.get("max") is not None else None
        if kind == "uniform" and values["lower"] > values["upper"]:
            raise faults.BadRequest(f"A uniform delay's lower bound {values['lower']:g} is above its upper bound "
                                    f"{values['upper']:g}")
        if kind == "lognormal" and values["median"] <= 0:
            raise faults.BadRequest("A lognormal delay's median must be above 0")
        return cls(kind, max=ceiling, **values)

    def sample(self, rng: random.Random) -> float:
        """One latency drawn from the distribution."""
        if self.type == "fixed":
            drawn = self.seconds or 0.0
        elif self.type == "uniform":
            drawn = rng.uniform(self.lower or 0.0, self.upper or 0.0)
        else:
            drawn = rng.lognormvariate(math.log(self.median or 1.0), self.sigma or 0.0)
        return min(drawn, self.max if self.max is not None else MAX_DELAY)


@dataclass
class FaultRule:
    """One rule (see the module's description); ``times`` counts down the requests it still
    applies to, ``applied`` those it applied to."""

    id: str
    path: str
    method: Optional[tuple[str, ...]] = None
    header: Optional[str] = None
    body: Optional[str] = None
    fault: Optional[str] = None
    status: Optional[int] = None
    detail: Optional[str] = None
    retry_after: Optional[int] = None
    delay: Optional[Delay] = None
    probability: float = 1.0
    times: Optional[int] = None
    seed: Optional[int] = None
    applied: int = 0
    created_at: float = field(default_factory=time.time)
    _path: re.Pattern[str] = field(default=re.compile(""), repr=False)
    _header: Optional[tuple[str, Optional[re.Pattern[str]]]] = field(default=None, repr=False)
    _body: Optional[re.Pattern[str]] = field(default=None, repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def matches(self, method: str, path: str, headers: Sequence[tuple[str, str]], body: str) -> bool:
        if self.method is not None and method not in self.method:
            return False
        if not matches_path(self._path, path):
            return False
        if self._header is not None and not matches_headers((self._header,), headers):
            return False
        return self._body is None or bool(self._body.search(body))


@dataclass(frozen=True)
class Injection:
    """What a rule does to one request: wait ``delay`` seconds, then the ``fault`` (None: serve it)."""

    rule: str
    delay: float
    fault: Optional[str]
    status: Optional[int] = None
    detail: Optional[str] = None
    retry_after: Optional[int] = None


class FaultRules:
    """The fault rules of one process."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        """Whether any rule is set (read on the event loop for every request)."""
        return bool(self._rules)

    def add(self, path: str = "**", method: Union[None, str, Sequence[str]] = None, header: Optional[str] = None,
            body: Optional[str] = None, fault: Optional[str] = None, status: Optional[int] = None,
            detail: Optional[str] = None, retry_after: Optional[int] = None,
            delay: Union[None, float, Mapping[str, Any], Delay] = None, probability: float = 1.0,
            times: Optional[int] = None, seed: Optional[int] = None) -> FaultRule:
        """A new rule, after those set: for requests with one of the ``method`` s (``GET`` or
        ``GET,POST``; default any) whose path matches ``path`` (a glob: ``*`` within a segment,
        ``**`` across; relative to the API root unless it starts with ``/``), with ``header``
        (``Name`` or ``Name:value`` glob) and a body that ``body`` (a regular expression) is
        found in. ``fault`` is one of :data:`FAULTS` (``status`` when only ``status`` is given);
        ``delay`` is seconds or a :class:`Delay`'s fields. A 400 fault names what is wrong."""
        methods = _methods(method)
        if not isinstance(path, str) or not path.strip():
            raise faults.BadRequest(f"Invalid value '{path}' for 'path': expected a path pattern such as "
                                    "/ovirt-engine/api/vms/**")
        if header is not None and not isinstance(header, str):
            raise faults.BadRequest(f"Invalid value '{header}' for 'header': expected Name or Name:value")
        condition = header_condition(header) if header is not None else None
        pattern = _body_pattern(body)
        if fault is None and status is not None:
            fault = "status"
        if fault is not None and fault not in FAULTS:
            raise faults.BadRequest(f"Invalid value '{fault}' for 'fault': expected one of {', '.join(FAULTS)}")
        if fault == "status":
            if status is None:
                raise faults.BadRequest("A status fault needs a 'status' (400 to 599)")
            status = _whole(status, "status", 400, 599)
            if status not in set(HTTPStatus):
                raise faults.BadRequest(f"Invalid value '{status}' for 'status': not an HTTP status")
        elif status is not None:
            raise faults.BadRequest(f"A {fault or 'latency'} rule answers no status: leave 'status' out")
        if detail is not None and (not isinstance(detail, str) or fault != "status"):
            raise faults.BadRequest("'detail' is the text of a status fault: give it with a status only")
        if retry_after is not None:
            if fault != "status":
                raise faults.BadRequest("'retry_after' goes with a status fault only")
            retry_after = _whole(retry_after, "retry_after", 0, 86_400)
        latency = Delay.of(delay) if delay is not None else None
        if fault is None and latency is None:
            raise faults.BadRequest(f"A rule needs a fault ({', '.join(FAULTS)}), a status or a delay")
        probability = _number(probability, "probability", 0, 1)
        if times is not None:
            times = _whole(times, "times", 1, 1_000_000_000)
        if seed is not None:
            seed = _whole(seed, "seed", -(2**63), 2**63 - 1)
        with self._lock:
            if len(self._rules) >= MAX_RULES:
                raise faults.BadRequest(f"There are {MAX_RULES} fault rules already: remove some first")
            rule = FaultRule(id=str(self._next_id), path=path.strip(), method=methods, header=header, body=body,
                             fault=fault, status=status, detail=detail, retry_after=retry_after, delay=latency,
                             probability=probability, times=times, seed=seed, _path=path_pattern(path.strip()),
                             _header=condition, _body=pattern, _rng=random.Random(seed))
            self._next_id += 1
            self._rules.append(rule)
        return rule

    def list(self) -> list[FaultRule]:
        """The rules in the order they apply."""
        with self._lock:
            return list(self._rules)

    def get(self, rule_id: str) -> FaultRule:
        """A rule by id; a 404 fault when there is none (any more)."""
        with self._lock:
            for rule in self._rules:
                if rule.id == str(rule_id):
                    return rule
        raise faults.NotFound(f"There is no fault rule {rule_id}")

    def remove(self, rule_id: str) -> FaultRule:
        """Remove a rule; the rule removed, or a 404 fault."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.id == str(rule_id):
                    return self._rules.pop(index)
        raise faults.NotFound(f"There is no fault rule {rule_id}")

    def clear(self) -> int:
        """Remove every rule; how many there were."""
        with self._lock:
            removed = len(self._rules)
            self._rules.clear()
        return removed

    def injection(self, method: str, path: str, headers: Iterable[tuple[bytes, bytes]],
                  body: bytes = b"") -> Optional[Injection]:
        """What the first rule that matches a request and applies does to it, or None; counts
        the application (a rule whose ``times`` run out is removed)."""
        decoded = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers]
        text: Optional[str] = None
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule._body is not None and text is None:
                    text = body.decode("utf-8", "replace")
                if not rule.matches(method, path, decoded, text or ""):
                    continue
                if rule.probability < 1 and not rule._rng.random() < rule.probability:
                    continue
                rule.applied += 1
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        del self._rules[index]
                return Injection(rule.id, rule.delay.sample(rule._rng) if rule.delay else 0.0, rule.fault,
                                 rule.status, rule.detail, rule.retry_after)
        return None


def _methods(method: Union[None, str, Sequence[str]]) -> Optional[tuple[str, ...]]:
    if method is None:
        return None
    names = method.split(",") if isinstance(method, str) else list(method)
    found = []
    for name in names:
        if not isinstance(name, str):
            raise faults.BadRequest(f"Invalid value '{name}' for 'method': expected an HTTP method such as GET")
        text = name.strip().upper()
        if text in ("*", "ANY"):
            return None
        if not _METHOD.fullmatch(text):
            raise faults.BadRequest(f"Invalid value '{name}' for 'method': expected an HTTP method such as GET")
        found.append(text)
    if not found:
        raise faults.BadRequest("Invalid value '' for 'method': expected an HTTP method such as GET")
    return tuple(dict.fromkeys(found))


def _body_pattern(body: Optional[str]) -> Optional[re.Pattern[str]]:
    if body is None:
        return None
    if not isinstance(body, str) or not body:
        raise faults.BadRequest(f"Invalid value '{body}' for 'body': expected a regular expression")
    try:
        return re.compile(body)
    except re.error as error:
        raise faults.BadRequest(f"Invalid value '{body}' for 'body': not a regular expression ({error})") from None
