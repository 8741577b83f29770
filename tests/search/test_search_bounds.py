"""The search language's bounds: every search within them runs on SQLite, any beyond is refused.

SQLite refuses an expression tree deeper than 1000; a free-text word compiles to one ``LIKE``
per free-text column (three at most), so the bounds on terms and nesting keep the deepest
search any collection accepts well inside that limit.
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from engine_api import models as m
from engine_api.api import registry
from engine_api.search import (
    SearchSyntaxError,
    SearchTooComplex,
    compile_search,
    parse_search,
)
from engine_api.search.parser import MAX_NESTING, MAX_SEARCH_LENGTH, MAX_TERMS

BY_COLLECTION = {coll.key: coll.search for coll in registry() if coll.search is not None}


def _nested(words: list[str], joiner: str) -> str:
    """``words`` joined by ``joiner``, wrapped in ``MAX_NESTING`` levels of parentheses."""
    return "(" * MAX_NESTING + f" {joiner} ".join(words) + ")" * MAX_NESTING


def test_a_search_of_max_terms_parses_and_one_more_is_refused():
    assert len(parse_search(" or ".join(["a"] * MAX_TERMS)).condition.operands) == MAX_TERMS
    with pytest.raises(SearchTooComplex, match=f"at most {MAX_TERMS}"):
        parse_search(" or ".join(["a"] * (MAX_TERMS + 1)))
    with pytest.raises(SearchTooComplex):
        parse_search(" ".join(f"name=x{i}" for i in range(MAX_TERMS + 1)))


def test_every_bound_is_a_search_too_complex_and_a_syntax_error():
    for text in ("(" * (MAX_NESTING + 1) + "a" + ")" * (MAX_NESTING + 1), "a" * (MAX_SEARCH_LENGTH + 1),
                 " or ".join(["a"] * 3000)):
        with pytest.raises(SearchTooComplex) as raised:
            parse_search(text)
        assert isinstance(raised.value, SearchSyntaxError)


@pytest.fixture(scope="module")
def sqlite_session():
    database = create_engine("sqlite://")
    m.Base.metadata.create_all(database)
    with Session(database) as session:
        yield session
    database.dispose()


@pytest.mark.parametrize("collection", sorted(BY_COLLECTION))
@pytest.mark.parametrize("joiner", ["or", "and"])
def test_the_deepest_search_within_the_bounds_runs_on_sqlite(sqlite_session, collection, joiner):
    spec = BY_COLLECTION[collection]
    assert spec.free_text
    words = [f"w*{i}" for i in range(MAX_TERMS)]
    compiled = compile_search(_nested(words, joiner), spec)
    sqlite_session.execute(compiled.apply(select(spec.unique_key.class_))).all()
