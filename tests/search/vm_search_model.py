"""A throwaway VM table, its search description, and a plain-Python reference evaluation.

The reference re-implements the matching rules documented in ``engine_api.search.compiler``
over the generated rows, independently of the parser and of SQL, so property tests can compare
the two. String data is ASCII: case folding of other letters is the database's business
(SQLite folds ASCII only), and the test PostgreSQL cluster runs with the C locale.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    delete,
    insert,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from engine_api.search.compiler import FieldKind, SearchField, SearchSpec, exists_via

VM_STATUSES = (
    "up",
    "down",
    "powering_up",
    "powering_down",
    "wait_for_launch",
    "paused",
    "image_locked",
)


class Base(DeclarativeBase):
    pass


class Host(Base):
    __tablename__ = "search_hosts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))


class Vm(Base):
    __tablename__ = "search_vms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(64))
    memory: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    created: Mapped[datetime | None] = mapped_column(DateTime)
    stateless: Mapped[bool | None] = mapped_column(Boolean)
    host_id: Mapped[int | None] = mapped_column(ForeignKey("search_hosts.id"))


class VmTag(Base):
    __tablename__ = "search_vm_tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vm_id: Mapped[int] = mapped_column(ForeignKey("search_vms.id"))
    tag: Mapped[str] = mapped_column(String(64))


# correlate_except: the outer query may join Host too (for the "host" field), and the subquery
# must still select from its own Host.
HOST_ADDRESS = (
    select(Host.address).where(Host.id == Vm.host_id).correlate_except(Host).scalar_subquery()
)
VM_TAGS = select(VmTag.id).where(VmTag.vm_id == Vm.id).correlate_except(VmTag)

VM_SEARCH = SearchSpec(
    entity="Vms",
    entity_aliases=("Vm",),
    fields=[
        SearchField("name", Vm.name),
        SearchField("description", Vm.description),
        SearchField("memory", Vm.memory, kind=FieldKind.INT),
        SearchField(
            "status", Vm.status, kind=FieldKind.ENUM, enum_values={s: s for s in VM_STATUSES}
        ),
        SearchField("creationdate", Vm.created, kind=FieldKind.DATE, aliases=("creation_date",)),
        SearchField("stateless", Vm.stateless, kind=FieldKind.BOOL),
        SearchField("id", Vm.uid, kind=FieldKind.UUID),
        SearchField(
            "host", Host.name, joins=[(Host, Vm.host_id == Host.id)],
            aliases=("host.name", "hosts.name"),
        ),
        SearchField("host.address", HOST_ADDRESS),
        SearchField("tag", VmTag.tag, via=exists_via(VM_TAGS)),
    ],
    free_text=[Vm.name, Vm.description],
    default_sort=[("name", "asc")],
    unique_key=Vm.id,
)


# -- rows ----------------------------------------------------------------------------------


@dataclass
class HostRow:
    id: int
    name: str
    address: str | None


@dataclass
class VmRow:
    id: int
    uid: str
    name: str
    description: str | None
    memory: int | None
    status: str
    created: datetime | None
    stateless: bool | None
    host: HostRow | None
    tags: list[str] = field(default_factory=list)


def load_rows(session: Session, hosts: list[HostRow], vms: list[VmRow]) -> None:
    """Replace the tables' content with the given rows."""
    for table in (VmTag, Vm, Host):
        session.execute(delete(table))
    if hosts:
        session.execute(
            insert(Host), [{"id": h.id, "name": h.name, "address": h.address} for h in hosts]
        )
    if vms:
        session.execute(
            insert(Vm),
            [
                {
                    "id": row.id, "uid": row.uid, "name": row.name,
                    "description": row.description, "memory": row.memory,
                    "status": row.status, "created": row.created, "stateless": row.stateless,
                    "host_id": row.host.id if row.host else None,
                }
                for row in vms
            ],
        )
    tags = [{"vm_id": row.id, "tag": tag} for row in vms for tag in row.tags]
    if tags:
        session.execute(insert(VmTag), tags)


# -- the reference evaluation --------------------------------------------------------------

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def wildcard_match(value: str | None, pattern: str, case_sensitive: bool) -> bool:
    """``value`` equals ``pattern`` where ``*`` stands for any run of characters."""
    if value is None:
        return False
    if not case_sensitive:
        value, pattern = ascii_lower(value), ascii_lower(pattern)
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, value, re.DOTALL) is not None


def normalize_enum(name: str) -> str:
    return ascii_lower(name).replace("_", "")


def parse_reference_date(text: str) -> tuple[datetime, datetime | None]:
    """(start, end of day) for a bare date, (instant, None) for a time; naive UTC."""
    if "T" in text or " " in text:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment, None
    if "/" in text:
        month, day, year = (int(part) for part in text.split("/"))
        start = datetime(year, month, day)
    else:
        start = datetime.combine(date.fromisoformat(text), datetime.min.time())
    return start, start + timedelta(days=1)


def compare(left: Any, operator: str, right: Any) -> bool:
    if left is None:
        return False
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        ">": left > right,
        "<=": left <= right,
        ">=": left >= right,
    }[operator]


@dataclass(frozen=True)
class RefCondition:
    """A condition as generated: the field name, operator and value as the query writes them."""

    field: str
    operator: str
    value: str


@dataclass(frozen=True)
class RefFreeText:
    text: str


@dataclass(frozen=True)
class RefAnd:
    operands: tuple[Any, ...]


@dataclass(frozen=True)
class RefOr:
    operands: tuple[Any, ...]


def string_condition(values: list[str | None], operator: str, pattern: str, cs: bool) -> bool:
    """Any of ``values`` matches (``=``) or fails to match (``!=``); NULLs do neither."""
    if operator == "=":
        return any(wildcard_match(v, pattern, cs) for v in values)
    return any(v is not None and not wildcard_match(v, pattern, cs) for v in values)


def evaluate(node: Any, row: VmRow, case_sensitive: bool) -> bool:
    """The reference meaning of a generated condition for one row."""
    if isinstance(node, RefAnd):
        return all(evaluate(operand, row, case_sensitive) for operand in node.operands)
    if isinstance(node, RefOr):
        return any(evaluate(operand, row, case_sensitive) for operand in node.operands)
    if isinstance(node, RefFreeText):
        pattern = f"*{node.text}*"
        return any(
            wildcard_match(value, pattern, case_sensitive) for value in (row.name, row.description)
        )
    name = ascii_lower(node.field).replace("_", "")
    operator, value = node.operator, node.value
    if name in ("name", "description", "host", "host.name", "hosts.name", "host.address"):
        column = {
            "name": row.name,
            "description": row.description,
            "host.address": row.host.address if row.host else None,
        }.get(name, row.host.name if row.host else None)
        return string_condition([column], operator, value, case_sensitive)
    if name == "tag":
        return string_condition(list(row.tags), operator, value, case_sensitive)
    if name == "memory":
        return compare(row.memory, operator, int(value))
    if name == "status":
        wanted = normalize_enum(value)
        regex = ".*".join(re.escape(part) for part in wanted.split("*"))
        names = {s for s in VM_STATUSES if re.fullmatch(regex, normalize_enum(s))}
        return row.status in names if operator == "=" else row.status not in names
    if name == "creationdate":
        start, end = parse_reference_date(value)
        if row.created is None:
            return False
        if end is None:
            return compare(row.created, operator, start)
        return {
            "=": start <= row.created < end,
            "!=": not start <= row.created < end,
            "<": row.created < start,
            "<=": row.created < end,
            ">": row.created >= end,
            ">=": row.created >= start,
        }[operator]
    if name == "stateless":
        return compare(row.stateless, operator, ascii_lower(value) == "true")
    if name == "id":
        return compare(row.uid, operator, str(uuid.UUID(value)))
    raise AssertionError(f"reference has no field {node.field!r}")


def sort_value(row: VmRow, field_name: str) -> Any:
    name = ascii_lower(field_name).replace("_", "")
    if name in ("host", "host.name", "hosts.name"):
        return row.host.name if row.host else None
    if name == "host.address":
        return row.host.address if row.host else None
    if name == "creationdate":
        return row.created
    if name == "id":
        return row.uid
    return getattr(row, name)


def reference_search(
    rows: list[VmRow],
    condition: Any,
    sort: tuple[str, str] | None,
    page: int | None,
    max_results: int | None,
    case_sensitive: bool,
) -> list[int]:
    """The ids the search must return, in order."""
    found = [row for row in rows if condition is None or evaluate(condition, row, case_sensitive)]
    found.sort(key=lambda row: row.id)
    keys = [("name", False)]
    if sort is not None:
        sort_name = ascii_lower(sort[0]).replace("_", "")
        if sort_name != "name":
            keys.append((sort[0], sort[1] == "desc"))
        else:
            keys = [("name", sort[1] == "desc")]
    for field_name, descending in keys:  # least significant key first: sorts are stable
        found.sort(
            key=lambda row: (sort_value(row, field_name) is None, sort_value(row, field_name)),
            reverse=descending,
        )
    ids = [row.id for row in found]
    limit = max_results
    if page is not None:
        size = limit if limit is not None else 100
        return ids[(page - 1) * size : page * size]
    return ids if limit is None else ids[:limit]
