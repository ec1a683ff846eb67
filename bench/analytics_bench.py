"""Analytics bench: a 360-review with 1,000 respondents × 156 themes.

Prints the time of ``build_aggregate`` (everything the dashboard shows: every slice's mean,
spread and count per vector, sub-lens and theme, drill-down rows, alignment flags, strengths,
notes) over in-memory respondents, split into its matrix build and the rest; the PDF
render time of the result; and the time from ``request_report`` to a completed job through
the in-process task queue (embedded backends in a temporary folder). Target: aggregation
≤ 100 ms.

    .venv/bin/python bench/analytics_bench.py [ROUNDS]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

WORK = Path(tempfile.mkdtemp(prefix="analytics-bench-"))
os.environ.update(
    NINEVECTORS_ENVIRONMENT="test",
    NINEVECTORS_DATA_DIR=str(WORK),
    NINEVECTORS_DATABASE_URL=f"sqlite:///{WORK / 'bench.db'}",
    NINEVECTORS_STORE_BACKEND="sql",
    NINEVECTORS_CACHE_BACKEND="memory",
    NINEVECTORS_BLOB_BACKEND="local",
    NINEVECTORS_SMTP_HOST="",
    NINEVECTORS_LOAD_DEMO_DATA="false",
)

from ninevectors.framework.taxonomy import get_framework  # noqa: E402
from ninevectors.services import analytics, assessments, reports, tasks  # noqa: E402
from ninevectors.services.analytics.aggregation import (  # noqa: E402
    Respondent,
    build_matrices,
    framework_index,
)
from ninevectors.services.analytics.dashboard import (  # noqa: E402
    AssessmentDashboard,
    build_aggregate,
)
from ninevectors.services.database import migrate  # noqa: E402
from ninevectors.services.identity import signup  # noqa: E402
from ninevectors.services.reports.jobs import COMPLETED, FINISHED  # noqa: E402
from ninevectors.services.reports.pdf import render_report  # noqa: E402
from tests.unit.test_analytics_support import submitted  # noqa: E402

RESPONDENTS = 1_000
GROUPS = ("self",) + ("peer",) * 4 + ("manager",) * 2 + ("direct-report",) * 3
DEPARTMENTS = ("Sales", "Finance", "Operations", "Engineering", "People")


def respondents(count: int) -> list[Respondent]:
    rng = random.Random(7)
    themes = [t.id for t in get_framework().themes]
    people = []
    for i in range(count):
        answers = {}
        for theme_id in themes:
            unsure = rng.random() < 0.05
            answers[theme_id] = {
                "rating": None if unsure else rng.randint(1, 5),
                "notSure": unsure,
                "confidence": rng.randint(1, 5),
                "notes": "A note." if rng.random() < 0.01 else "",
            }
        group = "self" if i == 0 else GROUPS[1 + i % (len(GROUPS) - 1)]
        people.append(Respondent(f"r{i}", group, DEPARTMENTS[i % 5], answers))
    return people


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def main(rounds: int) -> None:
    people = respondents(RESPONDENTS)
    required = list(range(1, 10))
    index = framework_index()
    build_aggregate(_blank(), people, required)  # warm up
    matrix, full, cpu = [], [], []
    board = _blank()
    for _ in range(rounds):
        started = time.perf_counter()
        build_matrices(people, index)
        matrix.append(time.perf_counter() - started)
        started, started_cpu = time.perf_counter(), time.process_time()
        board = build_aggregate(_blank(), people, required)
        full.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(f"360-review, {RESPONDENTS} respondents x 156 themes, {rounds} rounds")
    print(f"  ratings matrix (parse answers)      {_ms(matrix)}")
    print(f"  everything the dashboard shows      {_ms(full)}   (target <= 100 ms)")
    print(f"    the same, CPU time of this process {_ms(cpu)}   (load: {os.getloadavg()[0]:.1f})")
    print(f"  slices {len(board.groups)}, alignment flags {len(board.flags)}, "
          f"notes {len(board.notes)}")  # fmt: skip
    renders = []
    content = b""
    for _ in range(max(1, rounds // 4)):
        started = time.perf_counter()
        content = render_report(board, "Bench Corporation", "#0d9488")
        renders.append(time.perf_counter() - started)
    print(f"  PDF render                          {_ms(renders)}   ({len(content) // 1024} KiB)")
    bench_report_queue()


def bench_report_queue(runs: int = 10, raters: int = 20) -> None:
    """request_report → completed job through the in-process queue (a stored assessment)."""
    migrate(os.environ["NINEVECTORS_DATABASE_URL"])
    admin = signup.sign_up(
        {"organization_name": "Bench Ltd", "email": "bench@bench.example",
         "password": "Bench-Password-42", "first_name": "Ben", "last_name": "Ch"},
        ip_address="127.0.0.1", user_agent="bench",
    ).principal  # fmt: skip
    assessment = assessments.create_assessment(admin, {"name": "Bench review"})
    analytics.set_threshold(admin, assessment.id, 3)
    rng = random.Random(3)
    for i in range(raters):
        submitted(admin.organization_id, assessment.id, f"rater{i}", "peer",
                  lambda _t: rng.randint(1, 5), {"1.1.1": f"note {i}"})  # fmt: skip
    tasks.runtime()  # the worker starts as it does with the app
    durations, pages = [], 0
    for run in range(runs + 1):  # the first run warms up
        started = time.perf_counter()
        job = reports.request_report(admin, assessment.id)
        while job.status not in FINISHED:
            time.sleep(0.005)
            job = reports.report_status(admin, job.id)
        assert job.status == COMPLETED, job.reason
        pages = job.pages
        if run:
            durations.append(time.perf_counter() - started)
    tasks.shutdown()
    print(f"PDF report through the task queue, {raters} raters, {runs} runs")
    print(f"  request_report -> completed job     {_ms(durations)}   ({pages} pages)")


def _blank() -> AssessmentDashboard:
    return AssessmentDashboard("bench", "Bench 360", "360-review", "completed", False, 5,
                               "aggregate")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
