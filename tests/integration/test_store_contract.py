"""One contract for every document-store backend: SQLite, PostgreSQL and the Cosmos emulator.

Each backend is built once per session; every test works in partitions of its own (random
organization ids), so tests never see each other's items. Where the emulator is known to
differ from real Cosmos DB, the test is marked ``xfail(strict=True)`` for the emulator only,
with the reason: it shows up in every run, and it fails loudly if the emulator changes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ninevectors.services.store.base import (
    Conflict,
    ContainerSpec,
    DocumentStore,
    Filter,
    InvalidItem,
    Item,
    NotFound,
    PatchOperation,
    PreconditionFailed,
    Query,
    VersionedSet,
)
from ninevectors.services.store.containers import CONTAINERS
from ninevectors.services.store.cosmos import CosmosDocumentStore
from ninevectors.services.store.sql import SqlDocumentStore
from tests.fixtures.cosmos import COSMOS_EMULATOR_KEY

# The emulator's certificate is self-signed; the store is built with verify_tls=False.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

C = "contract"
SPECS = [*CONTAINERS, ContainerSpec(C)]

EMULATOR_NO_TTL = (
    "cosmosdb-server does not implement time-to-live: items never expire on the emulator "
    "(real Cosmos DB hides and deletes them); TTL is asserted on the SQL backends"
)
EMULATOR_ORDER_BY_UNDEFINED = (
    "cosmosdb-server drops items lacking the ORDER BY property; real Cosmos DB (since 2022) "
    "and the SQL backends return them first in ascending order"
)


@dataclass
class Backend:
    name: str
    store: DocumentStore


def _build(name: str, request: pytest.FixtureRequest, tmp: Path) -> DocumentStore:
    if name == "sqlite":
        return SqlDocumentStore(f"sqlite:///{tmp / 'nested' / 'store.db'}")
    if name == "postgres":
        return SqlDocumentStore(request.getfixturevalue("postgres_url"))
    endpoint = request.getfixturevalue("cosmos_endpoint")
    database = f"contract_{uuid.uuid4().hex[:8]}"
    return CosmosDocumentStore(endpoint, COSMOS_EMULATOR_KEY, database, verify_tls=False)


@pytest.fixture(scope="session", params=["sqlite", "postgres", "cosmos"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    store = _build(request.param, request, tmp_path_factory.mktemp(f"store-{request.param}"))
    store.ensure_containers(SPECS)
    yield Backend(request.param, store)
    store.close()


@pytest.fixture
def store(backend: Backend) -> DocumentStore:
    return backend.store


@pytest.fixture
def pk() -> str:
    return f"org_{uuid.uuid4().hex[:12]}"


def item(pk: str, item_id: str, **fields: Any) -> Item:
    return {"id": item_id, "partitionKey": pk, "type": "thing", **fields}


def body(stored: Item) -> Item:
    """An item without the system properties, for comparisons."""
    return {k: v for k, v in stored.items() if k not in ("_etag", "_ts")}


def emulator_gap(backend: Backend, request: pytest.FixtureRequest, reason: str) -> None:
    if backend.name == "cosmos":
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


# -- single items ----------------------------------------------------------------------------


def test_create_and_get_return_item_with_etag_and_ts(store: DocumentStore, pk: str) -> None:
    before = int(time.time()) - 5
    created = store.create(C, item(pk, "a", name="Acme", settings={"plan": "pro"}))
    fetched = store.get(C, pk, "a")
    assert body(created) == body(fetched) == item(pk, "a", name="Acme", settings={"plan": "pro"})
    assert isinstance(created["_etag"], str) and created["_etag"] == fetched["_etag"]
    assert isinstance(fetched["_ts"], int) and fetched["_ts"] >= before


def test_create_duplicate_id_conflicts_but_other_partition_is_free(
    store: DocumentStore, pk: str
) -> None:
    store.create(C, item(pk, "a", v=1))
    with pytest.raises(Conflict):
        store.create(C, item(pk, "a", v=2))
    assert store.get(C, pk, "a")["v"] == 1
    other = f"{pk}_b"
    store.create(C, item(other, "a", v=3))
    assert store.get(C, other, "a")["v"] == 3


def test_replace_writes_new_body_and_etag(store: DocumentStore, pk: str) -> None:
    created = store.create(C, item(pk, "a", v=1, gone=True))
    replaced = store.replace(C, item(pk, "a", v=2), etag=created["_etag"])
    assert replaced["_etag"] != created["_etag"]
    assert body(store.get(C, pk, "a")) == item(pk, "a", v=2)
    unconditional = store.replace(C, item(pk, "a", v=3))
    assert store.get(C, pk, "a")["_etag"] == unconditional["_etag"]


def test_replace_missing_item_is_not_found(store: DocumentStore, pk: str) -> None:
    with pytest.raises(NotFound):
        store.replace(C, item(pk, "missing", v=1))


def test_upsert_creates_then_replaces(store: DocumentStore, pk: str) -> None:
    first = store.upsert(C, item(pk, "a", v=1))
    second = store.upsert(C, item(pk, "a", v=2))
    assert second["_etag"] != first["_etag"]
    assert body(store.get(C, pk, "a")) == item(pk, "a", v=2)
    third = store.upsert(C, item(pk, "a", v=3), etag=second["_etag"])
    assert store.get(C, pk, "a")["_etag"] == third["_etag"]


def test_upsert_with_etag_of_missing_item_fails(store: DocumentStore, pk: str) -> None:
    with pytest.raises(PreconditionFailed):
        store.upsert(C, item(pk, "missing", v=1), etag="stale")
    with pytest.raises(NotFound):
        store.get(C, pk, "missing")


def test_patch_applies_every_operation(store: DocumentStore, pk: str) -> None:
    created = store.create(
        C, item(pk, "a", count=1, tags=["x"], settings={"plan": "free", "seats": 3}, old=1)
    )
    operations = [
        PatchOperation("set", "/settings/plan", "pro"),
        PatchOperation("add", "/tags/-", "y"),
        PatchOperation("add", "/tags/0", "w"),
        PatchOperation("replace", "/settings/seats", 10),
        PatchOperation("remove", "/old"),
        PatchOperation("incr", "/count", 5),
        PatchOperation("incr", "/fresh", 2),
        PatchOperation("set", "/note", {"text": "hi"}),
    ]
    patched = store.patch(C, pk, "a", operations, etag=created["_etag"])
    expected = item(
        pk,
        "a",
        count=6,
        tags=["w", "x", "y"],
        settings={"plan": "pro", "seats": 10},
        fresh=2,
        note={"text": "hi"},
    )
    assert body(patched) == expected
    assert body(store.get(C, pk, "a")) == expected
    assert patched["_etag"] != created["_etag"]


@pytest.mark.parametrize(
    "operation",
    [
        PatchOperation("remove", "/absent"),
        PatchOperation("replace", "/absent", 1),
        PatchOperation("incr", "/name", 1),
        PatchOperation("set", "/no/such/parent", 1),
        PatchOperation("set", "/id", "other"),
        PatchOperation("set", "/partitionKey", "other"),
        PatchOperation("set", "not-a-pointer", 1),
    ],
    ids=lambda op: f"{op.op}:{op.path}",
)
def test_invalid_patch_is_refused_and_changes_nothing(
    store: DocumentStore, pk: str, operation: PatchOperation
) -> None:
    created = store.create(C, item(pk, "a", name="Acme"))
    with pytest.raises(InvalidItem):
        store.patch(C, pk, "a", [PatchOperation("set", "/x", 1), operation])
    assert store.get(C, pk, "a") == created


# -- versioned patches (answer saves) --------------------------------------------------------


def answer_set(theme: str, name: str, value: Any, writer: str, number: int) -> VersionedSet:
    return VersionedSet(f"/answers/{theme}/{name}", value, f"{theme}:{name}", writer, number)


def test_versioned_patch_applies_in_one_write_and_creates_parents(
    store: DocumentStore, pk: str
) -> None:
    created = store.create(C, item(pk, "r", status="draft", answers={"1.1.1": {"rating": None}}))
    sets = [
        answer_set("1.1.1", "rating", 3, "tab-a", 1),
        answer_set("2.1.3", "notes", "Hi", "tab-a", 2),
    ]
    patched = store.patch_versioned(
        C, pk, "r", sets,
        always=[PatchOperation("set", "/updatedAt", "2026-12-02T10:00:00Z")],
        require=(Filter("status", "=", "draft"),),
    )  # fmt: skip
    stored = store.get(C, pk, "r")
    assert stored["answers"] == {"1.1.1": {"rating": 3}, "2.1.3": {"notes": "Hi"}}
    assert stored["updatedAt"] == "2026-12-02T10:00:00Z"
    assert stored["fieldVersions"] == {"1.1.1:rating@tab-a": 1, "2.1.3:notes@tab-a": 2}
    assert patched["_etag"] == stored["_etag"] != created["_etag"]
    assert body(patched) == body(stored)


def test_an_older_write_of_the_same_writer_never_overwrites_a_newer_one(
    store: DocumentStore, pk: str
) -> None:
    store.create(C, item(pk, "r", status="draft", answers={"1.1.1": {}}))
    store.patch_versioned(C, pk, "r", [answer_set("1.1.1", "rating", 4, "tab-a", 7)])
    late = store.patch_versioned(C, pk, "r", [answer_set("1.1.1", "rating", 2, "tab-a", 5)])
    assert late["answers"]["1.1.1"]["rating"] == 4  # the slower, older save is ignored
    repeat = store.patch_versioned(C, pk, "r", [answer_set("1.1.1", "rating", 1, "tab-a", 7)])
    assert repeat["answers"]["1.1.1"]["rating"] == 4  # a repeated delivery too
    newer = store.patch_versioned(C, pk, "r", [answer_set("1.1.1", "rating", 5, "tab-a", 8)])
    assert newer["answers"]["1.1.1"]["rating"] == 5
    assert store.get(C, pk, "r")["fieldVersions"] == {"1.1.1:rating@tab-a": 8}


def test_writers_do_not_block_each_other_and_fields_are_independent(
    store: DocumentStore, pk: str
) -> None:
    store.create(C, item(pk, "r", answers={"1.1.1": {}}))
    store.patch_versioned(C, pk, "r", [answer_set("1.1.1", "rating", 4, "tab-a", 100)])
    other = store.patch_versioned(C, pk, "r", [answer_set("1.1.1", "rating", 2, "phone", 1)])
    assert other["answers"]["1.1.1"]["rating"] == 2  # another device: the last to arrive wins
    # A late repeat of tab-a's write is still ignored: it never undoes the phone's newer one.
    again = store.patch_versioned(C, pk, "r", [answer_set("1.1.1", "rating", 4, "tab-a", 100)])
    assert again["answers"]["1.1.1"]["rating"] == 2
    stale, fresh = (
        answer_set("1.1.1", "rating", 1, "tab-a", 99),
        answer_set("1.1.1", "notes", "n", "tab-a", 99),
    )
    mixed = store.patch_versioned(C, pk, "r", [stale, fresh])
    assert mixed["answers"]["1.1.1"] == {"rating": 2, "notes": "n"}  # only the stale one skipped


def test_versioned_patch_honours_its_condition_and_changes_nothing_otherwise(
    store: DocumentStore, pk: str
) -> None:
    created = store.create(C, item(pk, "r", status="submitted", answers={"1.1.1": {"rating": 3}}))
    with pytest.raises(PreconditionFailed):
        store.patch_versioned(
            C, pk, "r", [answer_set("1.1.1", "rating", 1, "tab-a", 1)],
            require=(Filter("status", "=", "draft"),),
        )  # fmt: skip
    assert store.get(C, pk, "r") == created
    with pytest.raises(NotFound):
        store.patch_versioned(C, pk, "missing", [answer_set("1.1.1", "rating", 1, "tab-a", 1)])


@pytest.mark.parametrize(
    "change",
    [
        VersionedSet("/id", 1, "f", "w", 1),
        VersionedSet("/fieldVersions/x", 1, "f", "w", 1),
        VersionedSet("/a", 1, 'f"; DROP', "w", 1),
        VersionedSet("/a", 1, "f", "w w", 1),
        VersionedSet("/a", 1, "f", "w", -1),
        VersionedSet("/a", 1, "f", "w", True),
        VersionedSet('/a"b', 1, "f", "w", 1),
    ],
    ids=["id", "versions", "field", "writer", "negative", "bool", "quote"],
)
def test_invalid_versioned_patch_is_refused_and_changes_nothing(
    store: DocumentStore, pk: str, change: VersionedSet
) -> None:
    created = store.create(C, item(pk, "r", a=0))
    with pytest.raises(InvalidItem):
        store.patch_versioned(C, pk, "r", [VersionedSet("/a", 2, "a", "w", 1), change])
    assert store.get(C, pk, "r") == created


def test_delete_removes_item(store: DocumentStore, pk: str) -> None:
    created = store.create(C, item(pk, "a"))
    store.delete(C, pk, "a", etag=created["_etag"])
    with pytest.raises(NotFound):
        store.get(C, pk, "a")
    with pytest.raises(NotFound):
        store.delete(C, pk, "a")
    store.create(C, item(pk, "a", again=True))
    store.delete(C, pk, "a")
    assert store.count(C, pk) == 0


def test_missing_item_is_not_found(store: DocumentStore, pk: str) -> None:
    with pytest.raises(NotFound):
        store.get(C, pk, "nope")
    with pytest.raises(NotFound):
        store.patch(C, pk, "nope", [PatchOperation("set", "/x", 1)])


def test_unknown_container_is_not_found(store: DocumentStore, pk: str) -> None:
    with pytest.raises(NotFound):
        store.get("no_such_container", pk, "a")
    with pytest.raises(NotFound):
        store.create("no_such_container", item(pk, "a"))


# -- optimistic concurrency ------------------------------------------------------------------

STALE_WRITES: dict[str, Callable[[DocumentStore, str, str], Any]] = {
    "replace": lambda s, pk, etag: s.replace(C, item(pk, "a", v=99), etag=etag),
    "upsert": lambda s, pk, etag: s.upsert(C, item(pk, "a", v=99), etag=etag),
    "patch": lambda s, pk, etag: s.patch(C, pk, "a", [PatchOperation("set", "/v", 99)], etag),
    "delete": lambda s, pk, etag: s.delete(C, pk, "a", etag=etag),
}


@pytest.mark.parametrize("write", sorted(STALE_WRITES))
def test_stale_etag_fails_and_leaves_item_unchanged(
    store: DocumentStore, pk: str, write: str
) -> None:
    first = store.create(C, item(pk, "a", v=1))
    current = store.replace(C, item(pk, "a", v=2), etag=first["_etag"])
    with pytest.raises(PreconditionFailed):
        STALE_WRITES[write](store, pk, first["_etag"])
    assert store.get(C, pk, "a") == current


# -- tenant isolation ------------------------------------------------------------------------


def test_other_partition_cannot_see_or_change_item(store: DocumentStore, pk: str) -> None:
    org_a, org_b = pk, f"{pk}_other"
    created = store.create(C, item(org_a, "secret", v=1))
    store.create(C, item(org_b, "mine", v=2))
    with pytest.raises(NotFound):
        store.get(C, org_b, "secret")
    with pytest.raises(NotFound):
        store.replace(C, item(org_b, "secret", v=3))
    with pytest.raises(NotFound):
        store.patch(C, org_b, "secret", [PatchOperation("set", "/v", 3)])
    with pytest.raises(NotFound):
        store.delete(C, org_b, "secret")
    page = store.query(C, org_b, Query())
    assert [i["id"] for i in page.items] == ["mine"]
    assert store.query(C, org_b, Query(filters=(Filter("id", "=", "secret"),))).items == []
    assert store.count(C, org_b) == 1
    assert store.get(C, org_a, "secret") == created


# -- queries ---------------------------------------------------------------------------------


@pytest.fixture
def dataset(store: DocumentStore, pk: str) -> str:
    rows = [
        item(
            pk,
            "a",
            type="produce",
            n=1,
            s="apple",
            flag=True,
            tags=["red", "fruit"],
            nested={"value": 10},
            opt=None,
        ),
        item(
            pk,
            "b",
            type="produce",
            n=2,
            s="banana",
            flag=False,
            tags=["yellow", "fruit"],
            nested={"value": 20},
        ),
        item(pk, "c", type="produce", n=3, s="cherry", tags=["red"], nested={"value": 30}),
        item(pk, "d", type="other", n="3", s="Apple", tags=[]),
        item(pk, "e", type="other", s="date", tags=["brown", 3]),
    ]
    for row in rows:
        store.create(C, row)
    store.create(C, item(f"{pk}_noise", "x", n=1, s="apple", tags=["red"]))
    return pk


FILTER_CASES: list[tuple[Filter, set[str]]] = [
    (Filter("n", "=", 3), {"c"}),
    (Filter("n", "=", "3"), {"d"}),
    (Filter("n", "!=", 3), {"a", "b"}),
    (Filter("n", "<", 3), {"a", "b"}),
    (Filter("n", "<=", 2), {"a", "b"}),
    (Filter("n", ">", 1), {"b", "c"}),
    (Filter("n", ">=", 3), {"c"}),
    (Filter("n", ">=", 1.5), {"b", "c"}),
    (Filter("s", ">", "b"), {"b", "c", "e"}),
    (Filter("s", "<", "apple"), {"d"}),
    (Filter("n", "in", [1, 3, "3"]), {"a", "c", "d"}),
    (Filter("n", "in", []), set()),
    (Filter("tags", "contains", "red"), {"a", "c"}),
    (Filter("tags", "contains", 3), {"e"}),
    (Filter("s", "startswith", "ap"), {"a"}),
    (Filter("n", "exists", True), {"a", "b", "c", "d"}),
    (Filter("n", "exists", False), {"e"}),
    (Filter("flag", "=", True), {"a"}),
    (Filter("flag", "=", False), {"b"}),
    (Filter("opt", "=", None), {"a"}),
    (Filter("nested.value", ">=", 20), {"b", "c"}),
    (Filter("id", "=", "b"), {"b"}),
    (Filter("id", "in", ["a", "c", "zz"]), {"a", "c"}),
    (Filter("id", "startswith", "d"), {"d"}),
    (Filter("type", "=", "produce"), {"a", "b", "c"}),
    (Filter("type", "in", ["other"]), {"d", "e"}),
]


@pytest.mark.parametrize(
    ("flt", "expected"), FILTER_CASES, ids=[f"{f.field}{f.op}{f.value!r}" for f, _ in FILTER_CASES]
)
def test_query_filter(store: DocumentStore, dataset: str, flt: Filter, expected: set[str]) -> None:
    page = store.query(C, dataset, Query(filters=(flt,)))
    assert {i["id"] for i in page.items} == expected
    assert page.continuation is None
    assert store.count(C, dataset, (flt,)) == len(expected)


def test_filters_combine_with_and(store: DocumentStore, dataset: str) -> None:
    filters = (Filter("tags", "contains", "red"), Filter("n", ">", 1))
    assert [i["id"] for i in store.query(C, dataset, Query(filters=filters)).items] == ["c"]


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("field", ["score", "label", "nested.rank"])
def test_query_orders_by_one_field(
    store: DocumentStore, pk: str, field: str, descending: bool
) -> None:
    scores = [5, -2, 3.5, 10, 0, 7, 1]
    labels = ["delta", "Alpha", "bravo", "echo", "alpha", "Charlie", "b"]
    for index, (score, label) in enumerate(zip(scores, labels, strict=True)):
        store.create(C, item(pk, f"i{index}", score=score, label=label, nested={"rank": score}))
    page = store.query(C, pk, Query(order_by=field, descending=descending))
    values = [_value(i, field) for i in page.items]
    assert len(values) == len(scores)
    assert values == sorted(values, reverse=descending)  # Python sorts str by code point


def _value(stored: Item, field: str) -> Any:
    value: Any = stored
    for segment in field.split("."):
        value = value[segment]
    return value


@pytest.mark.parametrize("order_by", [None, "seq", "group"])
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_pages_walk_every_item_once(
    store: DocumentStore, pk: str, order_by: str | None, descending: bool
) -> None:
    total, size = 23, 5
    for index in range(total):
        seq = (index * 7) % total  # unique, not in insertion order
        store.create(C, item(pk, f"i{index:02d}", seq=seq, group=index % 3))
    query = Query(order_by=order_by, descending=descending, limit=size)
    seen: list[Item] = []
    pages = 0
    while True:
        page = store.query(C, pk, query)
        assert len(page.items) <= size
        seen.extend(page.items)
        pages += 1
        assert pages <= total, "continuation never ends"
        if page.continuation is None:
            break
        query = Query(
            order_by=order_by, descending=descending, limit=size, continuation=page.continuation
        )
    ids = [i["id"] for i in seen]
    assert len(ids) == len(set(ids)) == total
    if order_by is not None:
        values = [i[order_by] for i in seen]
        assert values == sorted(values, reverse=descending)


def test_count(store: DocumentStore, dataset: str) -> None:
    assert store.count(C, dataset) == 5
    assert store.count(C, dataset, (Filter("type", "=", "other"),)) == 2
    assert store.count(C, f"{dataset}_empty") == 0


def test_cross_partition_query_for_system_work(store: DocumentStore, pk: str) -> None:
    marker = uuid.uuid4().hex
    for index, org in enumerate([f"{pk}_1", f"{pk}_2", f"{pk}_3"]):
        store.create(C, item(org, f"u{index}", marker=marker, n=index))
    filters = (Filter("marker", "=", marker),)
    page = store.query(C, None, Query(filters=filters, order_by="n", descending=True))
    assert [i["id"] for i in page.items] == ["u2", "u1", "u0"]
    assert store.count(C, None, filters) == 3


def test_order_by_includes_items_without_the_field(
    store: DocumentStore, backend: Backend, pk: str, request: pytest.FixtureRequest
) -> None:
    emulator_gap(backend, request, EMULATOR_ORDER_BY_UNDEFINED)
    store.create(C, item(pk, "with", score=1))
    store.create(C, item(pk, "without"))
    ids = [i["id"] for i in store.query(C, pk, Query(order_by="score")).items]
    assert ids == ["without", "with"]


def test_continuation_of_another_query_is_refused(store: DocumentStore, dataset: str) -> None:
    page = store.query(C, dataset, Query(order_by="s", limit=2))
    assert page.continuation is not None
    with pytest.raises(InvalidItem):
        store.query(C, dataset, Query(order_by="n", limit=2, continuation=page.continuation))
    with pytest.raises(InvalidItem):
        store.query(C, dataset, Query(order_by="s", limit=2, continuation="not-a-token"))


# -- time to live ----------------------------------------------------------------------------


def test_item_with_ttl_expires(
    store: DocumentStore, backend: Backend, pk: str, request: pytest.FixtureRequest
) -> None:
    emulator_gap(backend, request, EMULATOR_NO_TTL)
    store.create(C, item(pk, "short", ttl=1))
    store.create(C, item(pk, "forever", ttl=-1))
    store.create(C, item(pk, "plain"))
    assert store.count(C, pk) == 3
    time.sleep(2.1)
    with pytest.raises(NotFound):
        store.get(C, pk, "short")
    assert {i["id"] for i in store.query(C, pk, Query()).items} == {"forever", "plain"}
    assert store.count(C, pk) == 2
    store.purge_expired()
    store.create(C, item(pk, "short", again=True))  # the id is free again
    assert store.get(C, pk, "short")["again"] is True


# -- invalid input ---------------------------------------------------------------------------

INVALID_ITEMS: dict[str, Any] = {
    "no id": {"partitionKey": "org_x", "type": "thing"},
    "no partitionKey": {"id": "a", "type": "thing"},
    "number id": {"id": 5, "partitionKey": "org_x"},
    "empty id": {"id": "", "partitionKey": "org_x"},
    "slash in id": {"id": "a/b", "partitionKey": "org_x"},
    "number partitionKey": {"id": "a", "partitionKey": 7},
    "ttl zero": {"id": "a", "partitionKey": "org_x", "ttl": 0},
    "ttl text": {"id": "a", "partitionKey": "org_x", "ttl": "60"},
    "not JSON": {"id": "a", "partitionKey": "org_x", "when": object()},
    "NaN": {"id": "a", "partitionKey": "org_x", "x": float("nan")},
    "not a dict": ["id", "a"],
}


@pytest.mark.parametrize("bad", INVALID_ITEMS.values(), ids=list(INVALID_ITEMS))
def test_invalid_item_is_refused(store: DocumentStore, bad: Any) -> None:
    for write in (store.create, store.upsert, store.replace):
        with pytest.raises(InvalidItem):
            write(C, bad)


INVALID_QUERIES: dict[str, Query] = {
    "quote in field": Query(filters=(Filter('a"]) OR 1=1 --', "=", 1),)),
    "space in field": Query(filters=(Filter("a b", "=", 1),)),
    "empty segment": Query(filters=(Filter("a..b", "=", 1),)),
    "bad order_by": Query(order_by="name; DROP TABLE store_items"),
    "unknown op": Query(filters=(Filter("a", "like", "x"),)),  # type: ignore[arg-type]
    "in without list": Query(filters=(Filter("a", "in", "abc"),)),
    "object value": Query(filters=(Filter("a", "=", {"x": 1}),)),
    "startswith number": Query(filters=(Filter("a", "startswith", 1),)),
    "exists not bool": Query(filters=(Filter("a", "exists", "yes"),)),
    "less than null": Query(filters=(Filter("a", "<", None),)),
    "limit zero": Query(limit=0),
}


@pytest.mark.parametrize("query", INVALID_QUERIES.values(), ids=list(INVALID_QUERIES))
def test_invalid_query_is_refused(store: DocumentStore, pk: str, query: Query) -> None:
    with pytest.raises(InvalidItem):
        store.query(C, pk, query)
    if query.filters:
        with pytest.raises(InvalidItem):
            store.count(C, pk, query.filters)


def test_invalid_keys_on_reads_are_refused(store: DocumentStore, pk: str) -> None:
    with pytest.raises(InvalidItem):
        store.get(C, pk, "a/b")
    with pytest.raises(InvalidItem):
        store.delete(C, "", "a")
