"""Cosmos-style partial updates applied in Python (used by the SQL backend).

Semantics follow Cosmos DB's patch API: ``add`` inserts into arrays (``-`` appends) and
creates or replaces object members; ``set`` creates or replaces; ``replace`` and ``remove``
need the target to exist; ``incr`` adds to a number (creating it when missing). The parent
of the target must exist: paths are never created recursively.
"""

from __future__ import annotations

import copy
from typing import Any

from ninevectors.services.store._common import (
    pointer_segments,
    validate_patch,
    validate_versioned,
    version_key,
)
from ninevectors.services.store.base import (
    VERSIONS_FIELD,
    InvalidItem,
    Item,
    PatchOperation,
    VersionedSet,
)


def apply_patch(item: Item, operations: list[PatchOperation]) -> Item:
    """Return a patched copy of ``item``; the original is left untouched.

    Copy-on-write: only the objects and arrays along each patched path are copied (a save of
    one answer must not copy a whole 156-theme response)."""
    validate_patch(operations)
    result = dict(item)
    for index, operation in enumerate(operations):
        try:
            _apply_one(result, operation)
        except InvalidItem as exc:
            where = f"patch operation {index} ({operation.op} {operation.path})"
            raise InvalidItem(f"{where}: {exc}") from exc
    return result


def _apply_one(document: Item, operation: PatchOperation) -> None:
    segments = pointer_segments(operation.path)
    parent = _parent(document, segments[:-1])
    key = segments[-1]
    if isinstance(parent, list):
        _apply_to_list(parent, key, operation)
    elif isinstance(parent, dict):
        _apply_to_dict(parent, key, operation)
    else:
        raise InvalidItem("the parent of the target is not an object or array")


def _parent(document: Item, segments: list[str]) -> Any:
    """The container holding the target, copied (with every container above it) so that
    changing it leaves the caller's item untouched."""
    node: Any = document
    for segment in segments:
        if isinstance(node, dict) and segment in node:
            key: str | int = segment
        elif isinstance(node, list):
            key = _index(node, segment, allow_end=False)
        else:
            raise InvalidItem("the parent of the target does not exist")
        child = node[key]  # type: ignore[index]
        if isinstance(child, dict):
            child = dict(child)
        elif isinstance(child, list):
            child = list(child)
        node[key] = child  # type: ignore[index]
        node = child
    return node


def _index(array: list[Any], segment: str, allow_end: bool) -> int:
    if not segment.isdigit():
        raise InvalidItem(f"invalid array index {segment!r}")
    index = int(segment)
    if index > len(array) or (index == len(array) and not allow_end):
        raise InvalidItem("array index out of bounds")
    return index


def _apply_to_dict(parent: dict[str, Any], key: str, operation: PatchOperation) -> None:
    if operation.op in ("set", "add"):
        parent[key] = copy.deepcopy(operation.value)
    elif operation.op == "replace":
        if key not in parent:
            raise InvalidItem("the target to replace does not exist")
        parent[key] = copy.deepcopy(operation.value)
    elif operation.op == "remove":
        if key not in parent:
            raise InvalidItem("the target to remove does not exist")
        del parent[key]
    else:
        parent[key] = _increment(parent.get(key), operation.value)


def _apply_to_list(parent: list[Any], key: str, operation: PatchOperation) -> None:
    if operation.op == "add":
        position = len(parent) if key == "-" else _index(parent, key, allow_end=True)
        parent.insert(position, copy.deepcopy(operation.value))
        return
    position = _index(parent, key, allow_end=False)
    if operation.op in ("set", "replace"):
        parent[position] = copy.deepcopy(operation.value)
    elif operation.op == "remove":
        del parent[position]
    else:
        parent[position] = _increment(parent[position], operation.value)


def _increment(current: Any, amount: int | float) -> int | float:
    if current is None:
        return amount
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise InvalidItem("cannot increment a value that is not a number")
    return current + amount


def apply_versioned(item: Item, sets: list[VersionedSet], always: list[PatchOperation]) -> Item:
    """Return a copy of ``item`` with the versioned sets that are not superseded and the
    ``always`` sets applied, creating missing parent objects (the reference semantics of
    ``DocumentStore.patch_versioned``; the SQL backend does the same in one statement)."""
    validate_versioned(sets, always)
    result = dict(item)
    versions = dict(result.get(VERSIONS_FIELD) or {})
    for change in sets:
        key = version_key(change.field, change.writer)
        stored = versions.get(key)
        if isinstance(stored, int | float) and stored >= change.number:
            continue
        _set_creating_parents(result, pointer_segments(change.path), change.value)
        versions[key] = change.number
    result[VERSIONS_FIELD] = versions
    for operation in always:
        _set_creating_parents(result, pointer_segments(operation.path), operation.value)
    return result


def _set_creating_parents(document: Item, segments: list[str], value: Any) -> None:
    node: dict[str, Any] = document
    for segment in segments[:-1]:
        child = node.get(segment)
        child = dict(child) if isinstance(child, dict) else {}
        node[segment] = child
        node = child
    node[segments[-1]] = copy.deepcopy(value)
