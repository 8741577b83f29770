"""Compiling a parsed search into SQLAlchemy ``WHERE`` / ``ORDER BY`` / paging clauses.

Each searchable collection is described once, declaratively, by a :class:`SearchSpec`: its
fields (:class:`SearchField`: a name, a SQL expression, a kind), its free-text columns and its
default order. :func:`compile_search` turns a :class:`~engine_api.search.parser.Query` into a
:class:`CompiledSearch` that is applied to a ``select()``::

    compiled = compile_search(parse_search("name=web* and status=up"), VM_SEARCH, max_results=50)
    vms = session.scalars(compiled.apply(select(Vm))).all()

Matching rules
--------------
* **Strings** support ``=`` and ``!=``. They compare case-insensitively — ``lower()`` applied in
  SQL to *both* sides, so the database's own case folding decides (SQLite folds ASCII letters
  only; PostgreSQL follows its locale) — unless ``case_sensitive=True``. ``*`` is a wildcard for
  any run of characters; ``%``, ``_`` and ``\\`` in values are literal.
* **Case-sensitive wildcards.** Plain ``=`` is case-sensitive on both databases. ``LIKE`` is not:
  SQLite's ``LIKE`` ignores ASCII case, and no portable expression fixes that exactly (a guard
  such as "``LIKE`` matches and every literal piece occurs case-sensitively" ignores the pieces'
  order and accepts ``Ab aB`` for ``*aB*Ab*``; chains of ``instr``/``strpos`` are
  dialect-specific anyway and grow exponentially with the number of wildcards). Case-sensitive
  wildcard matches therefore compile to a small construct rendered per dialect: ``GLOB`` on
  SQLite (case-sensitive, with ``?`` and ``[`` in the value bracket-escaped) and
  ``LIKE … ESCAPE`` elsewhere, PostgreSQL's ``LIKE`` being case-sensitive.
* **Integers** and **dates** support all six operators. An integer must fit the column's type
  (``Integer`` 32-bit, ``BigInteger`` 64-bit), as PostgreSQL casts it to that type. A date given without a time
  (``2024-05-01``, ``05/01/2024``) stands for the whole day: ``=`` matches any time that day,
  ``<`` is before it, ``>`` after it. Times with an offset are converted to UTC; times without
  one are taken as UTC.
* **Enums** compare by the engine's names, case-insensitively and ignoring underscores
  (``status=poweringup`` finds ``powering_up``); ``*`` matches several names.
* **Booleans** accept ``true``/``false``; **UUIDs** any spelling ``uuid.UUID`` reads.
* ``NULL`` satisfies no comparison, ``!=`` included.
* **Cross-object fields** (``host.name`` on VMs) are either a correlated scalar subquery given as
  the field's expression, a join (``joins=``, applied as outer joins by
  :meth:`CompiledSearch.apply`; for to-one relations only, or rows repeat), or an ``EXISTS``
  (``via=``, see :func:`exists_via`) for to-many relations — ``tag != x`` then means "has a tag
  other than x".
* **Free text** matches when any free-text column contains the text, with the same case rules.
* **Order**: the ``sortby`` field, then the spec's default order, then its unique key, so paging
  is stable. Ascending puts ``NULL`` last, descending first, on both databases. Strings sort by
  the column's collation.
* **Paging**: ``page N`` with ``max_results=M`` is ``OFFSET (N-1)*M LIMIT M``; without ``max`` the
  page size is ``default_page_size``.

Every problem with a search — unknown field, operator not valid for the field's kind, value that
does not parse, wrong subject prefix — raises :class:`SearchSyntaxError`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any, TypeAlias

from sqlalchemy import (
    BigInteger,
    Boolean,
    Integer,
    SmallInteger,
    String,
    and_,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import DateTime, TypeDecorator, Uuid

from engine_api.search.parser import (
    And,
    Condition,
    FreeText,
    Node,
    Or,
    Query,
    SearchSyntaxError,
    parse_search,
)

__all__ = [
    "CompiledSearch",
    "FieldKind",
    "SearchField",
    "SearchSpec",
    "compile_search",
    "case_sensitive_like",
    "exists_via",
    "glob_pattern",
    "like_pattern",
    "normalize_field_name",
]

Predicate: TypeAlias = ColumnElement[bool]
Join: TypeAlias = tuple[Any, Any]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
DEFAULT_PAGE_SIZE = 100
LIKE_ESCAPE = "\\"

_INTEGER = re.compile(r"[+-]?[0-9]+")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(?:Z|[+-][0-9:]+)?", re.I)
_ORDERING = frozenset({"<", ">", "<=", ">="})
_TRUE = frozenset({"true"})
_FALSE = frozenset({"false"})


class FieldKind(StrEnum):
    """How a field's values are parsed and compared."""

    STRING = "string"
    INT = "int"
    DATE = "date"
    ENUM = "enum"
    BOOL = "bool"
    UUID = "uuid"


def normalize_field_name(name: str) -> str:
    """Lowercase without underscores, per dotted segment: ``Creation_Date`` → ``creationdate``."""
    return ".".join(part.strip().lower().replace("_", "") for part in name.split("."))


def _normalize_enum_name(name: str) -> str:
    return name.strip().lower().replace("_", "")


def enum_values(values: tuple[str, ...]) -> dict[str, str]:
    """The ``enum_values`` of a field whose column holds an enum's wire values as they are."""
    return {value: value for value in values}


def name_of(model: Any, reference: Any) -> Any:
    """The name of the ``model`` entity an outer row references by ``reference`` (its id column),
    as a correlated scalar subquery: what ``cluster = prod`` compares for a VM."""
    return select(model.name).where(model.id == reference).correlate_except(model).scalar_subquery()


def named_fields(model: Any, *names: str) -> list["SearchField"]:
    """The fields every named entity searches by its own columns: ``name``, ``description``,
    ``comment`` and ``id`` (or those of ``names``)."""
    return [SearchField(name, getattr(model, name)) for name in names or ("name", "description", "comment", "id")]


def exists_via(statement: Select[Any]) -> Callable[[Predicate], Predicate]:
    """Build a ``via=`` for a to-many relation from a correlated ``select``.

    ``statement`` selects the related rows of the outer entity, e.g.
    ``select(VmTag.vm_id).join(Tag).where(VmTag.vm_id == Vm.id)``; the returned callable adds a
    field predicate to it and wraps it in ``EXISTS``.
    """

    def wrap(predicate: Predicate) -> Predicate:
        return statement.where(predicate).exists()

    return wrap


@dataclass(frozen=True, eq=False)
class SearchField:
    """One searchable field of a collection.

    Attributes:
        name: the engine's field name; dotted for cross-object fields (``host.name``).
        column: the SQL expression compared — a mapped attribute, any column expression, or a
            correlated scalar subquery (``select(Host.name).where(Host.id == Vm.host_id)
            .scalar_subquery()``) for a to-one relation.
        kind: a :class:`FieldKind` (or its string value).
        enum_values: for enums, ``{engine name: stored value}``; names are matched
            case-insensitively without underscores.
        aliases: other names for the field (``clusters.name`` for ``cluster``).
        joins: ``(target, onclause)`` pairs the column needs, applied as outer joins.
        via: wraps the field's predicate for a to-many relation (see :func:`exists_via`).
        convert: parses a value instead of the kind's default parser (units, custom formats);
            may raise ``ValueError``.
        sortable: whether ``sortby`` accepts the field (never for ``via`` fields).
    """

    name: str
    column: Any
    kind: FieldKind | str = FieldKind.STRING
    enum_values: Mapping[str, Any] | None = None
    aliases: Sequence[str] = ()
    joins: Sequence[Join] = ()
    via: Callable[[Predicate], Predicate] | None = None
    convert: Callable[[str], Any] | None = None
    sortable: bool = True
    _enum_lookup: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FieldKind(self.kind))
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "joins", tuple(self.joins))
        lookup: dict[str, Any] = {}
        if self.kind is FieldKind.ENUM:
            if not self.enum_values:
                raise ValueError(f"Enum search field {self.name!r} needs enum_values.")
            for engine_name, stored in self.enum_values.items():
                key = _normalize_enum_name(engine_name)
                if key in lookup and lookup[key] != stored:
                    raise ValueError(
                        f"Enum names of {self.name!r} collide once normalized: {key!r}."
                    )
                lookup[key] = stored
        elif self.enum_values:
            raise ValueError(f"Only enum fields take enum_values ({self.name!r}).")
        object.__setattr__(self, "_enum_lookup", lookup)
        if self.via is not None:
            object.__setattr__(self, "sortable", False)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, eq=False)
class SearchSpec:
    """The searchable surface of one collection.

    Attributes:
        entity: the engine's search subject (``Vms``); a ``Vms:`` prefix must name it or one of
            ``entity_aliases`` (case-insensitive).
        fields: the searchable fields.
        free_text: columns matched by bare words.
        default_sort: ``(field name, "asc" | "desc")`` pairs applied after ``sortby``.
        unique_key: a unique column appended last to the order, so pages never overlap.
        entity_aliases: other accepted subject prefixes.
    """

    entity: str
    fields: Sequence[SearchField]
    free_text: Sequence[Any] = ()
    default_sort: Sequence[tuple[str, str]] = ()
    unique_key: Any = None
    entity_aliases: Sequence[str] = ()
    _by_name: dict[str, SearchField] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "free_text", tuple(self.free_text))
        object.__setattr__(self, "default_sort", tuple(self.default_sort))
        by_name: dict[str, SearchField] = {}
        for search_field in self.fields:
            for name in search_field.names:
                key = normalize_field_name(name)
                if by_name.get(key, search_field) is not search_field:
                    raise ValueError(f"Search field name {name!r} is declared twice.")
                by_name[key] = search_field
        object.__setattr__(self, "_by_name", by_name)
        for name, direction in self.default_sort:
            if normalize_field_name(name) not in by_name:
                raise ValueError(f"Default sort field {name!r} is not a declared field.")
            if direction not in ("asc", "desc"):
                raise ValueError(f"Sort direction must be 'asc' or 'desc', not {direction!r}.")

    def field(self, name: str) -> SearchField:
        """The field called ``name`` (any declared spelling), or :class:`SearchSyntaxError`."""
        found = self._by_name.get(normalize_field_name(name))
        if found is None:
            known = ", ".join(sorted({f.name for f in self.fields}))
            raise SearchSyntaxError(
                f"Unknown search field {name!r} for {self.entity}; known fields: {known}"
            )
        return found

    @property
    def subjects(self) -> tuple[str, ...]:
        """The search prefixes naming this collection (``Vms`` and the aliases)."""
        return (self.entity, *self.entity_aliases)

    def accepts_subject(self, subject: str) -> bool:
        wanted = subject.strip().lower()
        return wanted in {name.lower() for name in self.subjects}


@dataclass(frozen=True)
class CompiledSearch:
    """The SQL pieces of a search, ready to apply to a ``select()`` of the collection."""

    where: Predicate | None
    order_by: tuple[ColumnElement[Any], ...]
    offset: int | None
    limit: int | None
    joins: tuple[Join, ...] = ()

    def apply(self, statement: Select[Any]) -> Select[Any]:
        """Add the joins, filter, order and paging to ``statement``."""
        for target, onclause in self.joins:
            statement = statement.outerjoin(target, onclause)
        if self.where is not None:
            statement = statement.where(self.where)
        if self.order_by:
            statement = statement.order_by(*self.order_by)
        if self.offset:
            statement = statement.offset(self.offset)
        if self.limit is not None:
            statement = statement.limit(self.limit)
        return statement


# -- case-sensitive wildcard matching ------------------------------------------------------


class case_sensitive_like(FunctionElement[bool]):
    """``expression`` matches a ``*`` wildcard value, case-sensitively, on every dialect.

    Arguments: the expression, the value as a ``LIKE`` pattern (backslash-escaped) and the same
    value as a SQLite ``GLOB`` pattern; each dialect renders only the one it uses.
    """

    type = Boolean()
    inherit_cache = True
    name = "case_sensitive_like"


@compiles(case_sensitive_like)
def _render_like(element: case_sensitive_like, compiler: Any, **kw: Any) -> str:
    expression, like, _ = list(element.clauses)
    escape = compiler.render_literal_value(LIKE_ESCAPE, String())
    return (
        f"({compiler.process(expression, **kw)} LIKE {compiler.process(like, **kw)} "
        f"ESCAPE {escape})"
    )


@compiles(case_sensitive_like, "sqlite")
def _render_glob(element: case_sensitive_like, compiler: Any, **kw: Any) -> str:
    expression, _, glob = list(element.clauses)
    return f"({compiler.process(expression, **kw)} GLOB {compiler.process(glob, **kw)})"


def like_pattern(value: str) -> str:
    """The ``LIKE`` pattern (escape ``\\``) for an engine value with ``*`` wildcards."""
    escaped = (
        value.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return escaped.replace("*", "%")


def glob_pattern(value: str) -> str:
    """The SQLite ``GLOB`` pattern for an engine value with ``*`` wildcards."""
    special = {"?": "[?]", "[": "[[]"}
    return "".join(special.get(char, char) for char in value)


def _text(value: str) -> ColumnElement[str]:
    return cast(literal(value, String()), String())


def _string_match(column: Any, value: str, case_sensitive: bool) -> Predicate:
    """``column`` equals ``value`` (``*`` wildcards allowed), with or without case."""
    value = re.sub(r"\*{2,}", "*", value)
    if "*" not in value:
        if case_sensitive:
            return column == _text(value)
        return func.lower(column) == func.lower(_text(value))
    if case_sensitive:
        return case_sensitive_like(column, _text(like_pattern(value)), _text(glob_pattern(value)))
    return func.lower(column).like(func.lower(_text(like_pattern(value))), escape=LIKE_ESCAPE)


# -- value parsing -------------------------------------------------------------------------


def _integer_range(column: Any) -> tuple[int, int]:
    """The integers ``column`` holds: by its SQL type, 64-bit when that is not an integer type."""
    column_type = getattr(column, "type", None)
    while isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, BigInteger) or not isinstance(column_type, Integer):
        return INT64_MIN, INT64_MAX
    if isinstance(column_type, SmallInteger):
        return -(2**15), 2**15 - 1
    return -(2**31), 2**31 - 1


def _parse_int(text: str, search_field: SearchField) -> int:
    digits = text.strip()
    if not _INTEGER.fullmatch(digits):
        raise SearchSyntaxError(f"{search_field.name} expects an integer, not {text!r}")
    low, high = _integer_range(search_field.column)
    number = int(digits) if len(digits.lstrip("+-").lstrip("0")) <= 20 else None
    if number is None or not low <= number <= high:
        raise SearchSyntaxError(f"{search_field.name}: {text!r} is out of range ({low} to {high})")
    return number


def _parse_date(text: str, search_field: SearchField) -> tuple[datetime, datetime | None]:
    """A (start, end) pair: end is the next midnight for a bare day, ``None`` for an instant."""
    text = text.strip()
    day = None
    try:
        if match := _ISO_DATE.fullmatch(text):
            day = date(int(match[1]), int(match[2]), int(match[3]))
        elif match := _US_DATE.fullmatch(text):
            day = date(int(match[3]), int(match[1]), int(match[2]))
        elif _ISO_DATETIME.fullmatch(text):
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "zZ" else text)
            if moment.tzinfo is not None:
                moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
            return moment, None
    except (ValueError, OverflowError):
        pass
    if day is None:
        raise SearchSyntaxError(
            f"{search_field.name} expects a date (YYYY-MM-DD, MM/DD/YYYY or an ISO 8601 time), "
            f"not {text!r}"
        )
    start = datetime.combine(day, time())
    try:
        end = start + timedelta(days=1)
    except OverflowError:
        raise SearchSyntaxError(f"{search_field.name}: {text!r} is out of range") from None
    return start, end


def _bind_datetime(column: Any, moment: datetime) -> datetime:
    """Naive UTC for naive columns, aware UTC for ``DateTime(timezone=True)`` columns."""
    column_type = getattr(column, "type", None)
    while isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, DateTime) and column_type.timezone:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def _parse_bool(text: str, search_field: SearchField) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SearchSyntaxError(f"{search_field.name} expects true or false, not {text!r}")


def _parse_uuid(text: str, column: Any, search_field: SearchField) -> Any:
    try:
        parsed = uuid.UUID(text.strip())
    except ValueError:
        raise SearchSyntaxError(f"{search_field.name} expects a UUID, not {text!r}") from None
    column_type = getattr(column, "type", None)
    while isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, Uuid):
        return parsed if column_type.as_uuid else str(parsed)
    return str(parsed)


def _wildcard_regex(value: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in value.split("*")), re.DOTALL)


# -- compilation ---------------------------------------------------------------------------


class _Compiler:
    def __init__(self, spec: SearchSpec, case_sensitive: bool) -> None:
        self.spec = spec
        self.case_sensitive = case_sensitive
        self.joins: dict[int, Join] = {}

    def use(self, search_field: SearchField) -> None:
        for join in search_field.joins:
            self.joins.setdefault(id(join[0]), join)

    def node(self, node: Node) -> Predicate:
        if isinstance(node, And):
            return and_(*(self.node(operand) for operand in node.operands))
        if isinstance(node, Or):
            return or_(*(self.node(operand) for operand in node.operands))
        if isinstance(node, FreeText):
            return self.free_text(node)
        return self.condition(node)

    def free_text(self, node: FreeText) -> Predicate:
        if not self.spec.free_text:
            raise SearchSyntaxError(f"{self.spec.entity} do not support free-text search")
        pattern = f"*{node.text}*"
        return or_(
            *(_string_match(column, pattern, self.case_sensitive) for column in self.spec.free_text)
        )

    def condition(self, node: Condition) -> Predicate:
        search_field = self.spec.field(node.field)
        kind = search_field.kind
        if node.operator in _ORDERING and kind not in (FieldKind.INT, FieldKind.DATE):
            raise SearchSyntaxError(
                f"Operator {node.operator!r} is not supported on {search_field.name} "
                f"({kind.value} field); use = or !="
            )
        if node.has_wildcard and kind not in (FieldKind.STRING, FieldKind.ENUM):
            raise SearchSyntaxError(f"Wildcards are not supported on {search_field.name}")
        column = search_field.column
        if search_field.convert is not None:
            predicate = self.converted(search_field, column, node)
        elif kind is FieldKind.STRING:
            predicate = _string_match(column, node.value, self.case_sensitive)
            if node.operator == "!=":
                predicate = not_(predicate)
        elif kind is FieldKind.INT:
            predicate = _compare(column, node.operator, _parse_int(node.value, search_field))
        elif kind is FieldKind.DATE:
            predicate = self.date(search_field, column, node)
        elif kind is FieldKind.ENUM:
            predicate = self.enum(search_field, column, node)
        elif kind is FieldKind.BOOL:
            predicate = _compare(column, node.operator, _parse_bool(node.value, search_field))
        else:
            predicate = _compare(
                column, node.operator, _parse_uuid(node.value, column, search_field)
            )
        self.use(search_field)
        if search_field.via is not None:
            return search_field.via(predicate)
        return predicate

    def converted(self, search_field: SearchField, column: Any, node: Condition) -> Predicate:
        assert search_field.convert is not None
        try:
            value = search_field.convert(node.value)
        except (ValueError, TypeError, ArithmeticError) as error:
            raise SearchSyntaxError(
                f"{search_field.name}: invalid value {node.value!r}: {error}"
            ) from None
        return _compare(column, node.operator, value)

    def date(self, search_field: SearchField, column: Any, node: Condition) -> Predicate:
        start, end = _parse_date(node.value, search_field)
        start = _bind_datetime(column, start)
        if end is None:
            return _compare(column, node.operator, start)
        end = _bind_datetime(column, end)
        operator = node.operator
        if operator == "=":
            return and_(column >= start, column < end)
        if operator == "!=":
            return or_(column < start, column >= end)
        if operator == "<":
            return column < start
        if operator == "<=":
            return column < end
        if operator == ">":
            return column >= end
        return column >= start

    def enum(self, search_field: SearchField, column: Any, node: Condition) -> Predicate:
        lookup = search_field._enum_lookup
        wanted = _normalize_enum_name(node.value)
        if "*" in node.value:
            matcher = _wildcard_regex(wanted)
            stored = [value for name, value in lookup.items() if matcher.fullmatch(name)]
        elif wanted in lookup:
            stored = [lookup[wanted]]
        else:
            names = ", ".join(sorted(search_field.enum_values or {}))
            raise SearchSyntaxError(
                f"{node.value!r} is not a valid {search_field.name}; expected one of: {names}"
            )
        stored = list(dict.fromkeys(stored))
        if node.operator == "=":
            if not stored:
                return false()
            return column == stored[0] if len(stored) == 1 else column.in_(stored)
        if not stored:
            return column.is_not(None)
        return column != stored[0] if len(stored) == 1 else column.not_in(stored)

    def order(self, query: Query) -> tuple[ColumnElement[Any], ...]:
        keys: list[tuple[SearchField, bool]] = []
        for name, direction in query.sort:
            search_field = self.spec.field(name)
            if not search_field.sortable:
                raise SearchSyntaxError(f"Cannot sort {self.spec.entity} by {search_field.name}")
            keys.append((search_field, direction == "desc"))
        for name, direction in self.spec.default_sort:
            search_field = self.spec.field(name)
            if all(search_field is not existing for existing, _ in keys):
                keys.append((search_field, direction == "desc"))
        clauses: list[ColumnElement[Any]] = []
        for search_field, descending in keys:
            self.use(search_field)
            column = search_field.column
            clauses.append(
                column.desc().nulls_first() if descending else column.asc().nulls_last()
            )
        if self.spec.unique_key is not None:
            clauses.append(self.spec.unique_key.asc())
        return tuple(clauses)


def _compare(column: Any, operator: str, value: Any) -> Predicate:
    if operator == "=":
        return column == value
    if operator == "!=":
        return column != value
    if operator == "<":
        return column < value
    if operator == ">":
        return column > value
    if operator == "<=":
        return column <= value
    return column >= value


def compile_search(
    query: Query | str,
    spec: SearchSpec,
    *,
    case_sensitive: bool = False,
    max_results: int | None = None,
    default_page_size: int = DEFAULT_PAGE_SIZE,
) -> CompiledSearch:
    """Compile ``query`` (parsed, or text to parse) against ``spec``.

    Args:
        query: a :class:`Query`, or search text (parsed with :func:`parse_search`, with the
            spec's subjects, so ``web:8080`` is free text rather than a prefix).
        spec: the collection's searchable fields.
        case_sensitive: the request's ``case_sensitive`` parameter.
        max_results: the request's ``max``; ``None`` or a negative number means no limit.
        default_page_size: the page size for ``page N`` when ``max`` is absent.

    Raises:
        SearchSyntaxError: for anything wrong with the search.
    """
    if isinstance(query, str):
        query = parse_search(query, subjects=spec.subjects)
    if query.subject is not None and not spec.accepts_subject(query.subject):
        raise SearchSyntaxError(f"Search prefix {query.subject!r} does not name {spec.entity}")
    compiler = _Compiler(spec, case_sensitive)
    where = compiler.node(query.condition) if query.condition is not None else None
    order_by = compiler.order(query)
    limit = max_results if max_results is not None and max_results >= 0 else None
    offset = None
    if query.page is not None:
        size = limit if limit is not None else default_page_size
        offset = (query.page - 1) * size
        limit = size
        if offset > INT64_MAX:
            raise SearchSyntaxError(f"Page {query.page} is out of range")
    return CompiledSearch(
        where=where,
        order_by=order_by,
        offset=offset,
        limit=limit,
        joins=tuple(compiler.joins.values()),
    )
