"""Property tests of ``search=`` on the real ``/vms`` collection, over HTTP.

Generated queries over the demo VMs — every field of the VM search with every operator it
takes, values drawn from the rows (case-flipped, cut around ``*``) or made up, ``and``/``or``
with and without parentheses, free text, ``sortby``, ``page`` with ``max``, the ``Vms:``
prefix — must answer exactly the ids, in order, that a plain-Python evaluation of the same
rows gives. Garbage in ``search`` (and in ``max``, ``from``, ``case_sensitive``) must never answer
500.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine_api import models as m
from engine_api.types import enums

pytestmark = pytest.mark.scenario("demo")

JSON = {"Accept": "application/json"}
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# ASCII with the characters that mean something to LIKE, GLOB, the parser or quoting.
ALPHABET = "aAdDmMoOvV019 -_%*?[]\\\"'.:"
WORD_STOP = set('()"=!<>')
KEYWORDS = {"and", "or", "sortby", "page", "asc", "desc"}


@dataclass
class Row:
    """One VM as the reference sees it: the values its search fields compare."""

    id: str
    name: str
    description: Optional[str]
    comment: Optional[str]
    status: str
    memory: int
    type: str
    os: str
    creationdate: dt.datetime
    stateless: bool
    cluster: Optional[str]
    host: Optional[str]
    template: Optional[str]
    datacenter: Optional[str]


def load_rows(engine) -> list[Row]:
    with engine.db.transaction() as session:
        names = {model: dict(session.execute(select(model.id, model.name)).all())
                 for model in (m.Cluster, m.Host, m.Template, m.DataCenter)}
        dc_of_cluster = dict(session.execute(select(m.Cluster.id, m.Cluster.data_center_id)).all())
        return [
            Row(id=vm.id, name=vm.name, description=vm.description, comment=vm.comment, status=vm.status,
                memory=vm.memory // 2**20, type=vm.type, os=vm.os_type,  # the search compares megabytes
                creationdate=vm.creation_time.astimezone(dt.timezone.utc).replace(tzinfo=None),
                stateless=vm.stateless, cluster=names[m.Cluster].get(vm.cluster_id),
                host=names[m.Host].get(vm.host_id), template=names[m.Template].get(vm.template_id),
                datacenter=names[m.DataCenter].get(dc_of_cluster.get(vm.cluster_id)))
            for vm in session.scalars(select(m.Vm))
        ]


@pytest.fixture
def rows(engine) -> list[Row]:
    found = load_rows(engine)
    assert len(found) == 37
    return found


# -- the reference evaluation ----------------------------------------------------------------

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def matches(value: Optional[str], pattern: str, case_sensitive: bool) -> bool:
    if value is None:
        return False
    if not case_sensitive:
        value, pattern = lower(value), lower(pattern)
    return re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), value, re.DOTALL) is not None


def compare(left: Any, operator: str, right: Any) -> bool:
    if left is None:
        return False
    return {"=": left == right, "!=": left != right, "<": left < right, ">": left > right,
            "<=": left <= right, ">=": left >= right}[operator]


@dataclass(frozen=True)
class Cond:
    field: str  # the reference's field name
    operator: str
    value: Any  # text for strings and enums, int, (start, end-of-day or None) for dates, bool


@dataclass(frozen=True)
class Free:
    text: str


@dataclass(frozen=True)
class All:
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Any_:
    parts: tuple[Any, ...]


STRING_FIELDS = {
    "name": ("name",), "description": ("description",), "comment": ("comment",), "os": ("os",),
    "id": ("id",), "cluster": ("cluster", "cluster.name", "Clusters.name"),
    "host": ("host", "host.name", "Hosts.name"), "template": ("template", "template.name"),
    "datacenter": ("datacenter", "datacenter.name", "DataCenters.name"),
}
ENUMS = {"status": enums.VM_STATUS, "type": enums.VM_TYPE}


def normalize(name: str) -> str:
    return lower(name).replace("_", "")


def holds(node: Any, row: Row, cs: bool) -> bool:
    if isinstance(node, All):
        return all(holds(p, row, cs) for p in node.parts)
    if isinstance(node, Any_):
        return any(holds(p, row, cs) for p in node.parts)
    if isinstance(node, Free):
        return any(matches(v, f"*{node.text}*", cs) for v in (row.name, row.description, row.comment))
    value = getattr(row, node.field)
    if node.field in STRING_FIELDS:
        if value is None:
            return False
        hit = matches(value, node.value, cs)
        return hit if node.operator == "=" else not hit
    if node.field in ENUMS:
        regex = ".*".join(re.escape(p) for p in normalize(node.value).split("*"))
        names = {s for s in ENUMS[node.field] if re.fullmatch(regex, normalize(s))}
        return (value in names) == (node.operator == "=")
    if node.field == "creationdate":
        start, end = node.value
        if end is None:
            return compare(value, node.operator, start)
        return {"=": start <= value < end, "!=": not start <= value < end, "<": value < start,
                "<=": value < end, ">": value >= end, ">=": value >= start}[node.operator]
    return compare(value, node.operator, node.value)


def reference(rows: list[Row], condition: Any, sort: Optional[tuple[str, bool]], page: Optional[int],
              max_results: Optional[int], cs: bool) -> list[str]:
    found = sorted((r for r in rows if condition is None or holds(condition, r, cs)), key=lambda r: r.id)
    keys = [("name", False)]
    if sort is not None:
        keys = [("name", sort[1])] if sort[0] == "name" else [("name", False), sort]
    for field_name, descending in keys:  # least significant first; sorts are stable
        found.sort(key=lambda r: (getattr(r, field_name) is None, getattr(r, field_name)), reverse=descending)
    ids = [r.id for r in found]
    if page is not None:
        size = max_results if max_results is not None else 100
        return ids[(page - 1) * size: page * size]
    return ids if max_results is None else ids[:max_results]


# -- generation ---------------------------------------------------------------------------

texts = st.text(alphabet=ALPHABET, max_size=6)


def flip_case(draw, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.swapcase() if f else c for c, f in zip(text, flips))


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def written(draw, text: str) -> str:
    if not text or any(c.isspace() or c in WORD_STOP for c in text) or draw(st.integers(0, 3)) == 0:
        return quoted(text)
    return text


def pattern_from(draw, sources: list[str]) -> str:
    if not sources or draw(st.integers(0, 4)) == 0:
        return draw(texts)
    value = flip_case(draw, draw(st.sampled_from(sources)))
    i = draw(st.integers(0, len(value)))
    j = draw(st.integers(i, len(value)))
    return draw(st.sampled_from([value, value[:i] + "*", "*" + value[i:], "*" + value[i:j] + "*",
                                 value[:i] + "*" + value[j:], "*"]))


@st.composite
def conditions(draw, rows: list[Row]) -> tuple[Any, str]:
    kind = draw(st.sampled_from(sorted([*STRING_FIELDS, *ENUMS, "memory", "creationdate", "stateless",
                                        "free"])))
    if kind == "free":
        text = pattern_from(draw, [r.name for r in rows] + [r.description for r in rows if r.description])
        plain = text and not any(c.isspace() or c in WORD_STOP for c in text) and lower(text) not in KEYWORDS
        shown = text if plain and ":" not in text and draw(st.booleans()) else quoted(text)
        return Free(text), shown
    if kind in STRING_FIELDS:
        operator = draw(st.sampled_from(["=", "!="]))
        value = pattern_from(draw, [v for r in rows if (v := getattr(r, kind)) is not None])
        name = flip_case(draw, draw(st.sampled_from(STRING_FIELDS[kind])))
        return Cond(kind, operator, value), f"{name}{operator}{written(draw, value)}"
    if kind in ENUMS:
        operator = draw(st.sampled_from(["=", "!="]))
        value = draw(st.sampled_from(ENUMS[kind]))
        value = flip_case(draw, draw(st.sampled_from([value, value.replace("_", ""), value.upper()])))
        if draw(st.integers(0, 3)) == 0:
            i = draw(st.integers(0, len(value)))
            value = draw(st.sampled_from([value[:i] + "*", "*" + value[i:]]))
        return Cond(kind, operator, value), f"{flip_case(draw, kind)}{operator}{written(draw, value)}"
    operator = draw(st.sampled_from(["=", "!=", "<", ">", "<=", ">="]))
    space = draw(st.sampled_from(["", " "]))
    if kind == "memory":
        number = draw(st.sampled_from([r.memory for r in rows])) + draw(st.sampled_from([-1, 0, 0, 1]))
        return Cond("memory", operator, number), f"memory{space}{operator}{space}{number}"
    if kind == "stateless":
        operator = draw(st.sampled_from(["=", "!="]))
        value = draw(st.booleans())
        return Cond("stateless", operator, value), f"stateless{operator}{flip_case(draw, str(value).lower())}"
    moment = draw(st.sampled_from([r.creationdate for r in rows])) + draw(st.sampled_from(
        [dt.timedelta(0), dt.timedelta(seconds=1), -dt.timedelta(seconds=1), dt.timedelta(days=1)]))
    style = draw(st.sampled_from(["date", "us", "zulu", "offset"]))
    if style == "date":
        day = dt.datetime.combine(moment.date(), dt.time())
        value, text = (day, day + dt.timedelta(days=1)), moment.strftime("%Y-%m-%d")
    elif style == "us":
        day = dt.datetime.combine(moment.date(), dt.time())
        value, text = (day, day + dt.timedelta(days=1)), moment.strftime("%m/%d/%Y")
    elif style == "zulu":
        value, text = (moment, None), moment.isoformat(timespec="seconds") + "Z"
    else:
        value, text = (moment, None), (moment + dt.timedelta(hours=2)).isoformat(timespec="seconds") + "+02:00"
    field_name = draw(st.sampled_from(["creationdate", "creation_date", "CreationDate"]))
    return Cond("creationdate", operator, value), f"{field_name}{space}{operator}{space}{written(draw, text)}"


@st.composite
def expressions(draw, rows: list[Row], depth: int = 0) -> tuple[Any, str]:
    if depth >= 2 or draw(st.integers(0, 2)) == 0:
        return draw(conditions(rows))
    combine = draw(st.sampled_from(["and", "or"]))
    parts = [draw(expressions(rows, depth + 1)) for _ in range(draw(st.integers(2, 3)))]
    texts_ = [f"({t})" if combine == "and" and isinstance(n, Any_) or draw(st.integers(0, 4)) == 0 else t
              for n, t in parts]
    if combine == "or":
        return Any_(tuple(n for n, _ in parts)), f" {flip_case(draw, 'or')} ".join(texts_)
    joined = texts_[0]
    for text in texts_[1:]:
        joined += f" {flip_case(draw, 'and')} " if draw(st.booleans()) else " "
        joined += text
    return All(tuple(n for n, _ in parts)), joined


#: Sortable fields whose order does not depend on the database's collation for the demo data.
SORTABLE = ["name", "description", "memory", "status", "creationdate", "id", "host", "os", "type"]


@st.composite
def searches(draw, rows: list[Row]):
    condition, text = (None, "")
    if draw(st.integers(0, 5)):
        condition, text = draw(expressions(rows))
    sort = None
    if draw(st.booleans()):
        field_name = draw(st.sampled_from(SORTABLE))
        direction = draw(st.sampled_from([None, "asc", "desc"]))
        sort = (field_name, direction == "desc")
        text += f" {flip_case(draw, 'sortby')} {flip_case(draw, field_name)}"
        text += f" {flip_case(draw, direction)}" if direction else ""
    page = draw(st.integers(1, 4)) if draw(st.integers(0, 2)) == 0 else None
    if page is not None:
        text += f" {flip_case(draw, 'page')} {page}"
    if draw(st.integers(0, 3)) == 0:
        text = draw(st.sampled_from(["Vms: ", "vms:", "VM : "])) + text
    max_results = draw(st.integers(1, 5)) if draw(st.integers(0, 2)) == 0 else None
    return condition, sort, page, max_results, draw(st.booleans()), text


def listed_ids(http, search: str, max_results: Optional[int], case_sensitive: bool) -> list[str]:
    params: dict[str, str] = {"search": search, "case_sensitive": str(case_sensitive).lower()}
    if max_results is not None:
        params["max"] = str(max_results)
    answer = http.get(f"{http.base}/vms", params=params, headers=JSON)
    assert answer.status_code == 200, (search, answer.text)
    return [vm["id"] for vm in answer.json().get("vm", [])]


@SETTINGS
@given(data=st.data())
def test_generated_searches_agree_with_the_reference(http, rows, data):
    condition, sort, page, max_results, case_sensitive, text = data.draw(searches(rows))
    expected = reference(rows, condition, sort, page, max_results, case_sensitive)
    assert listed_ids(http, text, max_results, case_sensitive) == expected, text


def test_the_reference_is_not_trivial(http, rows):
    """A few hand-written searches, so a broken reference cannot agree with a broken engine."""
    up_default = [r.name for r in sorted(rows, key=lambda r: r.name) if r.status == "up" and r.cluster == "Default"]
    found = listed_ids(http, "status=up and cluster=default", None, False)
    assert found == reference(rows, All((Cond("status", "=", "up"), Cond("cluster", "=", "default"))),
                              None, None, None, False)
    assert [next(r.name for r in rows if r.id == i) for i in found] == up_default and up_default
    assert listed_ids(http, "name=MYVM", None, True) == []
    assert len(listed_ids(http, "memory>=0", None, False)) == 37


# -- garbage --------------------------------------------------------------------------------

VOCABULARY = [
    "name", "status", "host", "Hosts.name", "cluster", "memory", "creationdate", "id", "stateless",
    "colour", "a.b", "=", "!=", "<", ">=", "!", "<>", "(", ")", '"', '\\"', "and", "OR", "sortby",
    "desc", "page", "0", "-1", "99999999999999999999", "*", "%", "_", "up", "poweringup",
    "2026-01-01", "2026-13-45", "true", "maybe", "Vms:", "Hosts:", ":", "\x00", "\u00e9", "١",
]
soups = st.lists(st.sampled_from(VOCABULARY) | st.text(max_size=3), max_size=10).map(" ".join)
no_surrogates = st.characters(blacklist_categories=("Cs",))
garbage = st.text(alphabet=no_surrogates, max_size=40) | soups
maybe_numbers = st.none() | st.sampled_from(["1", "0", "-1", "abc", "", "1e3", "99999999999999999999"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(collection=st.sampled_from(["vms", "events"]), search=garbage, max_results=maybe_numbers,
       since=maybe_numbers, case_sensitive=st.sampled_from([None, "true", "false", "x"]))
def test_garbage_never_answers_500(http, collection, search, max_results, since, case_sensitive):
    params = {"search": search}
    for name, value in (("max", max_results), ("from", since), ("case_sensitive", case_sensitive)):
        if value is not None:
            params[name] = value
    answer = http.get(f"{http.base}/{collection}", params=params, headers=JSON)
    assert answer.status_code in (200, 400), (params, answer.status_code, answer.text)
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    if answer.status_code == 200:
        assert set(body) <= {collection[:-1]}
    else:
        assert body["reason"] and body["detail"]
