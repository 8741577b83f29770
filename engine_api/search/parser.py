"""The engine's search language, parsed into a small syntax tree.

Grammar (keywords case-insensitive)::

    search     := [subject ":"] [condition] [sort] [page]
    condition  := and_expr ("or" and_expr)*
    and_expr   := primary (["and"] primary)*        adjacent primaries are ANDed
    primary    := "(" condition ")" | comparison | free_text
    comparison := field operator value
    field      := name ["." name]                   e.g. name, host.name, Clusters.name
    operator   := "=" | "!=" | "<" | ">" | "<=" | ">="
    value      := word | quoted
    free_text  := word | quoted
    sort       := "sortby" field ["asc" | "desc"]
    page       := "page" digits

A *word* is a run of characters other than whitespace, parentheses, double quotes and the
operator characters ``= ! < >``; a *quoted* string is enclosed in double quotes, may contain
any of those, and uses ``\\"`` and ``\\\\`` for a quote and a backslash. ``*`` in a value or in
free text is a wildcard (the engine has no way to search for a literal asterisk). The prefix the
engine puts before every search (``Vms: name=x``) is accepted and kept as :attr:`Query.subject`
(see ``subjects`` of :func:`parse_search` for telling it from free text such as ``web:8080``).

Only :class:`SearchSyntaxError` is ever raised for a string input, whatever it contains. A
search over one of the language's bounds raises its subclass :class:`SearchTooComplex`: at most
``MAX_SEARCH_LENGTH`` characters, ``MAX_NESTING`` levels of parentheses and ``MAX_TERMS``
conditions and free-text words. The bounds keep every search well inside what the databases
evaluate: SQLite refuses an expression tree deeper than 1000, and a term compiles to up to a
few levels of it (free text is one ``LIKE`` per free-text column).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal, NamedTuple, TypeAlias

__all__ = [
    "OPERATORS",
    "And",
    "Condition",
    "FreeText",
    "Node",
    "Or",
    "Query",
    "SearchSyntaxError",
    "SearchTooComplex",
    "SortKey",
    "parse_search",
]

OPERATORS = frozenset({"=", "!=", "<", ">", "<=", ">="})
KEYWORDS = frozenset({"and", "or", "sortby", "page"})

MAX_SEARCH_LENGTH = 65536
MAX_NESTING = 32
MAX_TERMS = 100
MAX_PAGE = 1_000_000_000

_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?")
_DIGITS = re.compile(r"[0-9]+")
_SUBJECT = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*:")
_WORD_STOP = frozenset('()"=!<>')
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SearchSyntaxError(ValueError):
    """A search text the engine would reject; ``position`` is a 0-based offset when known."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message if position is None else f"{message} (at position {position})")
        self.position = position


class SearchTooComplex(SearchSyntaxError):
    """A search over one of the language's bounds (length, nesting, number of terms)."""


# -- syntax tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """``field operator value``; ``field`` is as written, possibly dotted (``host.name``)."""

    field: str
    operator: str
    value: str
    quoted: bool = False

    @property
    def object(self) -> str | None:
        """The object part of a cross-object field (``host`` in ``host.name``), if any."""
        head, dot, _ = self.field.partition(".")
        return head if dot else None

    @property
    def name(self) -> str:
        """The field part (``name`` in ``host.name``)."""
        return self.field.rpartition(".")[2]

    @property
    def has_wildcard(self) -> bool:
        return "*" in self.value


@dataclass(frozen=True)
class FreeText:
    """A bare word or quoted string, matched against the collection's free-text columns."""

    text: str
    quoted: bool = False

    @property
    def has_wildcard(self) -> bool:
        return "*" in self.text


@dataclass(frozen=True)
class And:
    """All operands must hold; always two or more operands."""

    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one operand must hold; always two or more operands."""

    operands: tuple[Node, ...]


Node: TypeAlias = Condition | FreeText | And | Or


class SortKey(NamedTuple):
    """One ``sortby`` field and its direction."""

    field: str
    direction: Literal["asc", "desc"] = "asc"

    @property
    def descending(self) -> bool:
        return self.direction == "desc"


@dataclass(frozen=True)
class Query:
    """A parsed search.

    Attributes:
        condition: the filter, ``None`` when the search has none.
        sort: the ``sortby`` keys, in order (the engine's grammar allows one).
        page: the 1-based ``page`` number, ``None`` when absent.
        subject: the entity prefix as written (``Vms`` in ``Vms: name=x``), or ``None``.
    """

    condition: Node | None = None
    sort: list[SortKey] = field(default_factory=list)
    page: int | None = None
    subject: str | None = None


# -- tokens --------------------------------------------------------------------------------


class _Kind(Enum):
    WORD = "word"
    QUOTED = "quoted string"
    OPERATOR = "operator"
    OPEN = "'('"
    CLOSE = "')'"
    END = "end of search"


@dataclass(frozen=True)
class _Token:
    kind: _Kind
    text: str
    position: int

    def keyword(self) -> str | None:
        """The keyword this word spells, case-insensitively, or ``None``."""
        if self.kind is _Kind.WORD:
            lowered = self.text.lower()
            if lowered in KEYWORDS:
                return lowered
        return None

    def describe(self) -> str:
        if self.kind is _Kind.END:
            return "the end of the search"
        if self.kind is _Kind.QUOTED:
            return f'"{self.text}"'
        return repr(self.text)


def _tokenize(text: str, offset: int) -> list[_Token]:
    tokens: list[_Token] = []
    i = offset
    length = len(text)
    while i < length:
        char = text[i]
        if char.isspace():
            i += 1
        elif char == "(":
            tokens.append(_Token(_Kind.OPEN, char, i))
            i += 1
        elif char == ")":
            tokens.append(_Token(_Kind.CLOSE, char, i))
            i += 1
        elif char == '"':
            start = i
            i += 1
            chars: list[str] = []
            while True:
                if i >= length:
                    raise SearchSyntaxError("Unterminated quoted string", start)
                char = text[i]
                if char == '"':
                    i += 1
                    break
                if char == "\\" and i + 1 < length and text[i + 1] in '"\\':
                    chars.append(text[i + 1])
                    i += 2
                    continue
                chars.append(char)
                i += 1
            tokens.append(_Token(_Kind.QUOTED, "".join(chars), start))
        elif char in "=<>":
            if char != "=" and text.startswith("=", i + 1):
                tokens.append(_Token(_Kind.OPERATOR, char + "=", i))
                i += 2
            else:
                tokens.append(_Token(_Kind.OPERATOR, char, i))
                i += 1
        elif char == "!":
            if not text.startswith("=", i + 1):
                raise SearchSyntaxError("'!' must be followed by '='", i)
            tokens.append(_Token(_Kind.OPERATOR, "!=", i))
            i += 2
        else:
            start = i
            while i < length and not text[i].isspace() and text[i] not in _WORD_STOP:
                i += 1
            tokens.append(_Token(_Kind.WORD, text[start:i], start))
    tokens.append(_Token(_Kind.END, "", length))
    return tokens


# -- parser --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.terms = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def peek(self, ahead: int = 1) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind is not _Kind.END:
            self.index += 1
        return token

    def fail(self, expected: str) -> SearchSyntaxError:
        token = self.current
        return SearchSyntaxError(f"Expected {expected}, found {token.describe()}", token.position)

    # query := [condition] [sort] [page]
    def query(self, subject: str | None) -> Query:
        condition = None
        if self.starts_primary(self.current) or self.current.keyword() in ("and", "or"):
            condition = self.condition(0)
        sort: list[SortKey] = []
        if self.current.keyword() == "sortby":
            self.advance()
            sort.append(self.sort_key())
        page = None
        if self.current.keyword() == "page":
            self.advance()
            page = self.page_number()
        if self.current.kind is not _Kind.END:
            raise self.fail("'and', 'or', a condition, 'sortby', 'page' or the end of the search")
        return Query(condition=condition, sort=sort, page=page, subject=subject)

    def starts_primary(self, token: _Token) -> bool:
        if token.kind in (_Kind.OPEN, _Kind.QUOTED):
            return True
        return token.kind is _Kind.WORD and token.keyword() is None

    def condition(self, depth: int) -> Node:
        operands = [self.conjunction(depth)]
        while self.current.keyword() == "or":
            self.advance()
            operands.append(self.conjunction(depth))
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def conjunction(self, depth: int) -> Node:
        operands = [self.primary(depth)]
        while True:
            if self.current.keyword() == "and":
                self.advance()
                operands.append(self.primary(depth))
            elif self.starts_primary(self.current):
                operands.append(self.primary(depth))
            else:
                break
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def primary(self, depth: int) -> Node:
        token = self.current
        if token.kind is _Kind.OPEN:
            if depth >= MAX_NESTING:
                raise SearchTooComplex(
                    f"Parentheses nested deeper than {MAX_NESTING} levels", token.position
                )
            self.advance()
            node = self.condition(depth + 1)
            if self.current.kind is not _Kind.CLOSE:
                raise self.fail("')'")
            self.advance()
            return node
        if token.kind is _Kind.QUOTED:
            if self.peek().kind is _Kind.OPERATOR:
                raise SearchSyntaxError("A field name cannot be quoted", token.position)
            self.count_term(token)
            self.advance()
            return FreeText(token.text, quoted=True)
        if token.kind is _Kind.WORD and token.keyword() is None:
            self.count_term(token)
            if self.peek().kind is _Kind.OPERATOR:
                return self.comparison()
            self.advance()
            return FreeText(token.text)
        raise self.fail("a condition")

    def count_term(self, token: _Token) -> None:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise SearchTooComplex(
                f"A search may have at most {MAX_TERMS} conditions and free-text words", token.position
            )

    def comparison(self) -> Condition:
        name = self.advance()
        if not _FIELD.fullmatch(name.text):
            raise SearchSyntaxError(f"Invalid field name {name.text!r}", name.position)
        operator = self.advance()
        value = self.current
        if value.kind is _Kind.WORD:
            self.advance()
            return Condition(name.text, operator.text, value.text)
        if value.kind is _Kind.QUOTED:
            self.advance()
            return Condition(name.text, operator.text, value.text, quoted=True)
        raise self.fail(f"a value after {name.text}{operator.text}")

    def sort_key(self) -> SortKey:
        token = self.current
        if token.kind is not _Kind.WORD or token.keyword() or not _FIELD.fullmatch(token.text):
            raise self.fail("a field name after 'sortby'")
        self.advance()
        direction = self.current.text.lower() if self.current.kind is _Kind.WORD else ""
        if direction in ("asc", "desc"):
            self.advance()
            return SortKey(token.text, direction)  # type: ignore[arg-type]
        return SortKey(token.text, "asc")

    def page_number(self) -> int:
        token = self.current
        if token.kind is not _Kind.WORD or not _DIGITS.fullmatch(token.text):
            raise self.fail("a page number after 'page'")
        if len(token.text) > len(str(MAX_PAGE)) or not 1 <= int(token.text) <= MAX_PAGE:
            raise SearchSyntaxError(
                f"Page number must be between 1 and {MAX_PAGE}", token.position
            )
        self.advance()
        return int(token.text)


def parse_search(text: str, *, subjects: Iterable[str] | None = None) -> Query:
    """Parse a ``search=`` value into a :class:`Query`.

    The empty string (or only the ``Vms:`` prefix) gives a query with no condition.

    A leading ``name:`` is taken as the subject prefix. With ``subjects`` (the names the
    collection answers to, compared case-insensitively) only those are; any other leading
    ``word:`` is then ordinary free text. Without ``subjects`` any identifier is.

    Raises:
        SearchSyntaxError: for any text that is not a valid search — and never anything else.
        TypeError: ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"search text must be a string, not {type(text).__name__}")
    if len(text) > MAX_SEARCH_LENGTH:
        raise SearchTooComplex(f"Search text longer than {MAX_SEARCH_LENGTH} characters")
    control = _CONTROL.search(text)
    if control is not None:
        raise SearchSyntaxError("Search text contains a control character", control.start())
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise SearchSyntaxError("Search text is not valid Unicode", error.start) from None
    subject = None
    offset = 0
    prefix = _SUBJECT.match(text)
    if prefix is not None and (
        subjects is None or prefix.group(1).lower() in {name.lower() for name in subjects}
    ):
        subject = prefix.group(1)
        offset = prefix.end()
    return _Parser(_tokenize(text, offset)).query(subject)
