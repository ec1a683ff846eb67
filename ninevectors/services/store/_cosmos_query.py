"""Structured queries as parameterised Cosmos DB SQL.

Only the subset that real Cosmos DB and its emulator share is generated: comparisons, ``IN``,
``ARRAY_CONTAINS``, ``STARTSWITH``, ``IS_DEFINED``, one ``ORDER BY`` property and
``VALUE COUNT(1)`` (no OFFSET, GROUP BY, DISTINCT or LIKE). The partition is always filtered
in WHERE as well, because the emulator ignores the SDK's ``partition_key=`` on queries.
Property references use bracket notation (``c["settings"]["plan"]``) so a field named like a
keyword (``value``, ``order``) stays valid; field names are validated before they get here.
"""

from __future__ import annotations

from typing import Any

from ninevectors.services.store._common import (
    check_partition_key,
    field_path,
    scalar_kind,
    validate_filter,
)
from ninevectors.services.store.base import Filter, Query

Parameters = list[dict[str, Any]]

_IS_TYPE = {"boolean": "IS_BOOL", "number": "IS_NUMBER", "string": "IS_STRING"}


def select_query(partition_key: str | None, query: Query) -> tuple[str, Parameters]:
    where, parameters = where_clause(partition_key, query.filters)
    sql = f"SELECT * FROM c WHERE {where}"
    if query.order_by is not None:
        direction = "DESC" if query.descending else "ASC"
        sql += f" ORDER BY {property_ref(field_path(query.order_by))} {direction}"
    return sql, parameters


def count_query(partition_key: str | None, filters: tuple[Filter, ...]) -> tuple[str, Parameters]:
    where, parameters = where_clause(partition_key, filters)
    return f"SELECT VALUE COUNT(1) FROM c WHERE {where}", parameters


def where_clause(partition_key: str | None, filters: tuple[Filter, ...]) -> tuple[str, Parameters]:
    parameters: Parameters = []
    clauses: list[str] = []
    if partition_key is not None:
        parameters.append({"name": "@pk", "value": check_partition_key(partition_key)})
        clauses.append('c["partitionKey"] = @pk')
    for flt in filters:
        clauses.append(_condition(flt, parameters))
    return " AND ".join(clauses) or "true", parameters


def property_ref(path: list[str]) -> str:
    return "c" + "".join(f'["{segment}"]' for segment in path)


def _param(parameters: Parameters, value: Any) -> str:
    name = f"@p{sum(1 for p in parameters if p['name'] != '@pk')}"
    parameters.append({"name": name, "value": value})
    return name


def _condition(flt: Filter, parameters: Parameters) -> str:
    ref = property_ref(validate_filter(flt))
    if flt.op == "exists":
        return f"IS_DEFINED({ref})" if flt.value else f"NOT IS_DEFINED({ref})"
    if flt.op == "in":
        if not flt.value:
            return "false"
        names = ", ".join(_param(parameters, value) for value in flt.value)
        return f"{ref} IN ({names})"
    if flt.op == "contains":
        return f"ARRAY_CONTAINS({ref}, {_param(parameters, flt.value)})"
    if flt.op == "startswith":
        return f"(IS_STRING({ref}) AND STARTSWITH({ref}, {_param(parameters, flt.value)}))"
    if flt.op == "!=":
        return _not_equal(ref, flt.value, parameters)
    return f"{ref} {flt.op} {_param(parameters, flt.value)}"


def _not_equal(ref: str, value: Any, parameters: Parameters) -> str:
    """Cosmos DB treats ``!=`` across types as undefined (no match); the emulator matches.
    The explicit type test makes both behave like Cosmos DB (and like the SQL backend)."""
    kind = scalar_kind(value)
    if kind == "null":
        return "false"
    return f"({_IS_TYPE[kind]}({ref}) AND {ref} != {_param(parameters, value)})"
