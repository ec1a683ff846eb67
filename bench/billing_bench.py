"""Billing: Stripe webhook processing (verify + apply) and the entitlement check.

Webhooks: 1,000 signed deliveries, 10% of them re-deliveries of an earlier event, spread over
ORGS organizations subscribed through checkout on localstripe (loopback, tests/fixtures/
stripe_server.py). Each delivery is ``webhooks.handle``: signature and age checked by
``stripe.Webhook.construct_event``, the event id claimed in ``billing_events``, and for a new
event the customer's subscriptions re-read from Stripe (one HTTP round trip to localstripe)
and mirrored. Entitlements: ``standing_of`` (the organization item + the subscriptions row)
plus ``allows``/``limit_of``, and the pure answer alone. SQLite + in-process cache.

    .venv/bin/python bench/billing_bench.py [EVENTS] [ORGS]
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

TYPES = (
    "customer.subscription.updated",
    "customer.subscription.created",
    "invoice.paid",
    "invoice.payment_failed",
    "checkout.session.completed",
)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95_index = max(0, round(0.95 * len(ordered)) - 1)
    return statistics.median(ordered), ordered[p95_index]


def _start_stripe(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    from tests.servers import free_port, wait_for_port

    port = free_port()
    log = (workdir / "localstripe.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fixtures.stripe_server", "--port", str(port)],
        cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    if not wait_for_port(port, timeout=30):
        raise SystemExit("localstripe did not start")
    return process, f"http://127.0.0.1:{port}"


def _environment(workdir: Path, base: str) -> None:
    from tests.fixtures.stripe_server import API_KEY, WEBHOOK_SECRET

    os.environ["NINEVECTORS_DATA_DIR"] = str(workdir)
    os.environ["NINEVECTORS_DATABASE_URL"] = f"sqlite:///{(workdir / 'bench.db').as_posix()}"
    os.environ["NINEVECTORS_SMTP_HOST"] = ""
    os.environ["NINEVECTORS_STRIPE_SECRET_KEY"] = API_KEY
    os.environ["NINEVECTORS_STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    os.environ["NINEVECTORS_STRIPE_API_BASE"] = base
    os.environ.pop("NINEVECTORS_CACHE_BACKEND", None)
    os.environ.pop("NINEVECTORS_STORE_BACKEND", None)


def _subscribed_orgs(count: int, base: str) -> list[tuple[str, str]]:
    """(organization id, Stripe customer id) of ``count`` organizations with a subscription."""
    from ninevectors.services.billing import catalog, checkout, entitlements
    from ninevectors.services.identity import signup
    from tests.fixtures.stripe_server import complete_checkout

    catalog.sync_catalog()
    found = []
    for n in range(count):
        form = {
            "organization_name": f"Bench {n}",
            "email": f"b{n}@bench{n}.example",
            "password": "Bench-Password-2026",
            "first_name": "Ben",
            "last_name": "Ch",
        }
        admin = signup.sign_up(form, ip_address=f"10.1.{n // 250}.{n % 250}").principal
        url = checkout.start_checkout(admin, "professional", "monthly")
        complete_checkout(base, url.rsplit("/", 1)[-1])
        row = entitlements.subscription_row(admin.organization_id)
        assert row is not None
        found.append((admin.organization_id, row.stripe_customer_id))
    return found


def _deliveries(events: int, orgs: list[tuple[str, str]]) -> list[tuple[bytes, str]]:
    from tests.fixtures.stripe_server import event_payload, sign

    rng = random.Random(13)
    unique = [
        event_payload(rng.choice(TYPES), {"object": "x", "customer": rng.choice(orgs)[1]})
        for _ in range(events - events // 10)
    ]
    payloads = unique + [rng.choice(unique) for _ in range(events // 10)]
    rng.shuffle(payloads)
    return [(payload, sign(payload)) for payload in payloads]


def _bench_webhooks(deliveries: list[tuple[bytes, str]]) -> None:
    from ninevectors.services.billing import webhooks

    timings: dict[str, list[float]] = {}
    started = time.perf_counter()
    for payload, header in deliveries:
        before = time.perf_counter()
        answer = webhooks.handle(payload, header)
        kind = "replay" if answer.message == "Already processed." else "new"
        timings.setdefault(kind, []).append(time.perf_counter() - before)
        assert answer.status == 200, answer
    elapsed = time.perf_counter() - started
    every = [t for samples in timings.values() for t in samples]
    p50, p95 = _percentiles(every)
    rate = len(deliveries) / elapsed
    print(f"webhooks: {len(deliveries)} deliveries in {elapsed:.2f} s = {rate:.0f}/s; "
          f"p50 {p50 * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms")  # fmt: skip
    for kind, samples in sorted(timings.items()):
        p50, p95 = _percentiles(samples)
        print(f"  {kind:6} n={len(samples):4}: p50 {p50 * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms")


def _bench_verify(deliveries: list[tuple[bytes, str]]) -> None:
    from ninevectors.services.billing import webhooks

    samples = []
    for payload, header in deliveries:
        before = time.perf_counter()
        webhooks.verify(payload, header)
        samples.append(time.perf_counter() - before)
    p50, p95 = _percentiles(samples)
    print(f"  verify only (construct_event): p50 {p50 * 1e6:.0f} µs, p95 {p95 * 1e6:.0f} µs")


def _bench_entitlements(organization_id: str, calls: int = 2000) -> None:
    from ninevectors.services.billing import entitlements
    from ninevectors.services.identity import clock

    started = time.perf_counter()
    for _ in range(calls):
        standing = entitlements.standing_of(organization_id)
        entitlements.allows(standing, "360-review", clock.utcnow())
        entitlements.limit_of(standing, "users", clock.utcnow())
    read = (time.perf_counter() - started) / calls
    standing = entitlements.standing_of(organization_id)
    now = clock.utcnow()
    pure_calls = 200_000
    started = time.perf_counter()
    for _ in range(pure_calls):
        entitlements.allows(standing, "360-review", now)
    pure = (time.perf_counter() - started) / pure_calls
    print(f"entitlements: standing_of + allows + limit_of {read * 1e6:.0f} µs/call; "
          f"allows on a read standing {pure * 1e9:.0f} ns/call")  # fmt: skip


def main(events: int, org_count: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="billing-bench-"))
    process, base = _start_stripe(workdir)
    try:
        _environment(workdir, base)
        from ninevectors.services.database import migrate

        migrate()
        orgs = _subscribed_orgs(org_count, base)
        deliveries = _deliveries(events, orgs)
        _bench_webhooks(deliveries)
        _bench_verify(deliveries)
        _bench_entitlements(orgs[0][0])
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    main(*(arguments + [1000, 20][len(arguments) :]))
