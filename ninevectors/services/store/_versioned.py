"""The SQL of ``patch_versioned``: one ``UPDATE … RETURNING`` per call, with no read before it.

It is on the hot path of every answer save, so the statement text is built once per *shape*
(how many parents, versioned sets, plain sets and conditions it has) and only parameters
change between calls; building SQLAlchemy expressions per call cost more than the write.
Every path and value is a bound parameter; the only text interpolated is generated here.

Per versioned set the statement compares the stored version number of that writer and
field (``fieldVersions."<field>@<writer>"``) with the new one, in the stored body, and either
writes the new value and number or writes back what is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ninevectors.services.store._common import scalar_kind
from ninevectors.services.store.base import Filter, InvalidItem

_SQLITE_KINDS = {"string": "'text'", "number": "'integer','real'", "null": "'null'"}


@dataclass(frozen=True)
class Shape:
    postgres: bool
    parents: int
    sets: int
    always: int
    conditions: tuple[str, ...]  # the kind of each condition's value
    default_ttl: int | None


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _sqlite_path(segments: list[str]) -> str:
    return "$" + "".join(f'."{segment}"' for segment in segments)


def _case(condition: str, then: str, otherwise: str = "NULL") -> str:
    return f"CASE WHEN {condition} THEN {then} ELSE {otherwise} END"


def _sqlite_number(path: str) -> str:
    # Version numbers are only ever written as numbers by this statement; a stray string
    # would compare as greater than any number (SQLite's ordering), so the set is skipped.
    return f"json_extract(body, {path})"


def _sqlite_body(shape: Shape) -> str:
    pairs = ["body"]
    for i in range(shape.sets):
        applies = f"coalesce({_sqlite_number(f':vp{i}')}, -1) < :n{i}"
        pairs.append(f":sp{i}, json(CASE WHEN {applies} THEN :sv{i} ELSE body -> :sp{i} END)")
        pairs.append(f":vp{i}, json(CASE WHEN {applies} THEN :vn{i} ELSE body -> :vp{i} END)")
    pairs += [f":ap{j}, json(:av{j})" for j in range(shape.always)]
    return "json_set(" + ", ".join(pairs) + ")"  # json_set creates missing parents itself


def _postgres_body(shape: Shape) -> str:
    document = "body"
    for k in range(shape.parents):  # jsonb_set creates only the last key: parents first
        parent = f"body #> :pp{k}"
        kept = _case(f"jsonb_typeof({parent}) = 'object'", parent, "'{}'::jsonb")
        document = f"jsonb_set({document}, :pp{k}, {kept}, true)"
    for i in range(shape.sets):
        number = _case(f"jsonb_typeof(body #> :vp{i}) = 'number'", f"(body #>> :vp{i})::float8")
        applies = f"coalesce({number}, -1) < :n{i}"
        value = _case(applies, f"CAST(:sv{i} AS jsonb)", f"coalesce(body #> :sp{i}, 'null')")
        version = _case(applies, f"CAST(:vn{i} AS jsonb)", f"coalesce(body #> :vp{i}, 'null')")
        document = f"jsonb_set({document}, :sp{i}, {value}, true)"
        document = f"jsonb_set({document}, :vp{i}, {version}, true)"
    for j in range(shape.always):
        document = f"jsonb_set({document}, :ap{j}, CAST(:av{j} AS jsonb), true)"
    return document


def _condition(shape: Shape, k: int, kind: str) -> str:
    if shape.postgres:
        pg_kind = {"string": "string", "number": "number", "boolean": "boolean", "null": "null"}
        typed = f"jsonb_typeof(body #> :rp{k}) = '{pg_kind[kind]}'"
        if kind == "number":
            return f"{typed} AND (body #>> :rp{k})::float8 = :rv{k}"
        return typed if kind == "null" else f"{typed} AND body #>> :rp{k} = :rv{k}"
    if kind == "boolean":
        return f"json_type(body, :rp{k}) = :rv{k}"  # 'true' / 'false'
    typed = f"json_type(body, :rp{k}) IN ({_SQLITE_KINDS[kind]})"
    return typed if kind == "null" else f"{typed} AND json_extract(body, :rp{k}) = :rv{k}"


def _expiry(shape: Shape) -> str:
    default = "NULL" if shape.default_ttl is None else f":now + {int(shape.default_ttl)}"
    if shape.postgres:
        ttl = "(body ->> 'ttl')::float8"
        known = "jsonb_typeof(body -> 'ttl') = 'number'"
    else:
        ttl = "json_extract(body, '$.\"ttl\"')"
        known = "json_type(body, '$.\"ttl\"') IN ('integer','real')"
    return _case(known, _case(f"{ttl} = -1", "NULL", f":now + {ttl}"), default)


@lru_cache(maxsize=256)
def statement(shape: Shape) -> sa.TextClause:
    body = _postgres_body(shape) if shape.postgres else _sqlite_body(shape)
    conditions = "".join(
        f" AND {_condition(shape, k, kind)}" for k, kind in enumerate(shape.conditions)
    )
    sql = (
        f"UPDATE store_items SET body = {body}, etag = :etag, updated_at = :now, "
        f"expires_at = {_expiry(shape)} "
        "WHERE container = :container AND partition_key = :pk AND id = :id "
        f"AND (expires_at IS NULL OR expires_at > :now){conditions} "
        "RETURNING body, etag, updated_at"
    )
    text = sa.text(sql)
    if shape.postgres:
        arrays = [f"pp{k}" for k in range(shape.parents)]
        arrays += [f"{p}{i}" for i in range(shape.sets) for p in ("sp", "vp")]
        arrays += [f"ap{j}" for j in range(shape.always)]
        arrays += [f"rp{k}" for k in range(len(shape.conditions))]
        text = text.bindparams(
            *(sa.bindparam(name, type_=postgresql.ARRAY(sa.Text)) for name in arrays)
        )
    return text


def parents_of(paths: list[list[str]]) -> list[list[str]]:
    """Every proper prefix of the paths, shallowest first (PostgreSQL creates them)."""
    prefixes = {tuple(path[:depth]) for path in paths for depth in range(1, len(path))}
    return [list(prefix) for prefix in sorted(prefixes, key=lambda p: (len(p), p))]


def condition_kinds(require: tuple[Filter, ...]) -> tuple[str, ...]:
    kinds = []
    for flt in require:
        if flt.op != "=":
            raise InvalidItem("a write condition compares a field for equality ('=')")
        kinds.append(scalar_kind(flt.value))
    return tuple(kinds)


def parameters(
    postgres: bool,
    parents: list[list[str]],
    sets: list[tuple[list[str], list[str], Any, int]],
    always: list[tuple[list[str], Any]],
    require: list[tuple[list[str], Any]],
) -> dict[str, Any]:
    """``sets``: (path, version path, value, number); ``always``: (path, value);
    ``require``: (field path, value)."""

    def path(segments: list[str]) -> Any:
        return segments if postgres else _sqlite_path(segments)

    params: dict[str, Any] = {f"pp{k}": path(p) for k, p in enumerate(parents)}
    for i, (set_path, version_path, value, number) in enumerate(sets):
        params.update({
            f"sp{i}": path(set_path), f"vp{i}": path(version_path), f"sv{i}": _json(value),
            f"vn{i}": _json(number), f"n{i}": float(number),
        })  # fmt: skip
    for j, (set_path, value) in enumerate(always):
        params.update({f"ap{j}": path(set_path), f"av{j}": _json(value)})
    for k, (field, value) in enumerate(require):
        params[f"rp{k}"] = path(field)
        if isinstance(value, bool):
            params[f"rv{k}"] = "true" if value else "false"
        elif isinstance(value, int | float):
            params[f"rv{k}"] = float(value)
        else:
            params[f"rv{k}"] = value
    return params
