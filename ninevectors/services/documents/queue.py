"""The document-processing task queue (Dramatiq).

Production (``cache_backend == "redis"``) uses Dramatiq's Redis broker, so messages survive
restarts and any number of worker processes (``python -m ninevectors.worker``) share them;
the embedded default uses Dramatiq's in-process StubBroker. Either way this process runs a
Dramatiq worker thread pool (started on first use) that consumes the queue.

Semantics (reference: Service Bus ``document-processing``): message TTL 24 h (AgeLimit),
at most 3 deliveries with exponential backoff (Retries: 2 retries), then the message is
dead-lettered; admins list and retry dead letters of their organization. When the queue
starts, documents left "uploaded" or "processing" by a stopped process are queued again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage

from ninevectors.models.principal import Principal
from ninevectors.services import audit
from ninevectors.services.backends import get_store
from ninevectors.services.documents import _common as c
from ninevectors.services.documents import pipeline
from ninevectors.services.errors import NotFoundError
from ninevectors.services.store.base import Filter, PatchOperation
from ninevectors.settings import get_settings

log = logging.getLogger(__name__)

QUEUE_NAME = "document-processing"
ACTOR_NAME = "process_document"
MESSAGE_TTL_MS = 24 * 60 * 60 * 1000
MAX_DELIVERIES = 3
MIN_BACKOFF_MS = 500
MAX_BACKOFF_MS = 60_000
TIME_LIMIT_MS = 10 * 60 * 1000
WORKER_THREADS = 2
STUCK_AFTER_SECONDS = 15 * 60  # with a shared (Redis) queue: "processing" this long is stuck
REDIS_NAMESPACE = "dramatiq"


@dataclass
class _Runtime:
    broker: dramatiq.Broker
    actor: dramatiq.Actor[Any, Any]
    worker: dramatiq.Worker | None = None


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    document_id: str
    document_name: str
    reason: str
    failed_at: str


_lock = threading.RLock()
_runtime: _Runtime | None = None


def _process(organization_id: str, document_id: str) -> None:
    message = CurrentMessage.get_current_message()
    retries = int(message.options.get("retries", 0)) if message is not None else 0
    pipeline.process_document(
        organization_id, document_id, final_attempt=retries >= MAX_DELIVERIES - 1
    )


def _build() -> _Runtime:
    settings = get_settings()
    broker: dramatiq.Broker
    if settings.cache_backend == "redis" and settings.redis_url:
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=settings.redis_url, namespace=REDIS_NAMESPACE)
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
    broker.add_middleware(CurrentMessage())
    actor = dramatiq.actor(
        _process,
        actor_name=ACTOR_NAME,
        queue_name=QUEUE_NAME,
        broker=broker,
        max_retries=MAX_DELIVERIES - 1,
        min_backoff=MIN_BACKOFF_MS,
        max_backoff=MAX_BACKOFF_MS,
        max_age=MESSAGE_TTL_MS,
        time_limit=TIME_LIMIT_MS,
    )
    return _Runtime(broker, actor)


def runtime(start_worker: bool = True) -> _Runtime:
    """The broker and actor of this process; the first time, starts the worker and sweeps
    for documents a previous run left unprocessed (under the lock, so an upload racing the
    boot is queued once)."""
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = _build()
        current = _runtime
        if start_worker and current.worker is None:
            current.worker = dramatiq.Worker(
                current.broker, worker_threads=WORKER_THREADS, worker_timeout=200
            )
            current.worker.start()
            threading.Thread(target=_warm_up, name="documents-warm-up", daemon=True).start()
            in_process = isinstance(current.broker, StubBroker)
            resume_stuck_documents(0 if in_process else STUCK_AFTER_SECONDS)
        return current


def _warm_up() -> None:
    """Load the embedding model, the vector profiles and the language profiles once, so the
    first document does not pay for them."""
    try:
        from ninevectors.services.documents import analysis, extraction

        analysis.vector_relevance(analysis.get_embedder().embed(["warm up"]))
        extraction.detect_language("warming up the language detector with a sentence")
    except Exception:  # noqa: BLE001 — processing loads them itself if this failed
        log.exception("document processing warm-up failed")


def shutdown() -> None:
    """Stop the worker and forget the broker (tests; process exit)."""
    global _runtime
    with _lock:
        current, _runtime = _runtime, None
    if current is not None:
        if current.worker is not None:
            current.worker.stop(timeout=5000)
        current.broker.close()


def enqueue_processing(organization_id: str, document_id: str) -> None:
    runtime().actor.send(organization_id, document_id)


def wait_until_idle(timeout_seconds: float = 60) -> None:
    """Block until the queue is empty and every message is done (tests, benchmarks)."""
    current = runtime()
    if isinstance(current.broker, StubBroker):
        current.broker.join(QUEUE_NAME, timeout=int(timeout_seconds * 1000), fail_fast=False)
    else:
        current.broker.join(QUEUE_NAME, timeout=int(timeout_seconds * 1000))
    if current.worker is not None:
        current.worker.join()


def resume_stuck_documents(older_than_seconds: int = STUCK_AFTER_SECONDS) -> int:
    """Queue again documents still "uploaded"/"processing" since before the cutoff (system
    work across organizations); returns how many."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
    filters = (
        *c.document_filters(),
        Filter("processing.status", "in", ["uploaded", "processing"]),
    )
    items = c.all_items(None, filters)
    resumed = 0
    for item in items:
        since = item["processing"].get("startedAt") or item.get("uploadedAt") or ""
        if older_than_seconds and since and _parse(since) > cutoff:
            continue
        runtime(start_worker=False).actor.send(item["partitionKey"], item["id"])
        resumed += 1
    if resumed:
        log.info("queued %d document(s) left unprocessed by a previous run", resumed)
    return resumed


def _parse(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ---- dead letters -------------------------------------------------------------------------


def _raw_dead_letters() -> list[tuple[str, dramatiq.Message[Any]]]:
    broker = runtime().broker
    if isinstance(broker, StubBroker):
        return [(m.message_id, m) for m in broker.dead_letters if m.actor_name == ACTOR_NAME]
    client = broker.client  # type: ignore[attr-defined]
    key = f"{REDIS_NAMESPACE}:{QUEUE_NAME}.XQ"
    found: list[tuple[str, dramatiq.Message[Any]]] = []
    for raw_id in client.zrange(key, 0, -1):
        data = client.hget(f"{key}.msgs", raw_id)
        if data:
            message = dramatiq.Message.decode(data)
            if message.actor_name == ACTOR_NAME:  # keyed by the id Redis files it under
                found.append((raw_id.decode() if isinstance(raw_id, bytes) else raw_id, message))
    return found


def _forget_dead_letter(message_id: str) -> None:
    broker = runtime().broker
    if isinstance(broker, StubBroker):
        for messages in broker.dead_letters_by_queue.values():
            messages[:] = [m for m in messages if m.message_id != message_id]
        return
    key = f"{REDIS_NAMESPACE}:{QUEUE_NAME}.XQ"
    broker.client.zrem(key, message_id)  # type: ignore[attr-defined]
    broker.client.hdel(f"{key}.msgs", message_id)  # type: ignore[attr-defined]


def _reason(message: dramatiq.Message[Any]) -> str:
    trace = str(message.options.get("traceback") or "").strip().splitlines()
    return trace[-1][:300] if trace else "Gave up after repeated failures."


def list_dead_letters(principal: Principal) -> list[DeadLetter]:
    """Messages of the principal's organization that failed every delivery (admins)."""
    audit.require_admin(principal)
    letters: list[DeadLetter] = []
    for message_id, message in _raw_dead_letters():
        organization_id, document_id = (list(message.args) + ["", ""])[:2]
        if organization_id != principal.organization_id:
            continue
        try:
            name = str(c.raw_item(organization_id, document_id).get("name") or "")
        except NotFoundError:
            name = "(deleted)"
        stamp = message.options.get("requeue_timestamp") or message.message_timestamp
        failed_at = datetime.fromtimestamp(int(stamp) / 1000, UTC).isoformat(timespec="seconds")
        letters.append(DeadLetter(message_id, document_id, name, _reason(message), failed_at))
    return letters


def retry_dead_letter(principal: Principal, message_id: str) -> str:
    """Take one dead letter of the principal's organization off the dead-letter queue and
    process its document again; returns the document id."""
    audit.require_admin(principal)
    for letter in list_dead_letters(principal):
        if letter.message_id == message_id:
            _forget_dead_letter(message_id)
            c.raw_item(principal.organization_id, letter.document_id)  # still there?
            get_store().patch(
                c.CONTAINER,
                principal.organization_id,
                letter.document_id,
                [
                    PatchOperation("set", "/processing/status", "uploaded"),
                    PatchOperation("set", "/processing/reason", None),
                    PatchOperation("set", "/processing/attempts", 0),
                ],
            )
            c.bump_index(principal.organization_id)
            c.record("document.processing_retried", principal, letter.document_id)
            enqueue_processing(principal.organization_id, letter.document_id)
            return letter.document_id
    raise NotFoundError("That failed job is not in the dead-letter queue.")


__all__ = [
    "DeadLetter",
    "enqueue_processing",
    "list_dead_letters",
    "resume_stuck_documents",
    "retry_dead_letter",
    "runtime",
    "shutdown",
    "start_processing",
    "wait_until_idle",
]


def start_processing() -> None:
    """Make sure this process consumes the queue (and has swept for stuck documents)."""
    runtime()
