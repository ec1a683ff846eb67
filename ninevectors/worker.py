"""A dedicated task worker: ``python -m ninevectors.worker``.

It consumes every queue of :mod:`ninevectors.services.tasks` (document processing, report
rendering). With the Redis broker (``NINEVECTORS_CACHE_BACKEND=redis``) any number of these
share the queues with the web process; each sweeps for documents left "processing" by a
stopped worker when it starts. With the embedded in-process queue the web process is its own
worker and this entry point is not needed.
"""

from __future__ import annotations

import logging
import signal
import threading

from ninevectors.services import tasks
from ninevectors.services.documents import queue as documents_queue
from ninevectors.services.reports import jobs as report_jobs


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    queues = (documents_queue.QUEUE_NAME, report_jobs.QUEUE_NAME)  # imported: both registered
    tasks.runtime()
    logging.info("task worker consuming %s", ", ".join(repr(name) for name in queues))
    stop.wait()
    tasks.shutdown()


if __name__ == "__main__":
    main()
