"""The task queue (Dramatiq): one broker and one worker per process, shared by the features.

Production (``cache_backend == "redis"``) uses Dramatiq's Redis broker, so messages survive
restarts and any number of worker processes (``python -m ninevectors.worker``) share them;
the embedded default uses Dramatiq's in-process StubBroker. Either way this process runs a
Dramatiq worker thread pool (started on first use) that consumes every registered queue.

A feature module registers its :class:`Task` (actor, queue, message TTL, deliveries,
backoff, time limit) when it is imported. A task registered after the broker exists is
declared on it at once, and a running worker then consumes its queue as well.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage

from ninevectors.settings import get_settings

WORKER_THREADS = 3  # one more than the cores, so a report is not stuck behind two documents
WORKER_TIMEOUT_MS = 200
REDIS_NAMESPACE = "dramatiq"


@dataclass(frozen=True)
class Delivery:
    """How a queue's messages are delivered: TTL, attempts, backoff between them, time limit."""

    message_ttl_ms: int
    max_deliveries: int
    min_backoff_ms: int
    max_backoff_ms: int
    time_limit_ms: int


@dataclass(frozen=True)
class Task:
    actor_name: str
    queue_name: str
    run: Callable[..., None]
    delivery: Callable[[], Delivery]  # read whenever a broker is built (tests shorten backoff)
    # called once this process's worker consumes the queue; told whether the broker is in-process
    on_worker_start: Callable[[bool], None] | None = None


@dataclass
class Runtime:
    broker: dramatiq.Broker
    actors: dict[str, dramatiq.Actor[Any, Any]] = field(default_factory=dict)
    worker: dramatiq.Worker | None = None

    @property
    def in_process(self) -> bool:
        return isinstance(self.broker, StubBroker)


_lock = threading.RLock()
_tasks: dict[str, Task] = {}
_runtime: Runtime | None = None
_dedicated_worker = False


def serve_as_worker() -> None:
    """This process is a task worker (``python -m ninevectors.worker``): it consumes."""
    global _dedicated_worker
    _dedicated_worker = True


def _consumes_here(current: Runtime) -> bool:
    """With the in-process broker the web process is the worker. With Redis the dedicated
    task workers consume, not the web workers, unless there are none (``task_workers=0``)."""
    return current.in_process or _dedicated_worker or get_settings().task_workers == 0


def register(task: Task) -> None:
    """Make ``task`` part of every broker of this process (the current one included)."""
    with _lock:
        _tasks[task.actor_name] = task
        if _runtime is None:
            return
        _runtime.actors[task.actor_name] = _declare(_runtime.broker, task)
        if _runtime.worker is not None and task.on_worker_start is not None:
            task.on_worker_start(_runtime.in_process)


def _declare(broker: dramatiq.Broker, task: Task) -> dramatiq.Actor[Any, Any]:
    delivery = task.delivery()
    return dramatiq.actor(
        task.run,
        actor_name=task.actor_name,
        queue_name=task.queue_name,
        broker=broker,
        max_retries=delivery.max_deliveries - 1,
        min_backoff=delivery.min_backoff_ms,
        max_backoff=delivery.max_backoff_ms,
        max_age=delivery.message_ttl_ms,
        time_limit=delivery.time_limit_ms,
    )


def _build() -> Runtime:
    settings = get_settings()
    broker: dramatiq.Broker
    if settings.cache_backend == "redis" and settings.redis_url:
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=settings.redis_url, namespace=REDIS_NAMESPACE)
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
    broker.add_middleware(CurrentMessage())
    return Runtime(broker, {name: _declare(broker, task) for name, task in _tasks.items()})


def runtime(start_worker: bool = True) -> Runtime:
    """The broker and actors of this process; the first time, also starts the worker (where
    this process consumes, see :func:`_consumes_here`) and runs the tasks' start hooks (under
    the lock, so a message racing the boot is sent once)."""
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = _build()
        current = _runtime
        if start_worker and current.worker is None and _consumes_here(current):
            current.worker = dramatiq.Worker(
                current.broker, worker_threads=WORKER_THREADS, worker_timeout=WORKER_TIMEOUT_MS
            )
            current.worker.start()
            for task in list(_tasks.values()):
                if task.on_worker_start is not None:
                    task.on_worker_start(current.in_process)
        return current


def send(actor_name: str, *args: Any, start_worker: bool = True) -> dramatiq.Message[Any]:
    """Queue one message for the registered actor ``actor_name`` (arguments must be JSON)."""
    return runtime(start_worker).actors[actor_name].send(*args)


def shutdown() -> None:
    """Stop the worker and forget the broker (tests; process exit)."""
    global _runtime
    with _lock:
        current, _runtime = _runtime, None
    if current is not None:
        if current.worker is not None:
            current.worker.stop(timeout=5000)
        current.broker.close()


def join(queue_name: str, timeout_seconds: float = 60) -> None:
    """Block until ``queue_name`` is empty and the worker has nothing in hand (tests, benches)."""
    current = runtime()
    timeout = int(timeout_seconds * 1000)
    if isinstance(current.broker, StubBroker):
        current.broker.join(queue_name, timeout=timeout, fail_fast=False)
    else:
        current.broker.join(queue_name, timeout=timeout)
    if current.worker is not None:
        current.worker.join()


def is_final_delivery() -> bool:
    """Whether the message being processed gets no further delivery if it fails now (also
    True outside a worker, where nothing retries)."""
    message = CurrentMessage.get_current_message()
    if message is None:
        return True
    with _lock:
        task = _tasks.get(message.actor_name)
    max_deliveries = task.delivery().max_deliveries if task is not None else 1
    return int(message.options.get("retries", 0)) >= max_deliveries - 1


# ---- dead letters -------------------------------------------------------------------------


def dead_letters(queue_name: str, actor_name: str) -> list[tuple[str, dramatiq.Message[Any]]]:
    """(id, message) of the actor's messages that failed every delivery."""
    broker = runtime().broker
    if isinstance(broker, StubBroker):
        return [(m.message_id, m) for m in broker.dead_letters if m.actor_name == actor_name]
    client = broker.client  # type: ignore[attr-defined]
    key = _dead_letter_key(queue_name)
    found: list[tuple[str, dramatiq.Message[Any]]] = []
    for raw_id in client.zrange(key, 0, -1):
        data = client.hget(f"{key}.msgs", raw_id)
        if data:
            message = dramatiq.Message.decode(data)
            if message.actor_name == actor_name:  # keyed by the id Redis files it under
                found.append((raw_id.decode() if isinstance(raw_id, bytes) else raw_id, message))
    return found


def failure_reason(message: dramatiq.Message[Any]) -> str:
    """The last line of the dead letter's traceback (the error), or a generic reason."""
    trace = str(message.options.get("traceback") or "").strip().splitlines()
    return trace[-1][:300] if trace else "Gave up after repeated failures."


def forget_dead_letter(queue_name: str, message_id: str) -> None:
    broker = runtime().broker
    if isinstance(broker, StubBroker):
        for messages in broker.dead_letters_by_queue.values():
            messages[:] = [m for m in messages if m.message_id != message_id]
        return
    key = _dead_letter_key(queue_name)
    broker.client.zrem(key, message_id)  # type: ignore[attr-defined]
    broker.client.hdel(f"{key}.msgs", message_id)  # type: ignore[attr-defined]


def _dead_letter_key(queue_name: str) -> str:
    return f"{REDIS_NAMESPACE}:{queue_name}.XQ"
