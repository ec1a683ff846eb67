"""Validation and small helpers shared by both document-store backends.

Both backends call these before talking to their database, so a malformed item, field path,
filter or patch is refused the same way (:class:`InvalidItem`) whichever backend runs.
"""

from __future__ import annotations

import base64
import binascii
import gc
import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ninevectors.services.store.base import (
    VERSIONS_FIELD,
    Filter,
    InvalidItem,
    Item,
    PatchOperation,
    Query,
    VersionedSet,
)

# Properties Cosmos DB adds to every item; never stored by us, only returned.
SYSTEM_KEYS = frozenset({"_rid", "_self", "_etag", "_ts", "_attachments"})

Scalar = None | bool | int | float | str

_FIELD_RE = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
_ID_FORBIDDEN = re.compile(r"[/\\?#]")
MAX_KEY_LENGTH = 255
MAX_PAGE_SIZE = 1000
MAX_PATCH_OPERATIONS = 10  # Cosmos DB's limit per patch request
_PATCH_OPS = frozenset({"set", "add", "replace", "remove", "incr"})
_FILTER_OPS = frozenset({"=", "!=", "<", "<=", ">", ">=", "in", "contains", "startswith", "exists"})


def field_path(field: str) -> list[str]:
    """Split a dotted field path, refusing anything but ``[A-Za-z0-9_]`` segments.

    Paths end up inside query text (as JSON paths or Cosmos property references), so this
    check is what keeps them from ever carrying SQL.
    """
    if not isinstance(field, str) or not _FIELD_RE.match(field):
        raise InvalidItem(f"invalid field path: {field!r}")
    return field.split(".")


def is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def scalar_kind(value: Scalar) -> str:
    """The JSON type of a filter value: null, boolean, number or string."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def validate_filter(flt: Filter) -> list[str]:
    """Check one filter's op and value; return its split field path."""
    path = field_path(flt.field)
    if flt.op not in _FILTER_OPS:
        raise InvalidItem(f"unknown filter op: {flt.op!r}")
    value = flt.value
    if flt.op == "exists":
        if not isinstance(value, bool):
            raise InvalidItem("'exists' takes True or False")
    elif flt.op == "in":
        if not isinstance(value, list | tuple) or not all(is_scalar(v) for v in value):
            raise InvalidItem("'in' takes a list of scalar values")
    elif flt.op == "startswith":
        if not isinstance(value, str):
            raise InvalidItem("'startswith' takes a string")
    elif flt.op in ("<", "<=", ">", ">="):
        if value is None or not is_scalar(value):
            raise InvalidItem(f"{flt.op!r} takes a number, string or boolean")
    elif not is_scalar(value):
        raise InvalidItem(f"{flt.op!r} takes a scalar value")
    return path


def validate_query(query: Query) -> None:
    for flt in query.filters:
        validate_filter(flt)
    if query.order_by is not None:
        field_path(query.order_by)
    if not isinstance(query.limit, int) or not 1 <= query.limit <= MAX_PAGE_SIZE:
        raise InvalidItem(f"limit must be between 1 and {MAX_PAGE_SIZE}")


def _check_key(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_KEY_LENGTH:
        raise InvalidItem(f"item {name} must be a non-empty string of at most 255 characters")
    if _ID_FORBIDDEN.search(value):
        raise InvalidItem(f"item {name} must not contain / \\ ? or #")
    return value


def check_partition_key(partition_key: Any) -> str:
    return _check_key("partitionKey", partition_key)


def check_id(item_id: Any) -> str:
    return _check_key("id", item_id)


def check_ttl(ttl: Any) -> None:
    """Cosmos semantics: ``ttl`` is -1 (never expires) or a positive number of seconds."""
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not (ttl == -1 or ttl > 0):
        raise InvalidItem("ttl must be -1 or a positive whole number of seconds")


def clean_item(item: Any) -> Item:
    """Validate an item for writing; return a deep copy without Cosmos system properties."""
    if not isinstance(item, dict):
        raise InvalidItem("an item must be a JSON object")
    try:
        copy: Item = json.loads(json.dumps(item, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidItem(f"item is not valid JSON: {exc}") from exc
    check_id(copy.get("id"))
    check_partition_key(copy.get("partitionKey"))
    if "ttl" in copy:
        check_ttl(copy["ttl"])
    for key in SYSTEM_KEYS:
        copy.pop(key, None)
    return copy


def validate_patch(operations: list[PatchOperation]) -> None:
    if not operations:
        raise InvalidItem("a patch needs at least one operation")
    if len(operations) > MAX_PATCH_OPERATIONS:
        raise InvalidItem(f"a patch takes at most {MAX_PATCH_OPERATIONS} operations")
    for operation in operations:
        if operation.op not in _PATCH_OPS:
            raise InvalidItem(f"unknown patch op: {operation.op!r}")
        segments = pointer_segments(operation.path)
        if segments[0] in ("id", "partitionKey") or segments[0].startswith("_"):
            raise InvalidItem(f"{operation.path!r} cannot be patched")
        if operation.op == "incr" and (
            isinstance(operation.value, bool) or not isinstance(operation.value, int | float)
        ):
            raise InvalidItem("'incr' takes a number")
        if operation.path == "/ttl" and operation.op != "remove":
            check_ttl(operation.value)


MAX_VERSIONED_SETS = 50
_VERSION_PART = re.compile(r"^[A-Za-z0-9._:-]{1,80}$")


def version_key(field: str, writer: str) -> str:
    """The key of a writer's number for a field in the item's versions map."""
    return f"{field}@{writer}"


def validate_versioned(sets: list[VersionedSet], always: list[PatchOperation]) -> None:
    """Sets name fields and writers safely, once each; ``always`` holds only ``set``s."""
    if not sets and not always:
        raise InvalidItem("a versioned patch needs at least one change")
    if len(sets) + len(always) > MAX_VERSIONED_SETS:
        raise InvalidItem(f"a versioned patch takes at most {MAX_VERSIONED_SETS} changes")
    seen: set[str] = set()
    for change in sets:
        if not _VERSION_PART.match(change.field) or not _VERSION_PART.match(change.writer):
            raise InvalidItem("a versioned field or writer has characters that are not allowed")
        if isinstance(change.number, bool) or not isinstance(change.number, int):
            raise InvalidItem("a version number is an integer")
        if not 0 <= change.number < 2**53:
            raise InvalidItem("a version number is out of range")
        key = version_key(change.field, change.writer)
        if key in seen:
            raise InvalidItem(f"{key!r} is set twice in one patch")
        seen.add(key)
        _check_patch_target(change.path)
    for operation in always:
        if operation.op != "set":
            raise InvalidItem("a versioned patch only takes 'set' operations besides its sets")
        _check_patch_target(operation.path)


def _check_patch_target(path: str) -> list[str]:
    segments = pointer_segments(path)
    if segments[0] in ("id", "partitionKey", VERSIONS_FIELD) or segments[0].startswith("_"):
        raise InvalidItem(f"{path!r} cannot be patched")
    if any('"' in segment or not segment for segment in segments):
        raise InvalidItem(f"{path!r} is not a valid field path")
    return segments


def matches_filters(item: Item, filters: tuple[Filter, ...]) -> bool:
    """Whether ``item`` meets every filter, evaluated in Python (for write conditions on
    backends that read before writing). Supports equality, inequality, ``in`` and
    ``exists``; values of different types are never equal, as in Cosmos DB."""
    for flt in filters:
        path = validate_filter(flt)
        found, value = _value_at(item, path)
        if flt.op == "exists":
            ok = found == bool(flt.value)
        elif flt.op in ("=", "!="):
            equal = found and _same_value(value, flt.value)
            ok = equal if flt.op == "=" else found and not equal
        elif flt.op == "in":
            ok = found and any(_same_value(value, option) for option in flt.value)
        else:
            raise InvalidItem(f"a write condition cannot use {flt.op!r}")
        if not ok:
            return False
    return True


def _value_at(item: Item, path: list[str]) -> tuple[bool, Any]:
    node: Any = item
    for segment in path:
        if not isinstance(node, dict) or segment not in node:
            return False, None
        node = node[segment]
    return True, node


def _same_value(left: Any, right: Any) -> bool:
    if not (is_scalar(left) and is_scalar(right)):
        return False
    return scalar_kind(left) == scalar_kind(right) and left == right


def pointer_segments(pointer: str) -> list[str]:
    """Split a JSON pointer (RFC 6901) into its unescaped segments."""
    if not isinstance(pointer, str) or not pointer.startswith("/") or pointer == "/":
        raise InvalidItem(f"invalid JSON pointer: {pointer!r}")
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer[1:].split("/")]


def query_fingerprint(container: str, partition_key: str | None, query: Query) -> str:
    """A short digest of everything but the page position, bound into continuation tokens
    so a token cannot be replayed against a different query."""
    shape = [
        container,
        partition_key,
        [[f.field, f.op, f.value] for f in query.filters],
        query.order_by,
        query.descending,
    ]
    digest = hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def encode_token(fingerprint: str, position: Any) -> str:
    raw = json.dumps({"f": fingerprint, "p": position}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str, fingerprint: str) -> Any:
    """Return the page position stored in ``token``; refuse tokens of another query."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, TypeError, AttributeError) as exc:
        raise InvalidItem("malformed continuation token") from exc
    if not isinstance(data, dict) or data.get("f") != fingerprint or "p" not in data:
        raise InvalidItem("continuation token does not belong to this query")
    return data["p"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while many items are decoded: each collection walks every
    young object, and a read of a thousand large items made them cost most of its time. (A
    concurrent pause may end it early or late; either way it ends enabled.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
