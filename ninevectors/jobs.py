"""Periodic work the server runs beside the pages: scheduled reminders, expired-item purge.

Each job runs in a worker thread (the services are synchronous) so the event loop that serves
pages is never blocked; a failing job is logged and retried on the next round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 3600


def _send_scheduled_reminders() -> int:
    from ninevectors.services.assessments import send_scheduled_reminders

    return send_scheduled_reminders()


def _purge_expired_items() -> int:
    from ninevectors.services.backends import get_store

    return get_store().purge_expired()


JOBS: dict[str, Callable[[], int]] = {
    "scheduled reminders": _send_scheduled_reminders,
    "expired items purge": _purge_expired_items,
}


async def run_jobs_once() -> dict[str, int]:
    done: dict[str, int] = {}
    for name, job in JOBS.items():
        try:
            done[name] = await asyncio.to_thread(job)
        except Exception:  # noqa: BLE001 — one failing job must not stop the others
            log.exception("periodic job %r failed; it runs again next round", name)
    return done


def _start_document_processing() -> None:
    """Start the in-process queue worker and pick up documents left mid-processing."""
    from ninevectors.services.documents import start_processing

    start_processing()


async def periodic_jobs() -> None:
    """Lifespan task: start document processing, then run every job now and then every
    INTERVAL_SECONDS."""
    try:
        await asyncio.to_thread(_start_document_processing)
    except Exception:  # noqa: BLE001 — the pages must serve even if the queue cannot start
        log.exception("document processing could not start; uploads will retry it")
    while True:
        done = await run_jobs_once()
        log.info("periodic jobs: %s", done)
        await asyncio.sleep(INTERVAL_SECONDS)
