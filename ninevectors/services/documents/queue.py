"""The document-processing task queue (a task on :mod:`ninevectors.services.tasks`).

Semantics (reference: Service Bus ``document-processing``): message TTL 24 h (AgeLimit),
at most 3 deliveries with exponential backoff (Retries: 2 retries), then the message is
dead-lettered; admins list and retry dead letters of their organization. When this
process's worker starts, documents left "uploaded" or "processing" by a stopped process are
queued again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ninevectors.models.principal import Principal
from ninevectors.services import audit, tasks
from ninevectors.services.backends import get_store
from ninevectors.services.documents import _common as c
from ninevectors.services.documents import pipeline
from ninevectors.services.errors import NotFoundError
from ninevectors.services.store.base import Filter, PatchOperation

log = logging.getLogger(__name__)

QUEUE_NAME = "document-processing"
ACTOR_NAME = "process_document"
MESSAGE_TTL_MS = 24 * 60 * 60 * 1000
MAX_DELIVERIES = 3
MIN_BACKOFF_MS = 500
MAX_BACKOFF_MS = 60_000
TIME_LIMIT_MS = 10 * 60 * 1000
STUCK_AFTER_SECONDS = 15 * 60  # with a shared (Redis) queue: "processing" this long is stuck


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    document_id: str
    document_name: str
    reason: str
    failed_at: str


def _delivery() -> tasks.Delivery:
    return tasks.Delivery(
        MESSAGE_TTL_MS, MAX_DELIVERIES, MIN_BACKOFF_MS, MAX_BACKOFF_MS, TIME_LIMIT_MS
    )


def _process(organization_id: str, document_id: str) -> None:
    pipeline.process_document(organization_id, document_id, final_attempt=tasks.is_final_delivery())


def _on_worker_start(in_process: bool) -> None:
    threading.Thread(target=_warm_up, name="documents-warm-up", daemon=True).start()
    resume_stuck_documents(0 if in_process else STUCK_AFTER_SECONDS)


def runtime(start_worker: bool = True) -> tasks.Runtime:
    """The task runtime of this process; the first time, starts the worker, which sweeps
    for documents a previous run left unprocessed (under the runtime's lock, so an upload
    racing the boot is queued once)."""
    return tasks.runtime(start_worker)


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
    tasks.shutdown()


def enqueue_processing(organization_id: str, document_id: str) -> None:
    tasks.send(ACTOR_NAME, organization_id, document_id)


def wait_until_idle(timeout_seconds: float = 60) -> None:
    """Block until the queue is empty and every message is done (tests, benchmarks)."""
    tasks.join(QUEUE_NAME, timeout_seconds)


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
        tasks.send(ACTOR_NAME, item["partitionKey"], item["id"], start_worker=False)
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


def list_dead_letters(principal: Principal) -> list[DeadLetter]:
    """Messages of the principal's organization that failed every delivery (admins)."""
    audit.require_admin(principal)
    letters: list[DeadLetter] = []
    for message_id, message in tasks.dead_letters(QUEUE_NAME, ACTOR_NAME):
        organization_id, document_id = (list(message.args) + ["", ""])[:2]
        if organization_id != principal.organization_id:
            continue
        try:
            name = str(c.raw_item(organization_id, document_id).get("name") or "")
        except NotFoundError:
            name = "(deleted)"
        stamp = message.options.get("requeue_timestamp") or message.message_timestamp
        failed_at = datetime.fromtimestamp(int(stamp) / 1000, UTC).isoformat(timespec="seconds")
        reason = tasks.failure_reason(message)
        letters.append(DeadLetter(message_id, document_id, name, reason, failed_at))
    return letters


def retry_dead_letter(principal: Principal, message_id: str) -> str:
    """Take one dead letter of the principal's organization off the dead-letter queue and
    process its document again; returns the document id."""
    audit.require_admin(principal)
    for letter in list_dead_letters(principal):
        if letter.message_id == message_id:
            tasks.forget_dead_letter(QUEUE_NAME, message_id)
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


# last: a worker already running calls the start hook at once, which needs the whole module
tasks.register(tasks.Task(ACTOR_NAME, QUEUE_NAME, _process, _delivery, _on_worker_start))
