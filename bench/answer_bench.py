"""Answer-saving latency at the service level, and the cost of submitting a full response.

For each backend pair it signs an organization up, starts an assessment over all nine vectors
and prints p50/p95 of ``save_answer`` (validation, assessment read, response read, one
etag-guarded patch, cache draft refresh, audit row) and of ``open_response``; then it answers
all 156 themes and times ``submit_response`` (completeness check, scoring, freeze, participant
and analytics update) and the pure ``score_answers``. Pairs: SQLite + in-process cache, and
PostgreSQL + Redis when a PostgreSQL server answers on 127.0.0.1:5432 (or
NINEVECTORS_TEST_POSTGRES_URL) and redis-server is installed (started here on a free port).

    .venv/bin/python bench/answer_bench.py [ROUNDS]
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95_index = max(0, round(0.95 * len(ordered)) - 1)
    return statistics.median(ordered), ordered[p95_index]


def _time(action: Callable[[int], object], rounds: int) -> list[float]:
    samples = []
    for index in range(rounds):
        start = time.perf_counter()
        action(index)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _configure(database_url: str, cache: str, redis_url: str, workdir: Path) -> None:
    os.environ.update(
        NINEVECTORS_DATA_DIR=str(workdir),
        NINEVECTORS_DATABASE_URL=database_url,
        NINEVECTORS_SMTP_HOST="",
        NINEVECTORS_STORE_BACKEND="sql",
        NINEVECTORS_CACHE_BACKEND=cache,
        NINEVECTORS_REDIS_URL=redis_url,
    )
    from ninevectors.services.backends import reset_backends
    from ninevectors.services.database import migrate, reset_engine
    from ninevectors.settings import get_settings

    get_settings.cache_clear()
    reset_engine()
    reset_backends()
    migrate(database_url)


@contextmanager
def sqlite_memory(workdir: Path) -> Iterator[str]:
    _configure(f"sqlite:///{(workdir / 'bench.db').as_posix()}", "memory", "", workdir)
    yield "SQLite + memory cache"


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    from tests.servers import free_port, start_process, stop_process, wait_for_port

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise RuntimeError("redis-server is not installed")
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = start_process(args, workdir / "redis.log")
    try:
        if not wait_for_port(port, timeout=15):
            raise RuntimeError("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(process)


@contextmanager
def postgres_redis(workdir: Path) -> Iterator[str]:
    from tests.fixtures.postgres import admin_url, create_database, drop_database

    admin = admin_url()
    url = create_database(admin, prefix="ninevectors_answer_bench")
    if url is None:
        raise RuntimeError(f"PostgreSQL not reachable at {admin.render_as_string()}")
    try:
        with redis_server(workdir) as redis_url:
            _configure(url, "redis", redis_url, workdir)
            yield "PostgreSQL + Redis"
            from ninevectors.services.backends import get_store, reset_backends
            from ninevectors.services.database import reset_engine

            get_store().close()
            reset_backends()
            reset_engine()
    finally:
        drop_database(admin, url)


def _prepare() -> tuple[object, str, list[str]]:
    from ninevectors.framework.taxonomy import get_framework
    from ninevectors.services import assessments
    from ninevectors.services.identity import signup

    admin = signup.sign_up(
        {
            "organization_name": "Bench Co",
            "email": "bench@bench.example",
            "password": "Bench-Password-2026",
            "first_name": "Ben",
            "last_name": "Chmark",
        }
    ).principal
    created = assessments.create_assessment(admin, {"name": "Bench review"})
    assessments.change_status(admin, created.id, "in-progress")
    assessments.open_response(admin, created.id)
    themes = [theme.id for theme in get_framework().themes]
    return admin, created.id, themes


def run(label: str, rounds: int) -> None:
    from ninevectors.services import assessments

    admin, assessment_id, themes = _prepare()

    def save(index: int) -> None:
        theme = themes[index % len(themes)]
        changes = {"rating": 1 + index % 5} if index % 2 else {"notes": f"note {index}"}
        assessments.save_answer(admin, assessment_id, theme, changes)

    save(0)  # warm up
    saves = _time(save, rounds)
    opens = _time(lambda _i: assessments.open_response(admin, assessment_id), max(10, rounds // 10))
    for index, theme in enumerate(themes):
        assessments.save_answer(admin, assessment_id, theme, {"rating": 1 + index % 5})
    view = assessments.open_response(admin, assessment_id)
    start = time.perf_counter()
    result = assessments.submit_response(admin, assessment_id)
    submit_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    for _ in range(20):
        assessments.score_answers(view.answers, view.required_vectors)
    score_ms = (time.perf_counter() - start) * 1000 / 20

    s50, s95 = _percentiles(saves)
    o50, o95 = _percentiles(opens)
    print(f"{label} ({rounds} saves)")
    print(f"  save_answer     p50 {s50:7.2f} ms   p95 {s95:7.2f} ms")
    print(f"  open_response   p50 {o50:7.2f} ms   p95 {o95:7.2f} ms")
    overall = result.responses.overall_score if result.responses else None
    print(f"  submit_response {submit_ms:7.2f} ms  (156 themes; overall {overall})")
    print(f"  score_answers   {score_ms:7.2f} ms  (pure scoring of 156 themes)")


def main(rounds: int) -> None:
    for setup in (sqlite_memory, postgres_redis):
        with tempfile.TemporaryDirectory(prefix="answer-bench-") as folder:
            try:
                with setup(Path(folder)) as label:
                    run(label, rounds)
            except RuntimeError as skipped:
                print(f"{setup.__name__}: skipped ({skipped})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
