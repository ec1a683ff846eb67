"""A dedicated document-processing worker: ``python -m ninevectors.worker``.

With the Redis broker (``NINEVECTORS_CACHE_BACKEND=redis``) any number of these share the
queue with the web process; each sweeps for documents left "processing" by a stopped worker
when it starts. With the embedded in-process queue the web process is its own worker and
this entry point is not needed.
"""

from __future__ import annotations

import logging
import signal
import threading

from ninevectors.services.documents import queue


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    queue.start_processing()
    logging.info("document worker consuming %r", queue.QUEUE_NAME)
    stop.wait()
    queue.shutdown()


if __name__ == "__main__":
    main()
