"""The engine's search language: parsed into a syntax tree, compiled into SQLAlchemy clauses.

``parser`` knows the grammar only; ``compiler`` maps a parsed query onto the SQL expressions a
collection declares in a :class:`SearchSpec`. Neither depends on the rest of ``engine_api``.
"""

from engine_api.search.compiler import (
    CompiledSearch,
    FieldKind,
    SearchField,
    SearchSpec,
    compile_search,
    enum_values,
    exists_via,
    name_of,
    named_fields,
)
from engine_api.search.parser import (
    And,
    Condition,
    FreeText,
    Node,
    Or,
    Query,
    SearchSyntaxError,
    SearchTooComplex,
    SortKey,
    parse_search,
)

__all__ = [
    "And",
    "CompiledSearch",
    "Condition",
    "FieldKind",
    "FreeText",
    "Node",
    "Or",
    "Query",
    "SearchField",
    "SearchSpec",
    "SearchSyntaxError",
    "SearchTooComplex",
    "SortKey",
    "compile_search",
    "enum_values",
    "exists_via",
    "name_of",
    "named_fields",
    "parse_search",
]
