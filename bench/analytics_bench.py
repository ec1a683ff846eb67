"""Analytics bench: a 360-review with 1,000 respondents × 156 themes.

Prints the time of ``build_aggregate`` (everything the dashboard shows: every slice's mean,
spread and count per vector, sub-lens and theme, drill-down rows, alignment flags, strengths,
notes) over in-memory respondents, split into its matrix build and the rest; and the PDF
render time of the result. Target: aggregation ≤ 100 ms.

    .venv/bin/python bench/analytics_bench.py [ROUNDS]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from ninevectors.framework.taxonomy import get_framework  # noqa: E402
from ninevectors.services.analytics.aggregation import (  # noqa: E402
    Respondent,
    build_matrices,
    framework_index,
)
from ninevectors.services.analytics.dashboard import (  # noqa: E402
    AssessmentDashboard,
    build_aggregate,
)
from ninevectors.services.reports.pdf import render_report  # noqa: E402

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


def _blank() -> AssessmentDashboard:
    return AssessmentDashboard("bench", "Bench 360", "360-review", "completed", False, 5,
                               "aggregate")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
