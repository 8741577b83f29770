"""Compiled searches run on SQLite and PostgreSQL over a fixed set of VMs."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import DateTime, Engine, Uuid, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator
from vm_search_model import VM_SEARCH, HostRow, Vm, VmRow, load_rows

from engine_api.search import (
    FieldKind,
    SearchField,
    SearchSpec,
    SearchSyntaxError,
    compile_search,
    parse_search,
)
from engine_api.search.compiler import glob_pattern, like_pattern

HOST_A = HostRow(1, "Host-A", "10.0.0.1")
HOST_B = HostRow(2, "host-b", None)
UIDS = [str(uuid.UUID(int=n)) for n in range(1, 10)]


def vm(id, name, description, memory, status, created, stateless, host, tags=()):
    return VmRow(id, UIDS[id - 1], name, description, memory, status, created, stateless, host,
                 list(tags))


ROWS = [
    vm(1, "Web01", "Front end", 1024, "up", datetime(2024, 1, 2, 10), False, HOST_A,
       ["prod", "web"]),
    vm(2, "web02", None, 2048, "powering_up", datetime(2024, 1, 2, 23, 59, 59), True, HOST_B,
       ["test"]),
    vm(3, "DB-main", "Main database", 4096, "down", datetime(2024, 1, 3), None, None),
    vm(4, "db_backup", "100% backup", None, "wait_for_launch", None, False, HOST_A, ["prod"]),
    vm(5, "under_score", "C:\\temp", 512, "paused", datetime(2024, 1, 1, 12), True, None),
    vm(6, "percent%", "x%y", 0, "image_locked", datetime(2024, 1, 4), None, None),
    vm(7, "Glob[1]?", "[x]", -5, "powering_down", datetime(2024, 1, 4, 1), None, None),
]
NAME_ORDER = [3, 7, 1, 4, 6, 5, 2]  # DB-main, Glob[1]?, Web01, db_backup, percent%, under…, web02


@pytest.fixture(scope="module")
def session(database: Engine):
    with Session(database) as session:
        load_rows(session, [HOST_A, HOST_B], ROWS)
        yield session
        session.rollback()


def ids(session: Session, text: str, **options) -> list[int]:
    compiled = compile_search(parse_search(text), VM_SEARCH, **options)
    return list(session.scalars(compiled.apply(select(Vm.id))))


def matching(session: Session, text: str, **options) -> set[int]:
    return set(ids(session, text, **options))


class TestStrings:
    def test_equality_ignores_case_by_default(self, session):
        assert matching(session, "name=WEB01") == {1}
        assert matching(session, "name=db-MAIN") == {3}

    def test_equality_with_case(self, session):
        assert matching(session, "name=WEB01", case_sensitive=True) == set()
        assert matching(session, "name=Web01", case_sensitive=True) == {1}

    def test_wildcards_ignore_case_by_default(self, session):
        assert matching(session, "name=web*") == {1, 2}
        assert matching(session, "name=*B*") == {1, 2, 3, 4, 7}
        assert matching(session, "name=*") == set(range(1, 8))

    def test_wildcards_with_case(self, session):
        assert matching(session, "name=web*", case_sensitive=True) == {2}
        assert matching(session, "name=Web*", case_sensitive=True) == {1}
        assert matching(session, "name=*B*", case_sensitive=True) == {3}
        assert matching(session, "name=*b*", case_sensitive=True) == {1, 2, 4, 7}

    def test_not_equal(self, session):
        assert matching(session, "name!=web*") == {3, 4, 5, 6, 7}
        assert matching(session, "name!=web*", case_sensitive=True) == {1, 3, 4, 5, 6, 7}
        # NULL satisfies neither = nor !=
        assert matching(session, "description!=nothing") == {1, 3, 4, 5, 6, 7}

    @pytest.mark.parametrize("case_sensitive", [False, True])
    def test_like_and_glob_characters_are_literal(self, session, case_sensitive):
        options = {"case_sensitive": case_sensitive}
        assert matching(session, "name=*_*", **options) == {4, 5}
        assert matching(session, "name=under_score", **options) == {5}
        assert matching(session, "name=under%score", **options) == set()
        assert matching(session, "name=*%", **options) == {6}
        assert matching(session, "description=*%*", **options) == {4, 6}
        assert matching(session, "name=Glob[1]?", **options) == {7}
        assert matching(session, "name=Glob[*", **options) == {7}
        assert matching(session, "name=*?", **options) == {7}
        assert matching(session, "name=Glob?1]?", **options) == set()
        assert matching(session, r'description="C:\\temp"', **options) == {5}
        assert matching(session, "description=*\\*", **options) == {5}

    def test_quoted_value_with_spaces(self, session):
        assert matching(session, 'description="main DATABASE"') == {3}

    def test_repeated_wildcards(self, session):
        assert matching(session, "name=w**b***") == {1, 2}

    def test_ordering_operators_are_refused(self, session):
        with pytest.raises(SearchSyntaxError, match="not supported"):
            ids(session, "name>a")


class TestTypedFields:
    def test_integers(self, session):
        assert matching(session, "memory>=1024") == {1, 2, 3}
        assert matching(session, "memory<0") == {7}
        assert matching(session, "memory=0") == {6}
        assert matching(session, "memory!=0") == {1, 2, 3, 5, 7}
        assert matching(session, "memory<=+512") == {5, 6, 7}

    @pytest.mark.parametrize(
        "text", ["memory=abc", "memory=1.5", "memory=1e3", "memory=", "memory=99999999999999999999",
                 "memory=١٢", "memory=1*"]
    )
    def test_bad_integers(self, session, text):
        with pytest.raises(SearchSyntaxError):
            ids(session, text + ("x" if text.endswith("=") else ""))

    def test_enum_names_ignore_case_and_underscores(self, session):
        for spelling in ("poweringup", "POWERING_UP", "Powering_Up", "powering_up"):
            assert matching(session, f"status={spelling}") == {2}
        assert matching(session, "status=waitforlaunch") == {4}

    def test_enum_wildcards(self, session):
        assert matching(session, "status=power*") == {2, 7}
        assert matching(session, "status=*ing*") == {2, 7}
        assert matching(session, "status=nothing*") == set()
        assert matching(session, "status!=nothing*") == set(range(1, 8))

    def test_enum_not_equal(self, session):
        assert matching(session, "status!=up") == {2, 3, 4, 5, 6, 7}
        assert matching(session, "status!=power*") == {1, 3, 4, 5, 6}

    @pytest.mark.parametrize("text", ["status=running", "status>up", "status="])
    def test_bad_enums(self, session, text):
        with pytest.raises(SearchSyntaxError):
            ids(session, text if not text.endswith("=") else text + '""')

    def test_dates_without_time_cover_the_whole_day(self, session):
        assert matching(session, "creationdate=2024-01-02") == {1, 2}
        assert matching(session, "creationdate!=2024-01-02") == {3, 5, 6, 7}
        assert matching(session, "creationdate<2024-01-02") == {5}
        assert matching(session, "creationdate<=2024-01-02") == {1, 2, 5}
        assert matching(session, "creationdate>2024-01-02") == {3, 6, 7}
        assert matching(session, "creationdate>=2024-01-03") == {3, 6, 7}
        assert matching(session, "creation_date=01/02/2024") == {1, 2}

    def test_dates_with_time(self, session):
        assert matching(session, "creationdate>2024-01-02T12:00:00") == {2, 3, 6, 7}
        assert matching(session, "creationdate>2024-01-02T12:00:00Z") == {2, 3, 6, 7}
        # 01:00 at +02:00 is 23:00 UTC the day before
        assert matching(session, "creationdate>=2024-01-03T01:00:00+02:00") == {2, 3, 6, 7}
        assert matching(session, "creationdate=2024-01-03T00:00:00") == {3}

    @pytest.mark.parametrize(
        "value",
        ["yesterday", "2024-13-01", "2024-02-30", "13/01/2024", "2024-01-01T25:00", "2024*"],
    )
    def test_bad_dates(self, session, value):
        with pytest.raises(SearchSyntaxError):
            ids(session, f"creationdate>{value}")

    def test_booleans(self, session):
        assert matching(session, "stateless=true") == {2, 5}
        assert matching(session, "stateless=FALSE") == {1, 4}
        assert matching(session, "stateless!=true") == {1, 4}
        with pytest.raises(SearchSyntaxError):
            ids(session, "stateless=maybe")
        with pytest.raises(SearchSyntaxError):
            ids(session, "stateless<true")

    def test_uuids_in_any_spelling(self, session):
        wanted = uuid.UUID(UIDS[2])
        assert matching(session, f"id={wanted}") == {3}
        assert matching(session, f"id={str(wanted).upper()}") == {3}
        assert matching(session, f"id={wanted.hex}") == {3}
        assert matching(session, f"id!={wanted}") == {1, 2, 4, 5, 6, 7}

    @pytest.mark.parametrize("value", ["abc", "1234*", "00000000-0000-0000-0000-00000000000g"])
    def test_bad_uuids(self, session, value):
        with pytest.raises(SearchSyntaxError):
            ids(session, f"id={value}")


class TestCrossObject:
    def test_joined_field(self, session):
        assert matching(session, "host=host-a") == {1, 4}
        assert matching(session, "host.name=HOST-B") == {2}
        assert matching(session, "Hosts.name=host*") == {1, 2, 4}
        assert matching(session, "host!=Host-A") == {2}

    def test_joined_field_used_twice_joins_once(self, session):
        compiled = compile_search("host=host-a or host.name=host-b sortby host", VM_SEARCH)
        assert len(compiled.joins) == 1
        assert set(session.scalars(compiled.apply(select(Vm.id)))) == {1, 2, 4}

    def test_scalar_subquery_field(self, session):
        assert matching(session, "host.address=10.0.0.*") == {1, 4}
        assert matching(session, "host.address!=10.0.0.1") == set()

    def test_exists_field(self, session):
        assert matching(session, "tag=prod") == {1, 4}
        assert matching(session, "tag=PROD", case_sensitive=True) == set()
        assert matching(session, "tag=*e*") == {1, 2}
        assert matching(session, "tag!=prod") == {1, 2}  # has a tag other than prod


class TestFreeText:
    def test_free_text_searches_name_and_description(self, session):
        assert matching(session, "web") == {1, 2}
        assert matching(session, "backup") == {4}
        assert matching(session, "END") == {1}
        assert matching(session, '"main database"') == {3}
        assert matching(session, "%") == {4, 6}

    def test_free_text_with_case(self, session):
        assert matching(session, "END", case_sensitive=True) == set()
        assert matching(session, "end", case_sensitive=True) == {1}

    def test_free_text_and_conditions(self, session):
        assert matching(session, "web memory>1024") == {2}

    def test_collection_without_free_text(self):
        spec = SearchSpec("Vms", [SearchField("name", Vm.name)])
        with pytest.raises(SearchSyntaxError, match="free-text"):
            compile_search("web", spec)


class TestBooleanLogic:
    def test_and_binds_tighter_than_or(self, session):
        assert matching(session, "name=web01 or status=down and memory>5000") == {1}
        assert matching(session, "(name=web01 or status=down) and memory>1000") == {1, 3}
        assert matching(session, "memory>1000 name=db* or stateless=true") == {2, 3, 5}


class TestOrderAndPaging:
    def test_default_order_is_by_name(self, session):
        assert ids(session, "") == NAME_ORDER

    def test_sortby_with_nulls_last_ascending_first_descending(self, session):
        assert ids(session, "sortby memory") == [7, 6, 5, 1, 2, 3, 4]
        assert ids(session, "sortby memory desc") == [4, 3, 2, 1, 5, 6, 7]

    def test_ties_fall_back_to_the_default_order(self, session):
        # stateless: NULL for 3, 6, 7; false for 1, 4; true for 2, 5
        assert ids(session, "sortby stateless") == [1, 4, 5, 2, 3, 7, 6]

    def test_sort_by_a_joined_field(self, session):
        assert ids(session, "sortby host desc")[:3] == [3, 7, 6]

    def test_sort_by_a_name_in_reverse(self, session):
        assert ids(session, "sortby name desc") == NAME_ORDER[::-1]

    def test_exists_fields_cannot_be_sorted(self, session):
        with pytest.raises(SearchSyntaxError, match="sort"):
            ids(session, "sortby tag")

    def test_pages(self, session):
        assert ids(session, "page 1", max_results=3) == NAME_ORDER[:3]
        assert ids(session, "page 2", max_results=3) == NAME_ORDER[3:6]
        assert ids(session, "page 3", max_results=3) == NAME_ORDER[6:]
        assert ids(session, "page 4", max_results=3) == []

    def test_pages_partition_the_results(self, session):
        seen = []
        page = 1
        while batch := ids(session, f"name=* sortby memory desc page {page}", max_results=2):
            seen.extend(batch)
            page += 1
        assert seen == ids(session, "sortby memory desc")

    def test_page_without_max_uses_the_default_page_size(self, session):
        assert ids(session, "page 1") == NAME_ORDER
        assert ids(session, "page 2") == []
        compiled = compile_search("page 3", VM_SEARCH, default_page_size=2)
        assert (compiled.offset, compiled.limit) == (4, 2)

    def test_max_without_page(self, session):
        assert ids(session, "", max_results=2) == NAME_ORDER[:2]
        assert ids(session, "", max_results=-1) == NAME_ORDER


class TestSpecAndPrefix:
    def test_subject_prefix(self, session):
        assert matching(session, "Vms: name=web01") == {1}
        assert matching(session, "vm: name=web01") == {1}
        with pytest.raises(SearchSyntaxError, match="Hosts"):
            ids(session, "Hosts: name=web01")

    def test_text_with_an_unknown_prefix_is_free_text(self, session):
        compiled = compile_search("Web0:", VM_SEARCH)
        assert set(session.scalars(compiled.apply(select(Vm.id)))) == set()
        compiled = compile_search("Vms: Web0", VM_SEARCH)
        assert set(session.scalars(compiled.apply(select(Vm.id)))) == {1, 2}

    def test_unknown_field_names_the_known_ones(self, session):
        with pytest.raises(SearchSyntaxError) as caught:
            ids(session, "colour=red")
        assert "colour" in str(caught.value) and "memory" in str(caught.value)
        with pytest.raises(SearchSyntaxError):
            ids(session, "sortby colour")

    def test_field_names_ignore_case_and_underscores(self, session):
        assert matching(session, "NAME=web01") == {1}
        assert matching(session, "Creation_Date=2024-01-03") == {3}

    def test_text_is_parsed(self, session):
        compiled = compile_search("name=web01", VM_SEARCH)
        assert set(session.scalars(compiled.apply(select(Vm.id)))) == {1}

    def test_spec_validation(self):
        with pytest.raises(ValueError, match="twice"):
            SearchSpec("Vms", [SearchField("name", Vm.name), SearchField("Name", Vm.description)])
        with pytest.raises(ValueError, match="not a declared field"):
            SearchSpec("Vms", [SearchField("name", Vm.name)], default_sort=[("memory", "asc")])
        with pytest.raises(ValueError, match="enum_values"):
            SearchField("status", Vm.status, kind=FieldKind.ENUM)
        with pytest.raises(ValueError, match="collide"):
            SearchField("status", Vm.status, kind="enum", enum_values={"a_b": 1, "ab": 2})
        with pytest.raises(ValueError):
            SearchField("status", Vm.status, kind="colour")

    def test_convert_hook(self, session):
        def megabytes(text: str) -> int:
            return int(text) * 1024

        spec = SearchSpec(
            "Vms", [SearchField("memory_mb", Vm.memory, kind="int", convert=megabytes)]
        )
        compiled = compile_search("memory_mb>=1", spec)
        assert set(session.scalars(compiled.apply(select(Vm.id)))) == {1, 2, 3}
        with pytest.raises(SearchSyntaxError, match="memory_mb"):
            compile_search("memory_mb=lots", spec)


class TestBinding:
    def test_timezone_aware_columns_get_aware_values(self):
        class UtcDateTime(TypeDecorator):
            impl = DateTime(timezone=True)
            cache_ok = True

        from sqlalchemy import Column, MetaData, Table

        table = Table("t", MetaData(), Column("created", UtcDateTime()))
        spec = SearchSpec("Things", [SearchField("created", table.c.created, kind="date")])
        params = compile_search("created>2024-01-02T03:00:00+01:00", spec).where.compile().params
        assert list(params.values()) == [datetime(2024, 1, 2, 2, tzinfo=timezone.utc)]

    def test_naive_columns_get_naive_utc_values(self):
        compiled = compile_search("creationdate<2024-01-02T03:00:00+01:00", VM_SEARCH)
        params = compiled.where.compile().params
        assert list(params.values()) == [datetime(2024, 1, 2, 2)]

    def test_uuid_columns_get_uuid_values(self):
        from sqlalchemy import Column, MetaData, Table

        table = Table("t", MetaData(), Column("id", Uuid()))
        spec = SearchSpec("Things", [SearchField("id", table.c.id, kind="uuid")])
        value = UIDS[0].upper()
        params = compile_search(f"id={value}", spec).where.compile().params
        assert list(params.values()) == [uuid.UUID(UIDS[0])]

    def test_case_sensitive_wildcards_render_per_dialect(self):
        where = compile_search("name=a*", VM_SEARCH, case_sensitive=True).where
        on_sqlite = str(where.compile(dialect=sqlite.dialect()))
        on_postgresql = str(where.compile(dialect=postgresql.dialect()))
        assert "GLOB" in on_sqlite and "LIKE" not in on_sqlite
        assert "LIKE" in on_postgresql and "GLOB" not in on_postgresql
        assert "lower" not in on_postgresql

    def test_patterns(self):
        assert like_pattern("a*b%c_d\\e") == "a%b\\%c\\_d\\\\e"
        assert glob_pattern("a*b?c[d]e") == "a*b[?]c[[]d]e"
