"""The limits of stored values, read from the SQL model and enforced alike on every backend.

SQLite stores any value in any column; PostgreSQL refuses what its column type cannot hold and
answers with an error deep inside a transaction. The limits here come from each column's type,
once: ``Integer`` is 32-bit signed, ``BigInteger`` 64-bit signed, ``SmallInteger`` 16-bit
signed, ``String(n)`` at most ``n`` characters, and no text holds U+0000 or a lone surrogate
(neither PostgreSQL nor UTF-8 can). A column narrows its range with ``info`` (see
:func:`at_least`), as sizes and counts do.

:func:`install` puts the guard on a session factory: before every flush it checks the new and
changed values of every object, and before every ORM bulk insert or update its rows, raising
:class:`~engine_api.faults.InvalidValue` naming the attribute (``vm.name``, ``vm.memory``).
Every write path (requests, the ticker, monitoring, scenarios) goes through one of the two.
:func:`check_parameter` and :func:`key_value` check request values against the same columns
before they reach SQL.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping, Optional

from sqlalchemy import BigInteger, Integer, SmallInteger, String, event, inspect
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

from engine_api.faults import BadRequest, InvalidValue

INT16 = (-(2**15), 2**15 - 1)
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)

_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def at_least(minimum: int, maximum: Optional[int] = None) -> dict[str, int]:
    """Column ``info`` narrowing an integer column: ``mapped_column(BigInteger, info=at_least(0))``."""
    info = {"minimum": minimum}
    if maximum is not None:
        info["maximum"] = maximum
    return info


def _base_type(column_type: TypeEngine[Any]) -> TypeEngine[Any]:
    while isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return column_type


def integer_range(column_type: TypeEngine[Any]) -> Optional[tuple[int, int]]:
    """The values an integer column type holds on every backend; None for other types."""
    base = _base_type(column_type)
    if isinstance(base, BigInteger):
        return INT64
    if isinstance(base, SmallInteger):
        return INT16
    if isinstance(base, Integer):
        return INT32
    return None


def text_problem(value: str, length: Optional[int]) -> Optional[str]:
    """Why a text cannot be stored in a column of at most ``length`` characters, or None."""
    if length is not None and len(value) > length:
        return f"it is {len(value)} characters long; at most {length} are allowed"
    if "\x00" in value:
        return "it contains the character U+0000, which is not allowed"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "it contains a lone surrogate, which is not valid Unicode"
    return None


@dataclass(frozen=True)
class ColumnLimit:
    """What one column accepts: ``name`` is how faults name it (``vm.memory``)."""

    name: str
    minimum: Optional[int] = None
    maximum: Optional[int] = None
    length: Optional[int] = None
    text: bool = False

    @classmethod
    def of(cls, name: str, column: Any) -> Optional["ColumnLimit"]:
        """The limit of a table column, or None when its type has none to check."""
        bounds = integer_range(column.type)
        if bounds is not None:
            minimum = max(bounds[0], column.info.get("minimum", bounds[0]))
            maximum = min(bounds[1], column.info.get("maximum", bounds[1]))
            return cls(name, minimum=minimum, maximum=maximum)
        base = _base_type(column.type)
        if isinstance(base, String):
            return cls(name, length=base.length, text=True)
        return None

    def problem(self, value: Any) -> Optional[str]:
        """Why ``value`` does not fit the column, or None when it does."""
        if self.text:
            return text_problem(value, self.length) if isinstance(value, str) else None
        if isinstance(value, int) and not isinstance(value, bool) and self.minimum is not None \
                and self.maximum is not None and not self.minimum <= value <= self.maximum:
            return f"{value} is out of range; the allowed range is {self.minimum} to {self.maximum}"
        return None

    def check(self, value: Any) -> None:
        problem = self.problem(value)
        if problem is not None:
            raise InvalidValue(f"Invalid value for '{self.name}': {problem}")


def entity_name(model: type) -> str:
    """How faults name an entity of a model: ``Vm`` → ``vm``, ``DataCenter`` → ``data_center``."""
    return _SNAKE.sub("_", model.__name__).lower()


@lru_cache(maxsize=None)
def model_limits(model: type) -> dict[str, ColumnLimit]:
    """The limits of a mapped class's column attributes, by attribute name."""
    mapper: Mapper[Any] = inspect(model)
    prefix = entity_name(model)
    limits: dict[str, ColumnLimit] = {}
    for attribute in mapper.column_attrs:
        limit = ColumnLimit.of(f"{prefix}.{attribute.key}", attribute.columns[0])
        if limit is not None:
            limits[attribute.key] = limit
    return limits


def check_object(obj: Any, *, changed_only: bool) -> None:
    """Refuse an object holding a value its columns cannot store; ``changed_only`` for dirty ones."""
    limits = model_limits(type(obj))
    state = inspect(obj)
    for key, limit in limits.items():
        if changed_only:
            for value in state.attrs[key].history.added:
                limit.check(value)
        else:
            limit.check(state.dict.get(key))


def check_values(model: type, rows: Iterable[Mapping[str, Any]]) -> None:
    """Refuse rows of a bulk insert or update (attribute name → value) that a column cannot store."""
    limits = model_limits(model)
    for row in rows:
        for key, value in row.items():
            limit = limits.get(key) if isinstance(key, str) else None
            if limit is not None:
                limit.check(value)


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in session.new:
        check_object(obj, changed_only=False)
    for obj in session.dirty:
        check_object(obj, changed_only=True)


def _before_orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update) or state.bind_mapper is None:
        return
    parameters = state.parameters
    if isinstance(parameters, Mapping):
        parameters = [parameters]
    if parameters:
        check_values(state.bind_mapper.class_, parameters)


def install(sessions: sessionmaker[Session]) -> None:
    """Guard every session the factory makes: no flush or bulk write stores a value out of limits."""
    event.listen(sessions, "before_flush", _before_flush)
    event.listen(sessions, "do_orm_execute", _before_orm_execute)


def check_parameter(column: Any, name: str, value: Any) -> None:
    """Refuse a request parameter that cannot be compared with ``column`` (a 400 fault naming it)."""
    if value is None:
        return
    limit = ColumnLimit.of(name, column.expression if hasattr(column, "expression") else column)
    problem = limit.problem(value) if limit is not None else None
    if problem is not None:
        raise BadRequest(f"Invalid value for parameter '{name}': {problem}")


def key_value(column: Any, text: str) -> Optional[Any]:
    """The value an id from a URL stands for in a key ``column``, or None when no row can have it.

    Integer keys (events) read decimal text; text keys must fit the column. An id that cannot
    be a key is simply not found, on every backend alike.
    """
    column = column.expression if hasattr(column, "expression") else column
    bounds = integer_range(column.type)
    if bounds is not None:
        stripped = text.strip()
        if not stripped.isascii() or not stripped.lstrip("-").isdigit() or len(stripped) > 20:
            return None
        number = int(stripped)
        return number if bounds[0] <= number <= bounds[1] else None
    base = _base_type(column.type)
    if isinstance(base, String) and text_problem(text, base.length) is not None:
        return None
    return text
