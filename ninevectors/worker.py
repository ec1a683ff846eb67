"""A dedicated task worker: ``python -m ninevectors.worker``.

It consumes every queue of :mod:`ninevectors.services.tasks` (document processing, report
rendering). With the Redis broker (``NINEVECTORS_CACHE_BACKEND=redis``) any number of these
share the queues (the web workers only send, unless ``task_workers=0``); each sweeps for
documents left "processing" by a stopped worker when it starts. With the embedded
in-process queue the web process is its own worker and this entry point is not needed.

Drain: on SIGTERM/SIGINT it takes no new message, lets the ones in hand finish for up to
``shutdown_timeout_seconds`` and hands the prefetched ones back to the queue. A message still
running then is redelivered by Redis once this worker's heartbeat has lapsed.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from ninevectors.services import tasks
from ninevectors.services.billing import usage_reports
from ninevectors.services.documents import queue as documents_queue
from ninevectors.services.observability.logs import configure_from_settings
from ninevectors.services.reports import jobs as report_jobs
from ninevectors.serving.lifetime import end_with_supervisor
from ninevectors.settings import get_settings


def main() -> None:
    configure_from_settings()  # JSON lines in production, like the web workers
    end_with_supervisor()
    problems = get_settings().check_production_safety()
    for problem in problems:
        logging.error("refusing to start: %s", problem)
    if problems:
        sys.exit(1)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    # imported: each registered
    queues = (documents_queue.QUEUE_NAME, report_jobs.QUEUE_NAME, usage_reports.QUEUE_NAME)
    tasks.serve_as_worker()
    current = tasks.runtime()
    logging.info("task worker consuming %s", ", ".join(repr(name) for name in queues))
    stop.wait()
    logging.info("task worker stopping: finishing the messages in hand")
    if current.worker is not None:
        current.worker.stop(timeout=get_settings().shutdown_timeout_seconds * 1000)
    tasks.shutdown()


if __name__ == "__main__":
    main()
