"""Document-store latency: point reads and one ordered page, per backend.

Seeds ``--items`` items into one partition, then prints p50/p95 of ``get`` and of a query
returning the first 100 items of that partition ordered by ``createdAt``. Backends: SQLite
(temporary file), PostgreSQL (a temporary database on 127.0.0.1:5432, or the admin URL in
NINEVECTORS_TEST_POSTGRES_URL) and the Cosmos emulator (started here, like the test fixture).

    .venv/bin/python bench/store_bench.py --items 10000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

CONTAINER = "assessments"
PARTITION = "org_bench"


Opened = tuple[object, Callable[[], None]]  # the store, and what refreshes planner statistics


def _analyze(url: str) -> Callable[[], None]:
    """ANALYZE after the bulk load, as autovacuum would do within a minute in production:
    without statistics PostgreSQL may read a point lookup through the (container, partition,
    type) index and filter 10,000 rows instead of using the primary key."""

    def run() -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE store_items")
        engine.dispose()

    return run


@contextmanager
def sqlite_store() -> Iterator[Opened]:
    from ninevectors.services.store.sql import SqlDocumentStore

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/store.db"
        store = SqlDocumentStore(url)
        yield store, _analyze(url)
        store.close()


@contextmanager
def postgres_store() -> Iterator[Opened]:
    from ninevectors.services.store.sql import SqlDocumentStore
    from tests.fixtures.postgres import admin_url, create_database, drop_database

    admin = admin_url()
    url = create_database(admin, prefix="ninevectors_bench")
    if url is None:
        raise RuntimeError(f"PostgreSQL not reachable at {admin.render_as_string()}")
    store = SqlDocumentStore(url)
    try:
        yield store, _analyze(url)
    finally:
        store.close()
        drop_database(admin, url)


@contextmanager
def cosmos_store() -> Iterator[Opened]:
    from ninevectors.services.store.cosmos import CosmosDocumentStore
    from tests.fixtures.cosmos import COSMOS_EMULATOR_KEY, start_emulator
    from tests.servers import stop_process

    with tempfile.TemporaryDirectory() as folder:
        started = start_emulator(Path(folder) / "cosmosdb-server.log")
        if started is None:
            raise RuntimeError("cosmosdb-server missing or not starting")
        process, endpoint = started
        try:
            store = CosmosDocumentStore(endpoint, COSMOS_EMULATOR_KEY, "bench", verify_tls=False)
            yield store, lambda: None
            store.close()
        finally:
            stop_process(process)


BACKENDS: dict[str, Callable[[], contextmanager]] = {  # type: ignore[type-arg]
    "sqlite": sqlite_store,
    "postgres": postgres_store,
    "cosmos": cosmos_store,
}


def make_items(count: int) -> list[dict[str, object]]:
    base = 1_735_689_600  # 2025-01-01
    shuffled = random.sample(range(count), count)  # createdAt not in id order
    return [
        {
            "id": f"assessment_{index:06d}",
            "partitionKey": PARTITION,
            "type": "assessment",
            "name": f"Assessment {offset}",
            "status": random.choice(["draft", "in-progress", "completed"]),
            "createdAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + offset * 60)),
            "analytics": {"completionRate": random.random() * 100},
        }
        for index, offset in enumerate(shuffled)
    ]


def seed(store: object, items: list[dict[str, object]], workers: int) -> None:
    """Create the items from a few threads (the emulator closes every connection, so one
    thread would spend most of its time in TLS handshakes)."""
    create = store.create  # type: ignore[attr-defined]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda item: create(CONTAINER, item), items))


def timed(action: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94]


def run(name: str, args: argparse.Namespace) -> list[str]:
    from ninevectors.services.store.base import Query
    from ninevectors.services.store.containers import CONTAINERS

    items = make_items(args.items)
    ids = [str(item["id"]) for item in items]
    query = Query(order_by="createdAt", limit=100)
    with BACKENDS[name]() as (store, analyze):
        store.ensure_containers(CONTAINERS)  # type: ignore[attr-defined]
        start = time.perf_counter()
        seed(store, items, args.seed_workers)
        seeded = time.perf_counter() - start
        if not args.no_analyze:
            analyze()
        get = store.get  # type: ignore[attr-defined]
        run_query = store.query  # type: ignore[attr-defined]
        first = run_query(CONTAINER, PARTITION, query)  # also warms up
        assert len(first.items) == min(100, args.items)
        assert [i["createdAt"] for i in first.items] == sorted(i["createdAt"] for i in first.items)
        get_ms = timed(lambda: get(CONTAINER, PARTITION, random.choice(ids)), args.gets)
        query_ms = timed(lambda: run_query(CONTAINER, PARTITION, query), args.queries)
    rows = []
    for label, samples in (("get", get_ms), ("query 100 by createdAt", query_ms)):
        p50, p95 = percentiles(samples)
        rows.append(f"{name:<9} {label:<24} {p50:>9.2f} {p95:>9.2f} {len(samples):>7}")
    rate = len(items) / seeded
    rows.append(f"{name:<9} seed: {len(items)} creates in {seeded:.1f} s ({rate:.0f}/s)")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000, help="items in the partition")
    parser.add_argument("--gets", type=int, default=1000, help="point reads to time")
    parser.add_argument("--queries", type=int, default=100, help="queries to time")
    parser.add_argument("--backends", default="sqlite,postgres,cosmos")
    parser.add_argument("--seed-workers", type=int, default=8, help="threads creating items")
    parser.add_argument("--no-analyze", action="store_true", help="skip ANALYZE after seeding")
    args = parser.parse_args()
    random.seed(9)
    print(f"{args.items} items in one partition")
    print(f"{'backend':<9} {'operation':<24} {'p50 ms':>9} {'p95 ms':>9} {'rounds':>7}")
    for name in args.backends.split(","):
        try:
            for row in run(name, args):
                print(row, flush=True)
        except RuntimeError as exc:
            print(f"{name:<9} skipped: {exc}", flush=True)


if __name__ == "__main__":
    main()
