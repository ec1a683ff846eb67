"""The document store on one SQL table: SQLite (embedded default) or PostgreSQL.

Items live as JSON in ``store_items``, keyed by (container, partition_key, id). Structured
queries become parameterised SQL over JSON paths with Cosmos DB's typing rules (a number
never equals a string; comparisons only between values of one type; strings in code point
order). Pages use keyset continuation: the token carries the sort key of the last item
returned, so walking pages neither repeats nor skips items when others are written meanwhile.

Time-to-live follows Cosmos: an item's ``ttl`` (seconds, -1 = never) or else its container's
``default_ttl`` counts from its last write; expired items are invisible at once and deleted
by :meth:`SqlDocumentStore.purge_expired`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import operator
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.elements import ColumnElement

from ninevectors.services.database import driver_import_lock, sqlite_write_lock
from ninevectors.services.store import _versioned
from ninevectors.services.store._common import (
    check_id,
    check_partition_key,
    clean_item,
    decode_token,
    encode_token,
    field_path,
    is_scalar,
    paused_gc,
    pointer_segments,
    query_fingerprint,
    scalar_kind,
    validate_filter,
    validate_patch,
    validate_query,
    validate_versioned,
    version_key,
)
from ninevectors.services.store._patch import apply_patch
from ninevectors.services.store._sqljson import JsonExpressions, PostgresJson, SqliteJson
from ninevectors.services.store.base import (
    VERSIONS_FIELD,
    Conflict,
    ContainerSpec,
    Filter,
    InvalidItem,
    Item,
    NotFound,
    Page,
    PatchOperation,
    PreconditionFailed,
    Query,
    VersionedSet,
)
from ninevectors.settings import get_settings

T = TypeVar("T")
log = logging.getLogger(__name__)
_TYPE_LENGTH = 64
metadata = sa.MetaData()

store_items = sa.Table(
    "store_items",
    metadata,
    sa.Column("container", sa.String(64), primary_key=True),
    sa.Column("partition_key", sa.String(255), primary_key=True),
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("type", sa.String(_TYPE_LENGTH), nullable=True),  # copy of body.type for indexing
    sa.Column("etag", sa.String(36), nullable=False),
    sa.Column("body", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=True),  # epoch seconds; NULL = never
    sa.Column("updated_at", sa.Float, nullable=False),  # epoch seconds of the last write
    sa.Index("ix_store_items_type", "container", "partition_key", "type"),
    sa.Index("ix_store_items_expires_at", "expires_at"),
)

_T = store_items.c
_DDL_LOCK_KEY = 0x9EC7_0125  # PostgreSQL advisory lock serialising table creation
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# Cosmos orders values of different types: undefined < null < boolean < number < string.
_KIND_RANK = {"null": 1, "boolean": 2, "number": 3, "string": 4, "array": 5, "object": 5}


def _create_engine(database_url: str) -> Engine:
    # Items are decoded with orjson: a dashboard reads a thousand 40 kB responses, and the
    # standard library's decoder made that read take seconds.
    url = sa.make_url(database_url)
    if url.get_backend_name() != "sqlite":
        with driver_import_lock:
            # jsonb values that psycopg decodes itself (text statements) use orjson as well.
            from psycopg.types.json import set_json_loads

            set_json_loads(orjson.loads)
            # No ping on every checkout (a round trip per save): connections are recycled
            # after half an hour, and a call meeting a dropped one is retried (_reconnecting).
            return sa.create_engine(
                url,
                pool_recycle=1800,
                pool_size=get_settings().blocking_threads,
                max_overflow=4,
                json_deserializer=orjson.loads,
            )
    memory = url.database in (None, "", ":memory:")
    if not memory and not str(url.database).startswith("file:"):
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        poolclass=StaticPool if memory else None,
        connect_args={"timeout": 30},
        json_deserializer=orjson.loads,
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _reconnecting(method: Callable[..., T]) -> Callable[..., T]:
    """Run again once when the pooled connection turned out to be dead (a restarted database):
    the reads are harmless to repeat, and a versioned patch is idempotent."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> T:
        try:
            return method(*args, **kwargs)
        except sa.exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            log.warning("database connection was dropped; trying again on a new one")
            return method(*args, **kwargs)

    return call


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside one writer; the busy timeout makes concurrent processes
    wait for the write lock instead of failing. We issue BEGIN ourselves (see below)."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    """Writes take the write lock up front (BEGIN IMMEDIATE): a deferred transaction that
    reads and then writes could fail with SQLITE_BUSY instead of waiting its turn."""
    write = connection.get_execution_options().get("store_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class SqlDocumentStore:
    """The :class:`~ninevectors.services.store.base.DocumentStore` on SQLite or PostgreSQL.

    ``clock`` (epoch seconds) is injectable so tests can move time for TTL checks.
    """

    def __init__(self, database_url: str, clock: Callable[[], float] = time.time) -> None:
        self._engine = _create_engine(database_url)
        self._postgres = self._engine.dialect.name == "postgresql"
        body = _T.body
        self._json: JsonExpressions = PostgresJson(body) if self._postgres else SqliteJson(body)
        self._clock = clock
        self._specs: dict[str, ContainerSpec] = {}
        self._write_lock = (
            contextlib.nullcontext() if self._postgres else sqlite_write_lock(database_url)
        )

    # -- setup -------------------------------------------------------------------------------

    def ensure_containers(self, specs: list[ContainerSpec]) -> None:
        with self._write() as conn:
            if self._postgres:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DDL_LOCK_KEY})
            metadata.create_all(conn)
        for spec in specs:
            self._specs[spec.name] = spec

    def close(self) -> None:
        self._engine.dispose()

    # -- reads -------------------------------------------------------------------------------

    @_reconnecting
    def get(self, container: str, partition_key: str, item_id: str) -> Item:
        self._spec(container)
        where = sa.and_(self._key(container, partition_key, item_id), self._visible())
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(_T.body, _T.etag, _T.updated_at).where(where)).first()
        if row is None:
            raise NotFound(f"{container}/{item_id} not found in partition {partition_key}")
        return _with_system(row.body, row.etag, row.updated_at)

    @_reconnecting
    def query(self, container: str, partition_key: str | None, query: Query) -> Page:
        self._spec(container)
        validate_query(query)
        fingerprint = query_fingerprint(container, partition_key, query)
        keys = self._order_keys(query.order_by)
        where = self._where(container, partition_key, query.filters)
        if query.continuation is not None:
            last = decode_token(query.continuation, fingerprint)
            where = sa.and_(where, self._after(keys, last, query.descending))
        order = [key.desc() if query.descending else key.asc() for key in keys]
        labelled = [key.label(f"k{index}") for index, key in enumerate(keys)]
        stmt = (
            sa.select(_T.body, _T.etag, _T.updated_at, *labelled)
            .where(where)
            .order_by(*order)
            .limit(query.limit + 1)
        )
        with paused_gc(), self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
            more = len(rows) > query.limit
            rows = rows[: query.limit]
            items = [_with_system(row.body, row.etag, row.updated_at) for row in rows]
        token = None
        if more:
            last = rows[-1]._mapping
            token = encode_token(fingerprint, [last[f"k{i}"] for i in range(len(keys))])
        return Page(items=items, continuation=token)

    @_reconnecting
    def count(
        self, container: str, partition_key: str | None, filters: tuple[Filter, ...] = ()
    ) -> int:
        self._spec(container)
        for flt in filters:
            validate_filter(flt)
        where = self._where(container, partition_key, filters)
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).where(where)).scalar_one())

    # -- writes ------------------------------------------------------------------------------

    def create(self, container: str, item: Item) -> Item:
        spec = self._spec(container)
        body = clean_item(item)
        values = self._row(spec, body)
        key = self._key(container, body["partitionKey"], body["id"])
        try:
            with self._write() as conn:
                # An expired item is gone as far as callers know: its id is free again.
                conn.execute(sa.delete(store_items).where(key, sa.not_(self._visible())))
                conn.execute(sa.insert(store_items).values(**values))
        except sa.exc.IntegrityError as exc:
            raise Conflict(f"{container}/{body['id']} already exists") from exc
        return _with_system(body, values["etag"], values["updated_at"])

    def replace(self, container: str, item: Item, etag: str | None = None) -> Item:
        spec = self._spec(container)
        body = clean_item(item)
        values = self._row(spec, body)
        pk, item_id = body["partitionKey"], body["id"]
        with self._write() as conn:
            self._update(conn, container, pk, item_id, values, etag)
        return _with_system(body, values["etag"], values["updated_at"])

    def upsert(self, container: str, item: Item, etag: str | None = None) -> Item:
        """With ``etag`` this is a conditional replace: the item must exist with that etag,
        otherwise :class:`PreconditionFailed` (an etag names a version that is not there)."""
        if etag is not None:
            try:
                return self.replace(container, item, etag)
            except NotFound as exc:
                raise PreconditionFailed(f"{container}: no item with that etag") from exc
        spec = self._spec(container)
        body = clean_item(item)
        values = self._row(spec, body)
        insert = (postgresql.insert if self._postgres else sqlite.insert)(store_items)
        changes = {name: getattr(insert.excluded, name) for name in _MUTABLE_COLUMNS}
        stmt = insert.values(**values).on_conflict_do_update(
            index_elements=[_T.container, _T.partition_key, _T.id], set_=changes
        )
        with self._write() as conn:
            conn.execute(stmt)
        return _with_system(body, values["etag"], values["updated_at"])

    def patch(
        self,
        container: str,
        partition_key: str,
        item_id: str,
        operations: list[PatchOperation],
        etag: str | None = None,
    ) -> Item:
        """Read, apply in Python and write back in one transaction holding the row (FOR UPDATE
        on PostgreSQL, the write lock on SQLite); the write is still guarded by the etag read."""
        spec = self._spec(container)
        validate_patch(operations)
        where = sa.and_(self._key(container, partition_key, item_id), self._visible())
        stmt = sa.select(_T.body, _T.etag).where(where)
        if self._postgres:
            stmt = stmt.with_for_update()
        with self._write() as conn:
            row = conn.execute(stmt).first()
            if row is None:
                raise NotFound(f"{container}/{item_id} not found in partition {partition_key}")
            if etag is not None and row.etag != etag:
                raise PreconditionFailed(f"{container}/{item_id} changed since it was read")
            body = clean_item(apply_patch(row.body, operations))
            values = self._row(spec, body)
            self._update(conn, container, partition_key, item_id, values, row.etag)
        return _with_system(body, values["etag"], values["updated_at"])

    @_reconnecting
    def patch_versioned(
        self,
        container: str,
        partition_key: str,
        item_id: str,
        sets: list[VersionedSet],
        always: list[PatchOperation] | None = None,
        require: tuple[Filter, ...] = (),
    ) -> Item:
        """One UPDATE … RETURNING, no read before the write (see ``_versioned``): each set's
        condition reads the stored version number, so a superseded write changes nothing."""
        spec = self._spec(container)
        always = list(always or [])
        validate_versioned(sets, always)
        for flt in require:
            validate_filter(flt)
        versioned = [
            (
                pointer_segments(change.path),
                [VERSIONS_FIELD, version_key(change.field, change.writer)],
                change.value,
                change.number,
            )
            for change in sets
        ]
        plain = [(pointer_segments(op.path), op.value) for op in always]
        paths = [p for s, v, _, _ in versioned for p in (s, v)] + [p for p, _ in plain]
        parents = _versioned.parents_of(paths) if self._postgres else []
        shape = _versioned.Shape(
            self._postgres, len(parents), len(versioned), len(plain),
            _versioned.condition_kinds(require), spec.default_ttl,
        )  # fmt: skip
        conditions = [(field_path(flt.field), flt.value) for flt in require]
        params = _versioned.parameters(self._postgres, parents, versioned, plain, conditions)
        check_partition_key(partition_key)
        check_id(item_id)
        params.update(
            container=container, pk=partition_key, id=item_id,
            etag=str(uuid.uuid4()), now=self._clock(),
        )  # fmt: skip
        with self._write() as conn:
            row = conn.execute(_versioned.statement(shape), params).first()
            if row is None:
                raise self._missing_or_stale(conn, container, partition_key, item_id)
        body = row.body if isinstance(row.body, dict) else orjson.loads(row.body)
        return _with_system(body, row.etag, row.updated_at)

    def delete(
        self, container: str, partition_key: str, item_id: str, etag: str | None = None
    ) -> None:
        self._spec(container)
        where = sa.and_(self._key(container, partition_key, item_id), self._visible())
        if etag is not None:
            where = sa.and_(where, _T.etag == etag)
        with self._write() as conn:
            if conn.execute(sa.delete(store_items).where(where)).rowcount == 0:
                raise self._missing_or_stale(conn, container, partition_key, item_id)

    def purge_expired(self) -> int:
        expired = sa.and_(_T.expires_at.is_not(None), _T.expires_at <= self._clock())
        with self._write() as conn:
            return int(conn.execute(sa.delete(store_items).where(expired)).rowcount)

    # -- helpers -----------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        # SQLite has one writer at a time: threads of this process queue on the file's lock
        # (shared with the relational tables) instead of in SQLite's sleeping busy handler.
        with self._write_lock, self._engine.connect() as conn:
            conn.execution_options(store_write=True)
            with conn.begin():
                yield conn

    def _spec(self, container: str) -> ContainerSpec:
        spec = self._specs.get(container)
        if spec is None:
            raise NotFound(f"unknown container {container!r}")
        return spec

    def _row(self, spec: ContainerSpec, body: Item) -> dict[str, Any]:
        now = self._clock()
        ttl = body.get("ttl", spec.default_ttl)
        kind = body.get("type")
        return {
            "container": spec.name,
            "partition_key": body["partitionKey"],
            "id": body["id"],
            "type": kind if isinstance(kind, str) and len(kind) <= _TYPE_LENGTH else None,
            "etag": str(uuid.uuid4()),
            "body": body,
            "expires_at": None if ttl is None or ttl == -1 else now + ttl,
            "updated_at": now,
        }

    def _update(
        self,
        conn: Connection,
        container: str,
        partition_key: str,
        item_id: str,
        values: dict[str, Any],
        etag: str | None,
    ) -> None:
        where = sa.and_(self._key(container, partition_key, item_id), self._visible())
        if etag is not None:
            where = sa.and_(where, _T.etag == etag)
        changes = {name: values[name] for name in _MUTABLE_COLUMNS}
        if conn.execute(sa.update(store_items).where(where).values(**changes)).rowcount == 0:
            raise self._missing_or_stale(conn, container, partition_key, item_id)

    def _missing_or_stale(
        self, conn: Connection, container: str, partition_key: str, item_id: str
    ) -> Exception:
        """Why a conditional write matched no row: no such item, or a newer etag."""
        where = sa.and_(self._key(container, partition_key, item_id), self._visible())
        if conn.execute(sa.select(_T.etag).where(where)).first() is None:
            return NotFound(f"{container}/{item_id} not found in partition {partition_key}")
        return PreconditionFailed(f"{container}/{item_id} changed since it was read")

    @staticmethod
    def _key(container: str, partition_key: str, item_id: str) -> ColumnElement[bool]:
        check_partition_key(partition_key)
        check_id(item_id)
        return sa.and_(
            _T.container == container, _T.partition_key == partition_key, _T.id == item_id
        )

    def _visible(self) -> ColumnElement[bool]:
        return sa.or_(_T.expires_at.is_(None), _T.expires_at > self._clock())

    def _where(
        self, container: str, partition_key: str | None, filters: tuple[Filter, ...]
    ) -> ColumnElement[bool]:
        clauses = [_T.container == container, self._visible()]
        if partition_key is not None:
            clauses.append(_T.partition_key == check_partition_key(partition_key))
        clauses.extend(self._condition(flt) for flt in filters)
        return sa.and_(*clauses)

    def _condition(self, flt: Filter) -> ColumnElement[bool]:
        path = validate_filter(flt)
        column = _COLUMN_FIELDS.get(flt.field)
        if column is not None:
            return self._column_condition(self._json.binary(column), flt)
        if flt.field == "type" and flt.op in ("=", "in"):
            values = flt.value if flt.op == "in" else [flt.value]
            if all(isinstance(v, str) and len(v) <= _TYPE_LENGTH for v in values):
                return _T.type.in_(list(values))
        j = self._json
        if flt.op == "exists":
            return j.kind(path).is_not(None) if flt.value else j.kind(path).is_(None)
        if flt.op == "in":
            return sa.or_(sa.false(), *(self._compare(path, "=", v) for v in flt.value))
        if flt.op == "contains":
            return j.array_contains(path, flt.value)
        if flt.op == "startswith":
            return sa.func.substr(j.text(path), 1, len(flt.value)) == flt.value
        return self._compare(path, flt.op, flt.value)

    def _compare(self, path: list[str], op: str, value: Any) -> ColumnElement[bool]:
        """Cosmos typing: values of different types are never equal, unequal or ordered."""
        kind = scalar_kind(value)
        if kind == "null":
            return self._json.kind(path) == "null" if op == "=" else sa.false()
        expr = self._json.text(path) if kind == "string" else self._json.number(path)
        bound = value if kind == "string" else float(value)
        return sa.and_(self._json.kind(path) == kind, _COMPARE[op](expr, bound))

    @staticmethod
    def _column_condition(column: ColumnElement[Any], flt: Filter) -> ColumnElement[bool]:
        """Filters on ``id``/``partitionKey``, which are always strings."""
        if flt.op == "exists":
            return sa.true() if flt.value else sa.false()
        if flt.op == "in":
            return column.in_([v for v in flt.value if isinstance(v, str)])
        if not isinstance(flt.value, str) or flt.op == "contains":
            return sa.false()
        if flt.op == "startswith":
            return sa.func.substr(column, 1, len(flt.value)) == flt.value
        return _COMPARE[flt.op](column, flt.value)

    def _order_keys(self, order_by: str | None) -> list[ColumnElement[Any]]:
        """Sort keys ending in a unique tie-breaker, so keyset paging is exact."""
        item_id = self._json.binary(_T.id)
        if order_by is None or order_by == "partitionKey":
            return [self._json.binary(_T.partition_key), item_id]
        if order_by == "id":
            return [item_id]
        path = field_path(order_by)
        kind = self._json.kind(path)
        rank = sa.case(_KIND_RANK, value=kind, else_=0)
        number = sa.func.coalesce(self._json.number(path), 0.0)
        text = sa.func.coalesce(self._json.text(path), "")
        return [rank, number, text, item_id]

    @staticmethod
    def _after(keys: list[ColumnElement[Any]], last: Any, descending: bool) -> ColumnElement[bool]:
        if not isinstance(last, list) or len(last) != len(keys) or not all(map(is_scalar, last)):
            raise InvalidItem("continuation token does not match this query")
        row = sa.tuple_(*keys)
        position = sa.tuple_(*(sa.literal(value) for value in last))
        return row < position if descending else row > position


_COLUMN_FIELDS = {"id": _T.id, "partitionKey": _T.partition_key}
_MUTABLE_COLUMNS = ("type", "etag", "body", "expires_at", "updated_at")


def _with_system(body: Item, etag: str, updated_at: float) -> Item:
    """The item as Cosmos returns it: the stored JSON plus ``_etag`` and ``_ts``."""
    return {**body, "_etag": etag, "_ts": int(updated_at)}
