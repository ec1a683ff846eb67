"""The document store's interface, shaped like Azure Cosmos DB (NoSQL API).

Items are JSON objects carrying ``id``, ``type`` and ``partitionKey`` (the organization id).
Every write returns the stored item with a fresh ``_etag``; a write that passes an ``etag``
succeeds only when the stored item still has it (optimistic concurrency), otherwise it raises
:class:`PreconditionFailed` and changes nothing.

Queries are structured (:class:`Query`), never raw SQL text, so both backends translate them
to parameterised queries and only the subset that real Cosmos DB and its emulator share is
used: equality and comparison filters, ``IN``, ``ARRAY_CONTAINS``, ``STARTSWITH``, ordering on
one field, a page size and an opaque continuation token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Item = dict[str, Any]

FilterOp = Literal["=", "!=", "<", "<=", ">", ">=", "in", "contains", "startswith", "exists"]


class StoreError(Exception):
    """Base class of the store's errors."""


class NotFound(StoreError):
    """No item with that id in that partition (or the container is unknown)."""


class Conflict(StoreError):
    """An item with that id already exists in that partition."""


class PreconditionFailed(StoreError):
    """The item changed since it was read: its etag no longer matches."""


class InvalidItem(StoreError):
    """The item or the query is malformed (missing id/partitionKey, bad field path, ...)."""


@dataclass(frozen=True)
class Filter:
    """``field`` is a dotted path into the item (``"settings.plan"``); ``value`` is a parameter.

    ops: ``=, !=, <, <=, >, >=`` compare; ``in`` takes a list; ``contains`` means the array
    at ``field`` contains ``value``; ``startswith`` is a string prefix; ``exists`` tests that
    the field is defined (``value`` True) or not (``value`` False).
    """

    field: str
    op: FilterOp
    value: Any = None


@dataclass(frozen=True)
class Query:
    filters: tuple[Filter, ...] = ()
    order_by: str | None = None
    descending: bool = False
    limit: int = 100
    continuation: str | None = None


@dataclass
class Page:
    items: list[Item] = field(default_factory=list)
    continuation: str | None = None  # None when there are no more items


@dataclass(frozen=True)
class PatchOperation:
    """A Cosmos-style patch: ``op`` is set | add | remove | replace | incr; ``path`` is
    a JSON pointer (``"/settings/maxUsers"``)."""

    op: Literal["set", "add", "remove", "replace", "incr"]
    path: str
    value: Any = None


@dataclass(frozen=True)
class VersionedSet:
    """Set the field at ``path`` (a JSON pointer) to ``value`` — unless the item already
    holds a write of this ``writer`` for ``field`` numbered ``number`` or higher.

    A writer is one browser tab or device; its numbers only grow. A late or repeated delivery
    of an older write from the same writer is ignored, so it can never overwrite a newer
    choice; writes of different writers never block each other (the last to arrive wins).
    The numbers live in the item under ``VERSIONS_FIELD`` as ``"<field>@<writer>": number``.
    """

    path: str
    value: Any
    field: str
    writer: str
    number: int


VERSIONS_FIELD = "fieldVersions"


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    default_ttl: int | None = None  # seconds; None means items never expire


class DocumentStore(Protocol):
    """All reads and writes of one partition take the partition key (organization id)."""

    def ensure_containers(self, specs: list[ContainerSpec]) -> None: ...

    def get(self, container: str, partition_key: str, item_id: str) -> Item: ...

    def create(self, container: str, item: Item) -> Item: ...

    def replace(self, container: str, item: Item, etag: str | None = None) -> Item: ...

    def upsert(self, container: str, item: Item, etag: str | None = None) -> Item: ...

    def patch(
        self,
        container: str,
        partition_key: str,
        item_id: str,
        operations: list[PatchOperation],
        etag: str | None = None,
    ) -> Item: ...

    def patch_versioned(
        self,
        container: str,
        partition_key: str,
        item_id: str,
        sets: list[VersionedSet],
        always: list[PatchOperation] | None = None,
        require: tuple[Filter, ...] = (),
    ) -> Item:
        """Apply ``sets`` (each unless superseded, see :class:`VersionedSet`) and the ``set``
        operations in ``always``, creating missing parent objects, in one atomic write —
        only when the item matches every filter of ``require`` (else PreconditionFailed).
        Returns the stored item."""
        ...

    def delete(
        self, container: str, partition_key: str, item_id: str, etag: str | None = None
    ) -> None: ...

    def query(self, container: str, partition_key: str | None, query: Query) -> Page:
        """``partition_key=None`` is a cross-partition query: only for system work (sign-in
        look-ups, benchmarks), never for serving one tenant's data."""
        ...

    def count(
        self, container: str, partition_key: str | None, filters: tuple[Filter, ...] = ()
    ) -> int: ...

    def purge_expired(self) -> int:
        """Remove items whose time-to-live has passed; return how many. Cosmos does this
        itself, so its backend returns 0."""
        ...

    def close(self) -> None: ...
