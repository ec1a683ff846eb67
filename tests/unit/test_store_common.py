"""Shared validation, patch semantics and continuation tokens of the document store."""

from __future__ import annotations

import pytest

from ninevectors.services.store._common import (
    clean_item,
    decode_token,
    encode_token,
    field_path,
    query_fingerprint,
)
from ninevectors.services.store._patch import apply_patch
from ninevectors.services.store.base import Filter, InvalidItem, PatchOperation, Query
from ninevectors.services.store.containers import CONTAINERS


def test_containers_are_the_products_with_metrics_ttl() -> None:
    specs = {spec.name: spec.default_ttl for spec in CONTAINERS}
    assert specs == {
        "organizations": None,
        "users": None,
        "assessments": None,
        "responses": None,
        "documents": None,
        "coaching_sessions": None,
        "metrics": 7_776_000,
        "invitations": None,
    }


@pytest.mark.parametrize("field", ["a", "settings.plan", "a_b.C9.x"])
def test_valid_field_paths(field: str) -> None:
    assert field_path(field) == field.split(".")


@pytest.mark.parametrize("field", ["", ".a", "a.", "a..b", "a-b", "a b", "a['b']", "é", 5])
def test_invalid_field_paths(field: object) -> None:
    with pytest.raises(InvalidItem):
        field_path(field)  # type: ignore[arg-type]


def test_clean_item_copies_and_strips_system_keys() -> None:
    original = {"id": "a", "partitionKey": "o", "nested": {"x": [1]}, "_etag": "e", "_ts": 1}
    cleaned = clean_item(original)
    assert cleaned == {"id": "a", "partitionKey": "o", "nested": {"x": [1]}}
    cleaned["nested"]["x"].append(2)
    assert original["nested"] == {"x": [1]}


def doc() -> dict[str, object]:
    return {"id": "a", "partitionKey": "o", "list": [1, 2], "obj": {"k": "v"}, "n": 1}


@pytest.mark.parametrize(
    ("operation", "expected_changes"),
    [
        (PatchOperation("add", "/list/1", 9), {"list": [1, 9, 2]}),
        (PatchOperation("add", "/list/2", 9), {"list": [1, 2, 9]}),
        (PatchOperation("add", "/list/-", 9), {"list": [1, 2, 9]}),
        (PatchOperation("set", "/list/0", 9), {"list": [9, 2]}),
        (PatchOperation("replace", "/obj/k", "w"), {"obj": {"k": "w"}}),
        (PatchOperation("set", "/obj/new", True), {"obj": {"k": "v", "new": True}}),
        (PatchOperation("remove", "/list/0"), {"list": [2]}),
        (PatchOperation("incr", "/n", 2.5), {"n": 3.5}),
        (PatchOperation("incr", "/list/1", -2), {"list": [1, 0]}),
        (PatchOperation("set", "/a~1b", 1), {"a/b": 1}),
    ],
    ids=lambda value: f"{value.op}:{value.path}" if isinstance(value, PatchOperation) else "",
)
def test_patch_semantics(operation: PatchOperation, expected_changes: dict[str, object]) -> None:
    original = doc()
    assert apply_patch(original, [operation]) == {**doc(), **expected_changes}
    assert original == doc()


@pytest.mark.parametrize(
    "operation",
    [
        PatchOperation("add", "/list/3", 1),
        PatchOperation("set", "/list/2", 1),
        PatchOperation("remove", "/missing"),
        PatchOperation("replace", "/missing", 1),
        PatchOperation("incr", "/obj", 1),
        PatchOperation("incr", "/n", True),
        PatchOperation("set", "/obj/k/deeper", 1),
        PatchOperation("set", "/_etag", "x"),
        PatchOperation("set", "/ttl", 0),
        PatchOperation("move", "/n", 1),  # type: ignore[arg-type]
        PatchOperation("set", "", 1),
    ],
    ids=lambda op: f"{op.op}:{op.path}",
)
def test_patch_refuses(operation: PatchOperation) -> None:
    with pytest.raises(InvalidItem):
        apply_patch(doc(), [operation])


def test_patch_limits_operation_count() -> None:
    with pytest.raises(InvalidItem):
        apply_patch(doc(), [PatchOperation("incr", "/n", 1)] * 11)
    with pytest.raises(InvalidItem):
        apply_patch(doc(), [])


def test_token_round_trip_and_binding() -> None:
    query = Query(filters=(Filter("a", "=", 1),), order_by="b")
    fingerprint = query_fingerprint("c", "org", query)
    token = encode_token(fingerprint, [3, 1.5, "x", "id"])
    assert decode_token(token, fingerprint) == [3, 1.5, "x", "id"]
    other = query_fingerprint("c", "other_org", query)
    with pytest.raises(InvalidItem):
        decode_token(token, other)
    with pytest.raises(InvalidItem):
        decode_token("%%%", fingerprint)
    with pytest.raises(InvalidItem):
        decode_token(token[:-3], fingerprint)


def test_patch_copies_only_the_patched_path() -> None:
    original = {"answers": {"1.1.1": {"rating": 2, "notes": "n"}, "1.1.2": {"rating": 5}}}
    patched = apply_patch(original, [PatchOperation("set", "/answers/1.1.1/rating", 4)])
    assert patched["answers"]["1.1.1"] == {"rating": 4, "notes": "n"}
    assert original["answers"]["1.1.1"] == {"rating": 2, "notes": "n"}
    # Containers off the path are shared, not copied: a save stays cheap on a large response.
    assert patched["answers"]["1.1.2"] is original["answers"]["1.1.2"]
