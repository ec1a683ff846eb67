"""The SQL backend on SQLite with a controlled clock: TTL boundaries, purge, locking."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from ninevectors.services.store._common import encode_token, query_fingerprint
from ninevectors.services.store.base import (
    ContainerSpec,
    Filter,
    InvalidItem,
    NotFound,
    PatchOperation,
    Query,
)
from ninevectors.services.store.sql import SqlDocumentStore


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


SPECS = [ContainerSpec("things"), ContainerSpec("metrics", default_ttl=100)]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> SqlDocumentStore:
    store = SqlDocumentStore(f"sqlite:///{tmp_path / 'deep' / 'er' / 'store.db'}", clock=clock)
    store.ensure_containers(SPECS)
    return store


def test_creates_parent_folder_and_uses_wal(tmp_path: Path, store: SqlDocumentStore) -> None:
    path = tmp_path / "deep" / "er" / "store.db"
    store.create("things", {"id": "a", "partitionKey": "o"})
    assert path.exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_ts_is_write_time(store: SqlDocumentStore, clock: Clock) -> None:
    assert store.create("things", {"id": "a", "partitionKey": "o"})["_ts"] == int(clock.now)
    clock.now += 50
    assert store.get("things", "o", "a")["_ts"] == int(clock.now - 50)


def test_item_ttl_counts_from_last_write(store: SqlDocumentStore, clock: Clock) -> None:
    store.create("things", {"id": "a", "partitionKey": "o", "ttl": 10})
    clock.now += 9.9
    store.patch("things", "o", "a", [PatchOperation("set", "/touched", True)])
    clock.now += 9.9
    assert store.get("things", "o", "a")["touched"] is True
    clock.now += 0.1
    with pytest.raises(NotFound):
        store.get("things", "o", "a")
    assert store.count("things", "o") == 0
    assert store.query("things", "o", Query()).items == []


def test_container_default_ttl_and_item_override(store: SqlDocumentStore, clock: Clock) -> None:
    store.create("metrics", {"id": "default", "partitionKey": "o"})
    store.create("metrics", {"id": "never", "partitionKey": "o", "ttl": -1})
    store.create("metrics", {"id": "longer", "partitionKey": "o", "ttl": 500})
    store.create("things", {"id": "plain", "partitionKey": "o"})
    clock.now += 100
    assert {i["id"] for i in store.query("metrics", "o", Query()).items} == {"never", "longer"}
    clock.now += 10_000
    assert {i["id"] for i in store.query("metrics", "o", Query()).items} == {"never"}
    assert store.get("things", "o", "plain")["id"] == "plain"


def test_purge_expired_deletes_only_expired_rows(store: SqlDocumentStore, clock: Clock) -> None:
    for index in range(3):
        store.create("things", {"id": f"t{index}", "partitionKey": "o", "ttl": 5})
    store.create("things", {"id": "keep", "partitionKey": "o"})
    assert store.purge_expired() == 0
    clock.now += 5
    assert store.purge_expired() == 3
    assert store.purge_expired() == 0
    assert store.count("things", "o") == 1


def test_expired_id_can_be_created_and_upserted_again(
    store: SqlDocumentStore, clock: Clock
) -> None:
    store.create("things", {"id": "a", "partitionKey": "o", "ttl": 1, "v": 1})
    store.create("things", {"id": "b", "partitionKey": "o", "ttl": 1, "v": 1})
    clock.now += 2
    assert store.create("things", {"id": "a", "partitionKey": "o", "v": 2})["v"] == 2
    assert store.upsert("things", {"id": "b", "partitionKey": "o", "v": 2})["v"] == 2
    clock.now += 100
    assert store.get("things", "o", "a")["v"] == store.get("things", "o", "b")["v"] == 2


def test_expired_item_cannot_be_replaced_or_deleted(store: SqlDocumentStore, clock: Clock) -> None:
    store.create("things", {"id": "a", "partitionKey": "o", "ttl": 1})
    clock.now += 1
    with pytest.raises(NotFound):
        store.replace("things", {"id": "a", "partitionKey": "o"})
    with pytest.raises(NotFound):
        store.delete("things", "o", "a")


def test_system_properties_in_input_are_not_stored(store: SqlDocumentStore) -> None:
    created = store.create(
        "things", {"id": "a", "partitionKey": "o", "_etag": "fake", "_ts": 1, "_rid": "r"}
    )
    assert created["_etag"] != "fake" and "_rid" not in created
    assert set(store.get("things", "o", "a")) == {"id", "partitionKey", "_etag", "_ts"}


def test_concurrent_patches_from_separate_engines_lose_no_update(tmp_path: Path) -> None:
    """Several stores (as in several processes) on one SQLite file: every incr lands."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first = SqlDocumentStore(url)
    first.ensure_containers(SPECS)
    first.create("things", {"id": "counter", "partitionKey": "o", "n": 0})
    errors: list[Exception] = []

    def work() -> None:
        store = SqlDocumentStore(url)
        store.ensure_containers(SPECS)
        try:
            for _ in range(25):
                store.patch("things", "o", "counter", [PatchOperation("incr", "/n", 1)])
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert first.get("things", "o", "counter")["n"] == 100


def test_type_longer_than_its_column_is_still_filterable(store: SqlDocumentStore) -> None:
    long_type = "t" * 80
    store.create("things", {"id": "a", "partitionKey": "o", "type": long_type})
    query = Query(filters=(Filter("type", "=", long_type),))
    assert [i["id"] for i in store.query("things", "o", query).items] == ["a"]


def test_tampered_keyset_token_is_refused(store: SqlDocumentStore) -> None:
    query = Query(order_by="n")
    for position in ([{"x": 1}, 0, "", "a"], [1, 2], "abc"):
        token = encode_token(query_fingerprint("things", "o", query), position)
        with pytest.raises(InvalidItem):
            store.query("things", "o", Query(order_by="n", continuation=token))
