"""Property tests: generated searches agree with a Python reference; garbage only ever raises
SearchSyntaxError.

Each example generates a handful of VM rows and a search over them, renders the search as text
the way a client would write it (random keyword case, optional ``and``, parentheses, quoting,
field aliases, value spellings), runs it through the parser and the compiler on SQLite and on
PostgreSQL, and compares the ids returned — in order — with
:func:`vm_search_model.reference_search` evaluated on the generated structure.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from vm_search_model import (
    VM_SEARCH,
    VM_STATUSES,
    HostRow,
    RefAnd,
    RefCondition,
    RefFreeText,
    RefOr,
    Vm,
    VmRow,
    load_rows,
    reference_search,
)

from engine_api.search import SearchSyntaxError, compile_search, parse_search

# ASCII with every character that means something to LIKE, GLOB, the parser or quoting.
ALPHABET = "aAbBzZ019 _%*?[]\\\"-.:'"
KEYWORDS = {"and", "or", "sortby", "page"}
WORD_STOP = set('()"=!<>')
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BATCH_SETTINGS = settings(SETTINGS, max_examples=35)

texts = st.text(alphabet=ALPHABET, max_size=6)
day_start = datetime(2024, 1, 1)
moments = st.datetimes(min_value=day_start, max_value=datetime(2024, 1, 4, 23, 59, 59))


# -- rows ----------------------------------------------------------------------------------


@st.composite
def datasets(draw) -> tuple[list[HostRow], list[VmRow]]:
    hosts = [
        HostRow(i + 1, draw(texts), draw(st.none() | texts))
        for i in range(draw(st.integers(0, 3)))
    ]
    vms = []
    for i in range(draw(st.integers(0, 8) | st.integers(3, 8))):
        vms.append(
            VmRow(
                id=i + 1,
                uid=str(uuid.UUID(int=draw(st.integers(1, 2**128 - 1)))),
                name=draw(texts),
                description=draw(st.none() | texts),
                memory=draw(st.none() | st.integers(-5, 5)),
                status=draw(st.sampled_from(VM_STATUSES)),
                created=draw(st.none() | moments),
                stateless=draw(st.none() | st.booleans()),
                host=draw(st.none() | st.sampled_from(hosts)) if hosts else None,
                tags=draw(st.lists(texts, max_size=3)),
            )
        )
    return hosts, vms


# -- rendering -----------------------------------------------------------------------------


def random_case(draw, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.swapcase() if flip else c for c, flip in zip(text, flips))


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def needs_quotes(text: str) -> bool:
    return not text or any(c.isspace() or c in WORD_STOP for c in text)


def render_value(draw, text: str) -> str:
    if needs_quotes(text) or draw(st.booleans()) and draw(st.booleans()):
        return quote(text)
    return text


def render_free_text(draw, text: str) -> str:
    if needs_quotes(text) or text.lower() in KEYWORDS or draw(st.integers(0, 3)) == 0:
        return quote(text)
    return text


def keyword(draw, word: str) -> str:
    return random_case(draw, word)


# -- conditions ----------------------------------------------------------------------------


def string_pattern(draw, sources: list[str]) -> str:
    """A value derived from data (case-flipped, cut around wildcards) or a fresh one."""
    if not sources or draw(st.integers(0, 4)) == 0:
        return draw(texts)
    value = random_case(draw, draw(st.sampled_from(sources)))
    shape = draw(st.sampled_from(["exact", "prefix", "suffix", "middle", "inner", "all"]))
    i = draw(st.integers(0, len(value)))
    j = draw(st.integers(i, len(value)))
    return {
        "exact": value,
        "prefix": value[:i] + "*",
        "suffix": "*" + value[i:],
        "middle": "*" + value[i:j] + "*",
        "inner": value[:i] + "*" + value[j:],
        "all": "*",
    }[shape]


EQUALITY = ("=", "!=")
ORDERING = ("=", "!=", "<", ">", "<=", ">=")
OPERATORS_BY_KIND = {
    "name": EQUALITY,
    "description": EQUALITY,
    "host": EQUALITY,
    "host.address": EQUALITY,
    "tag": EQUALITY,
    "memory": ORDERING,
    "status": EQUALITY,
    "creationdate": ORDERING,
    "stateless": EQUALITY,
    "id": EQUALITY,
    "free": ("",),
}


def string_condition(
    draw, operator: str, names: list[str], sources: list[str]
) -> tuple[RefCondition, str]:
    field_name = random_case(draw, draw(st.sampled_from(names)))
    value = string_pattern(draw, sources)
    text = f"{field_name}{operator}{render_value(draw, value)}"
    return RefCondition(field_name, operator, value), text


def spaced(draw, field_name: str, operator: str, value: str) -> str:
    space = draw(st.sampled_from(["", " "]))
    return f"{field_name}{space}{operator}{space}{value}"


def date_value(draw, vms: list[VmRow]) -> tuple[str, str]:
    """A date or time near the data, as written in the search and as the reference reads it."""
    known = [v.created for v in vms if v.created is not None]
    moment = draw(st.sampled_from(known)) if known and draw(st.booleans()) else draw(moments)
    moment += draw(st.sampled_from([timedelta(0), timedelta(seconds=1), -timedelta(seconds=1)]))
    style = draw(st.sampled_from(["date", "us", "naive", "zulu", "offset", "spaced"]))
    if style == "date":
        value = moment.strftime("%Y-%m-%d")
    elif style == "us":
        value = moment.strftime("%m/%d/%Y")
    elif style == "naive":
        value = moment.isoformat(timespec="seconds")
    elif style == "zulu":
        value = moment.isoformat(timespec="seconds") + "Z"
    elif style == "offset":
        value = (moment + timedelta(hours=2)).isoformat(timespec="seconds") + "+02:00"
    else:
        value = moment.isoformat(sep=" ", timespec="microseconds")
    return value, value.replace(" ", "T")


@st.composite
def conditions(
    draw, hosts: list[HostRow], vms: list[VmRow], kind: str | None = None,
    operator: str | None = None,
) -> tuple[object, str]:
    """One condition of ``kind`` with ``operator`` (both drawn when not given) and its text."""
    if kind is None:
        kind = draw(st.sampled_from(sorted(OPERATORS_BY_KIND)))
    if operator is None:
        operator = draw(st.sampled_from(OPERATORS_BY_KIND[kind]))
    if kind == "name":
        return string_condition(draw, operator, ["name"], [v.name for v in vms])
    if kind == "description":
        sources = [v.description for v in vms if v.description]
        return string_condition(draw, operator, ["description"], sources)
    if kind == "host":
        names = ["host", "host.name", "Hosts.name"]
        return string_condition(draw, operator, names, [h.name for h in hosts])
    if kind == "host.address":
        sources = [h.address for h in hosts if h.address]
        return string_condition(draw, operator, ["host.address"], sources)
    if kind == "tag":
        return string_condition(draw, operator, ["tag"], [t for v in vms for t in v.tags])
    if kind == "free":
        sources = [v.name for v in vms] + [v.description for v in vms if v.description]
        text = string_pattern(draw, sources)
        return RefFreeText(text), render_free_text(draw, text)
    if kind == "memory":
        number = draw(st.integers(-6, 6))
        written = draw(st.sampled_from([str(number), f"+{number}" if number >= 0 else str(number)]))
        field_name = random_case(draw, "memory")
        text = spaced(draw, field_name, operator, written)
        return RefCondition(field_name, operator, written), text
    if kind == "status":
        status = draw(st.sampled_from(VM_STATUSES))
        spelling = draw(st.sampled_from([status, status.replace("_", ""), status.upper()]))
        spelling = random_case(draw, spelling)
        if draw(st.integers(0, 3)) == 0:
            i = draw(st.integers(0, len(spelling)))
            spelling = draw(st.sampled_from([spelling[:i] + "*", "*" + spelling[i:]]))
        field_name = random_case(draw, "status")
        text = f"{field_name}{operator}{render_value(draw, spelling)}"
        return RefCondition(field_name, operator, spelling), text
    if kind == "creationdate":
        written, reference = date_value(draw, vms)
        field_name = draw(st.sampled_from(["creationdate", "creation_date", "CreationDate"]))
        text = spaced(draw, field_name, operator, render_value(draw, written))
        return RefCondition(field_name, operator, reference), text
    if kind == "stateless":
        value = random_case(draw, draw(st.sampled_from(["true", "false"])))
        return RefCondition("stateless", operator, value), f"stateless{operator}{value}"
    uids = [v.uid for v in vms]
    if uids and draw(st.booleans()):
        wanted = uuid.UUID(draw(st.sampled_from(uids)))
    else:
        wanted = uuid.UUID(int=draw(st.integers(1, 2**128 - 1)))
    value = draw(st.sampled_from([str(wanted), str(wanted).upper(), wanted.hex, f"{{{wanted}}}"]))
    return RefCondition("id", operator, value), f"id{operator}{value}"


@st.composite
def expressions(draw, hosts, vms, depth: int = 0) -> tuple[object, str]:
    """A condition tree and its text; Or inside And gets parentheses, others sometimes."""
    if depth >= 3 or draw(st.integers(0, 2)) == 0:
        return draw(conditions(hosts, vms))
    combine = draw(st.sampled_from(["and", "or"]))
    operands = [draw(expressions(hosts, vms, depth + 1)) for _ in range(draw(st.integers(2, 3)))]
    parts = []
    for node, text in operands:
        must = combine == "and" and isinstance(node, RefOr)
        parts.append(f"({text})" if must or draw(st.integers(0, 4)) == 0 else text)
    if combine == "or":
        joined = parts[0]
        for part in parts[1:]:
            joined += f" {keyword(draw, 'or')} {part}"
        return RefOr(tuple(node for node, _ in operands)), joined
    joined = parts[0]
    for part in parts[1:]:
        joined += f" {keyword(draw, 'and')} " if draw(st.booleans()) else " "
        joined += part
    return RefAnd(tuple(node for node, _ in operands)), joined


SORTABLE = ["name", "description", "memory", "status", "creationdate", "stateless", "id",
            "host", "host.address"]


@st.composite
def scenarios(draw):
    hosts, vms = draw(datasets())
    condition, text = None, ""
    if draw(st.integers(0, 5)):
        condition, text = draw(expressions(hosts, vms))
    sort = None
    if draw(st.booleans()):
        field_name = random_case(draw, draw(st.sampled_from(SORTABLE)))
        direction = draw(st.sampled_from([None, "asc", "desc"]))
        sort = (field_name, direction or "asc")
        text += f" {keyword(draw, 'sortby')} {field_name}"
        if direction:
            text += f" {keyword(draw, direction)}"
    page = draw(st.integers(1, 3)) if draw(st.integers(0, 3)) == 0 else None
    if page is not None:
        text += f" {keyword(draw, 'page')} {page}"
    if draw(st.integers(0, 3)) == 0:
        text = draw(st.sampled_from(["Vms: ", "vms:", "VM : "])) + text
    max_results = draw(st.integers(1, 4)) if draw(st.integers(0, 2)) == 0 else None
    case_sensitive = draw(st.booleans())
    return hosts, vms, condition, sort, page, max_results, case_sensitive, text


@contextmanager
def loaded(database: Engine, hosts: list[HostRow], vms: list[VmRow]) -> Iterator[Session]:
    """A session over the given rows, rolled back afterwards."""
    with Session(database) as session:
        load_rows(session, hosts, vms)
        try:
            yield session
        finally:
            session.rollback()


def search(session: Session, text: str, **options) -> list[int]:
    compiled = compile_search(text, VM_SEARCH, **options)
    return list(session.scalars(compiled.apply(select(Vm.id))))


@SETTINGS
@given(scenario=scenarios())
def test_valid_searches_match_the_reference(database: Engine, scenario):
    hosts, vms, condition, sort, page, max_results, case_sensitive, text = scenario
    with loaded(database, hosts, vms) as session:
        found = search(session, text, max_results=max_results, case_sensitive=case_sensitive)
    expected = reference_search(vms, condition, sort, page, max_results, case_sensitive)
    assert found == expected, text


@st.composite
def condition_batches(draw):
    """A data set and one condition for every field kind and operator."""
    hosts, vms = draw(datasets())
    batch = [
        draw(conditions(hosts, vms, kind, operator))
        for kind, operators in OPERATORS_BY_KIND.items()
        for operator in operators
    ]
    return hosts, vms, batch, draw(st.booleans())


@BATCH_SETTINGS
@given(batch=condition_batches())
def test_single_conditions_match_the_reference(database: Engine, batch):
    """Every field kind with every operator on each data set, checked one condition at a time."""
    hosts, vms, items, case_sensitive = batch
    with loaded(database, hosts, vms) as session:
        for condition, text in items:
            found = search(session, text, case_sensitive=case_sensitive)
            expected = reference_search(vms, condition, None, None, None, case_sensitive)
            assert found == expected, text


# -- garbage -------------------------------------------------------------------------------

VOCABULARY = [
    "name", "memory", "status", "host.name", "Hosts.name", "tag", "creationdate", "id",
    "stateless", "colour", "a.b.c", "=", "!=", "<", ">", "<=", ">=", "!", "<>", "==", "(", ")",
    '"', '\\"', "and", "OR", "sortby", "asc", "DESC", "page", "0", "1", "-1",
    "99999999999999999999",
    "*", "%", "_", "up", "poweringup", "2024-01-02", "2024-13-45", "true", "maybe", "Vms:",
    "Hosts:", ":", "\x00", "\u00e9", "\ud800", "1e9", "١",
]

soups = st.lists(
    st.sampled_from(VOCABULARY) | st.text(max_size=3), max_size=12
).flatmap(
    lambda tokens: st.lists(
        st.sampled_from(["", " ", "  ", "\t"]), min_size=len(tokens), max_size=len(tokens)
    ).map(lambda spaces: "".join(s + t for s, t in zip(spaces, tokens)))
)
garbage = st.text() | st.text(alphabet=st.characters(codec=None)) | soups


@settings(max_examples=300, deadline=None)
@given(text=garbage, case_sensitive=st.booleans(), max_results=st.none() | st.integers(-1, 5))
def test_garbage_raises_nothing_but_search_syntax_error(sqlite_database, text, case_sensitive,
                                                        max_results):
    try:
        query = parse_search(text)
        compiled = compile_search(
            query, VM_SEARCH, case_sensitive=case_sensitive, max_results=max_results
        )
    except SearchSyntaxError:
        return
    with Session(sqlite_database) as session:
        rows = list(session.scalars(compiled.apply(select(Vm.id))))
    assert isinstance(rows, list)


@SETTINGS
@given(text=soups)
def test_garbage_that_compiles_also_runs(database: Engine, text):
    try:
        compiled = compile_search(text, VM_SEARCH, max_results=3)
    except SearchSyntaxError:
        return
    with Session(database) as session:
        rows = list(session.scalars(compiled.apply(select(Vm.id))))
    assert len(rows) <= 3
