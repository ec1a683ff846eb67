"""Dialect-specific SQL expressions over the JSON ``body`` column.

Both dialects expose the same four building blocks, normalised to Cosmos DB's type system so
that filters and ordering behave like Cosmos on either database:

* ``kind(path)``: ``'null' | 'boolean' | 'number' | 'string' | 'array' | 'object'``, SQL NULL
  when the field is undefined;
* ``number(path)``: the value as a double for numbers (and 0/1 for booleans), else NULL;
* ``text(path)``: the value for strings, else NULL, compared in binary (code point) order
  like Cosmos, whatever the database collation;
* ``array_contains(path, value)``: the array at ``path`` has an element equal to ``value``.

Paths are validated segment lists (see ``_common.field_path``) and are bound as parameters.
"""

from __future__ import annotations

from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from ninevectors.services.store._common import Scalar, scalar_kind


class JsonExpressions(Protocol):
    def kind(self, path: list[str]) -> ColumnElement[Any]: ...

    def number(self, path: list[str]) -> ColumnElement[Any]: ...

    def text(self, path: list[str]) -> ColumnElement[Any]: ...

    def binary(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """A string column compared in code point order."""
        ...

    def array_contains(self, path: list[str], value: Scalar) -> ColumnElement[bool]: ...


class SqliteJson:
    """SQLite's JSON1 functions; text compares in BINARY collation by default."""

    _KINDS = {
        "true": "boolean",
        "false": "boolean",
        "integer": "number",
        "real": "number",
        "text": "string",
    }

    def __init__(self, body: ColumnElement[Any]) -> None:
        self._body = body

    @staticmethod
    def _path(path: list[str]) -> str:
        return "$" + "".join(f'."{segment}"' for segment in path)

    def _type(self, path: list[str]) -> ColumnElement[Any]:
        return sa.func.json_type(self._body, self._path(path), type_=sa.String)

    def _extract(self, path: list[str], type_: Any) -> ColumnElement[Any]:
        return sa.func.json_extract(self._body, self._path(path), type_=type_)

    def kind(self, path: list[str]) -> ColumnElement[Any]:
        return sa.case(self._KINDS, value=self._type(path), else_=self._type(path))

    def number(self, path: list[str]) -> ColumnElement[Any]:
        numeric = self._type(path).in_(("integer", "real", "true", "false"))
        return sa.case((numeric, self._extract(path, sa.Float)), else_=sa.null())

    def text(self, path: list[str]) -> ColumnElement[Any]:
        is_text = self._type(path) == "text"
        return sa.case((is_text, self._extract(path, sa.String)), else_=sa.null())

    def binary(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return column

    def array_contains(self, path: list[str], value: Scalar) -> ColumnElement[bool]:
        elements = sa.func.json_each(self._body, self._path(path)).table_valued(
            "type", "value", name="element"
        )
        match = _sqlite_element_match(elements.c.type, elements.c.value, value)
        found = sa.exists(sa.select(sa.literal(1)).select_from(elements).where(match))
        return sa.and_(self._type(path) == "array", found)


def _sqlite_element_match(
    element_type: ColumnElement[Any], element_value: ColumnElement[Any], value: Scalar
) -> ColumnElement[bool]:
    kind = scalar_kind(value)
    if kind == "null":
        return element_type == "null"
    if kind == "boolean":
        return element_type == ("true" if value else "false")
    if kind == "number":
        return sa.and_(element_type.in_(("integer", "real")), element_value == float(value))
    return sa.and_(element_type == "text", element_value == value)


class PostgresJson:
    """PostgreSQL jsonb operators; strings are compared with ``COLLATE "C"``."""

    def __init__(self, body: ColumnElement[Any]) -> None:
        self._body = body

    @staticmethod
    def _path(path: list[str]) -> Any:
        return sa.bindparam(None, path, type_=postgresql.ARRAY(sa.Text))

    def _node(self, path: list[str]) -> ColumnElement[Any]:
        return self._body.op("#>", return_type=postgresql.JSONB)(self._path(path))

    def _raw_text(self, path: list[str]) -> ColumnElement[Any]:
        return self._body.op("#>>", return_type=sa.Text)(self._path(path))

    def kind(self, path: list[str]) -> ColumnElement[Any]:
        return sa.func.jsonb_typeof(self._node(path), type_=sa.String)

    def number(self, path: list[str]) -> ColumnElement[Any]:
        kind = self.kind(path)
        raw = self._raw_text(path)
        boolean = sa.case((raw == "true", 1.0), else_=0.0)
        return sa.case(
            (kind == "number", sa.cast(raw, postgresql.DOUBLE_PRECISION)),
            (kind == "boolean", boolean),
            else_=sa.null(),
        )

    def text(self, path: list[str]) -> ColumnElement[Any]:
        value = sa.case((self.kind(path) == "string", self._raw_text(path)), else_=sa.null())
        return sa.collate(value, "C")

    def binary(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return sa.collate(column, "C")

    def array_contains(self, path: list[str], value: Scalar) -> ColumnElement[bool]:
        probe = sa.bindparam(None, [value], type_=postgresql.JSONB)
        # jsonb containment of a one-element array is element equality for scalars.
        return sa.and_(self.kind(path) == "array", self._node(path).op("@>")(probe))
