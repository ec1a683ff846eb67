"""The SQL store on PostgreSQL does not ping on every checkout: a connection the server
dropped (a restart, a failover, an idle timeout) fails one call, which runs again on a new
connection — the caller sees nothing."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from ninevectors.services.store.base import PatchOperation, VersionedSet
from ninevectors.services.store.containers import CONTAINERS
from ninevectors.services.store.sql import SqlDocumentStore


def _drop_every_connection(url: str) -> int:
    name = sa.make_url(url).database
    admin = sa.create_engine(
        sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            dropped = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).scalar_one()
    finally:
        admin.dispose()
    return int(dropped)


def test_a_dropped_connection_is_replaced_without_the_caller_noticing(postgres_url: str) -> None:
    store = SqlDocumentStore(postgres_url)
    store.ensure_containers(CONTAINERS)
    pk = f"org_{uuid.uuid4().hex[:12]}"
    try:
        store.create("responses", {"id": "r", "partitionKey": pk, "type": "t", "answers": {}})
        assert store.get("responses", pk, "r")["id"] == "r"  # a pooled connection now
        assert _drop_every_connection(postgres_url) >= 1
        assert store.get("responses", pk, "r")["id"] == "r"
        assert _drop_every_connection(postgres_url) >= 1
        change = VersionedSet("/answers/1.1.1/rating", 4, "1.1.1:rating", "tab-a", 1)
        patched = store.patch_versioned(
            "responses", pk, "r", [change], [PatchOperation("set", "/updatedAt", "now")]
        )
        assert patched["answers"]["1.1.1"]["rating"] == 4
    finally:
        store.close()
