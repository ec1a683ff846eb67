"""The assessment dashboard in the production build, measured from a real browser.

Seeds, before the app starts, the demo organization and a 360-review owned by the demo
manager with 1,000 submitted respondents × 156 themes (the respondents of
``bench/analytics_bench.py``, written as the engine writes submitted responses), starts the
production app (tests/app_server.py), logs in as manager@acme.com in Debian's Chromium and
measures:

- dashboard page ready: ``page.goto('/assessments/<id>/dashboard')`` → the plotly radar drawn
  with its nine axes and a trace, and the vector table's nine rows filled with means. Timed
  inside the page: ``performance.now()`` (whose origin is the navigation start) when a
  MutationObserver installed by an init script first sees the page ready; the wall time
  around ``goto`` + waiting is printed beside it. Each visit is a new tab (a new Reflex
  state, so nothing computed by an earlier visit is shown); the browser's HTTP cache and the
  server stay warm. The first visit (cold: first dashboard chunk and plotly download, first
  aggregation in the app process) is reported apart;
- in-app navigation: click "Dashboard" on the assessment's page → ready (in the page);
- group overlay: change "Compare with" → the radar's legend redrawn (in the page).

Each dashboard load reads the 1,000 responses from the store and aggregates them in the app.

For comparison, the bench process times the service call the page's state makes
(``analytics.assessment_dashboard``: store read + aggregation) and the store read alone.

Usage: .venv/bin/python bench/dashboard_bench.py [--loads N] [--switches N] [--service-rounds N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# analytics_bench points the settings at a folder of its own when imported; main() points
# them at the app's data folder before anything is read or written.
import analytics_bench  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402
from wizard_bench import _percentiles  # noqa: E402

from tests.app_server import app_environment, start_app, stop_app  # noqa: E402
from tests.ui.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.ui.helpers import log_in  # noqa: E402
from tests.unit.test_analytics_support import submitted  # noqa: E402

MANAGER_EMAIL = "manager@acme.com"
SUBJECT_USER_ID = "user_acme_member"  # the person the 360-review is about
READY_TIMEOUT_MS = 120_000

# Ready: the radar drawn with nine axes and a trace, and nine vector rows with their means.
_READY = """
const dashboardReady = () => {
  const radar = document.querySelector('#radar');
  const rows = document.querySelectorAll('#vector-table tbody tr');
  return !!radar && radar.querySelectorAll('.angularaxistick').length === 9
    && radar.querySelectorAll('.scatterpolar, .trace.scatter').length >= 1
    && rows.length === 9
    && [...rows].every((row) => /\\d\\.\\d\\d/.test(row.cells[1]?.textContent ?? ''));
};
"""
# Installed in every new document: window.__dashboardReady = ms since navigation start.
_INIT_SCRIPT = (
    "(() => {"
    + _READY
    + """
  if (!/\\/dashboard\\/?$/.test(location.pathname)) return;
  const observer = new MutationObserver(() => {
    if (window.__dashboardReady === undefined && dashboardReady()) {
      window.__dashboardReady = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, {childList: true, subtree: true, characterData: true});
})();"""
)
_CLICK_UNTIL_READY = (
    "async () => {"
    + _READY
    + """
  return await new Promise((resolve) => {
    const started = performance.now();
    const observer = new MutationObserver(() => {
      if (dashboardReady()) { observer.disconnect(); resolve(performance.now() - started); }
    });
    observer.observe(document.body, {childList: true, subtree: true, characterData: true});
    document.querySelector('#open-dashboard').click();
  });
}"""
)
_SWITCH_OVERLAY = """
async (key) => {
  const radar = document.querySelector('#radar');
  const legend = () =>
    [...radar.querySelectorAll('.legendtext')].map((e) => e.textContent).join('|');
  const before = legend();
  const select = document.querySelector('#overlay');
  return await new Promise((resolve) => {
    const started = performance.now();
    const observer = new MutationObserver(() => {
      if (legend() !== before) { observer.disconnect(); resolve(performance.now() - started); }
    });
    observer.observe(radar, {childList: true, subtree: true, characterData: true});
    select.value = key;
    select.dispatchEvent(new Event('change', {bubbles: true}));
  });
}
"""


def _manager():  # a Principal; ninevectors is imported once the settings point at the app
    from ninevectors.models.principal import Principal
    from ninevectors.services.demo import DEMO_ORGANIZATION_ID
    from ninevectors.services.identity.roles import Role

    return Principal("user_acme_manager", DEMO_ORGANIZATION_ID, Role.MANAGER.value)


def seed(data_dir: Path) -> str:
    """The demo organization and the 360-review in ``data_dir``; the assessment's id."""
    os.environ.update(app_environment(3000, data_dir), NINEVECTORS_LOAD_DEMO_DATA="true")
    from ninevectors.cli import prepare
    from ninevectors.services import assessments
    from ninevectors.services.backends import reset_backends
    from ninevectors.services.database import reset_engine
    from ninevectors.services.demo import DEMO_ORGANIZATION_ID
    from ninevectors.settings import get_settings

    get_settings.cache_clear()
    reset_engine()
    reset_backends()
    with contextlib.redirect_stdout(io.StringIO()):  # its list of demo logins
        assert prepare() == 0
    manager = _manager()
    created = assessments.create_assessment(
        manager,
        {"name": "Bench 360", "type": "360-review", "subject_user_id": SUBJECT_USER_ID},
    )
    assessments.change_status(manager, created.id, "in-progress")
    for person in analytics_bench.respondents(analytics_bench.RESPONDENTS):
        answers = person.answers
        notes = {theme: a["notes"] for theme, a in answers.items() if a["notes"]}
        submitted(DEMO_ORGANIZATION_ID, created.id, person.key, person.respondent_type,
                  lambda t, a=answers: a[t]["rating"], notes)  # fmt: skip
    return created.id


def service_times(assessment_id: str, rounds: int) -> tuple[list[float], list[float]]:
    """In this process, on the same database: (store read of the submitted responses, the
    whole ``analytics.assessment_dashboard`` the page's state calls), ms."""
    from ninevectors.services import analytics
    from ninevectors.services.analytics.dashboard import submitted_items
    from ninevectors.services.backends import reset_backends
    from ninevectors.services.database import reset_engine
    from ninevectors.services.demo import DEMO_ORGANIZATION_ID

    manager = _manager()
    reads, boards = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        submitted_items(DEMO_ORGANIZATION_ID, assessment_id)
        reads.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        analytics.assessment_dashboard(manager, assessment_id)
        boards.append((time.perf_counter() - started) * 1000)
    reset_engine()  # nothing of this process holds the app's database
    reset_backends()
    return reads, boards


def _load(context: BrowserContext, url: str) -> tuple[float, float]:
    """A new tab navigates to the dashboard: (in-page ms since navigation start, wall ms)."""
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function("window.__dashboardReady !== undefined", timeout=READY_TIMEOUT_MS)
    wall = (time.perf_counter() - started) * 1000
    in_page = float(page.evaluate("window.__dashboardReady"))
    page.close()
    return in_page, wall


def _in_app(context: BrowserContext, url: str) -> float:
    """A new tab on the assessment's page; click "Dashboard" → ready (ms, in the page)."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#open-dashboard", timeout=READY_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    elapsed = float(page.evaluate(_CLICK_UNTIL_READY))
    page.close()
    return elapsed


def _switches(page: Page, count: int) -> list[float]:
    keys = page.eval_on_selector_all("#overlay option", "o => o.map((e) => e.value)")
    cycle = [k for k in keys if k] + [""]  # every group, then nobody: each differs from the last
    assert len(cycle) > 1, keys
    _ = [page.evaluate(_SWITCH_OVERLAY, key) for key in cycle]  # warm-up
    return [float(page.evaluate(_SWITCH_OVERLAY, cycle[i % len(cycle)])) for i in range(count)]


def _measure(browser: Browser, app_url: str, assessment_id: str, loads: int, switches: int):
    context = browser.new_context()
    context.add_init_script(_INIT_SCRIPT)
    page = context.new_page()
    page.goto(app_url + "/login")
    page.wait_for_load_state("networkidle")  # the freshly started app's first load is slow
    log_in(page, app_url, MANAGER_EMAIL)
    dashboard = f"{app_url}/assessments/{assessment_id}/dashboard"
    cold = _load(context, dashboard)
    warm = [_load(context, dashboard) for _ in range(loads)]
    in_app = [_in_app(context, f"{app_url}/assessments/{assessment_id}") for _ in range(loads)]
    page.goto(dashboard)
    page.wait_for_function("window.__dashboardReady !== undefined", timeout=READY_TIMEOUT_MS)
    overlay = _switches(page, switches)
    context.close()
    return cold, warm, in_app, overlay


def main() -> None:
    shutil.rmtree(analytics_bench.WORK, ignore_errors=True)  # its folder is not used here
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--switches", type=int, default=30)
    parser.add_argument("--service-rounds", type=int, default=3)
    args = parser.parse_args()
    began = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="nv-dashboard-bench-"))
    app = None
    try:
        started = time.perf_counter()
        assessment_id = seed(data_dir)
        seeded = time.perf_counter() - started
        reads, boards = service_times(assessment_id, args.service_rounds)
        started = time.perf_counter()
        app = start_app(data_dir)
        served = time.perf_counter() - started
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            cold, warm, in_app, overlay = _measure(
                browser, app.url, assessment_id, args.loads, args.switches
            )
            browser.close()
    finally:
        if app is not None:
            stop_app(app)
        shutil.rmtree(data_dir, ignore_errors=True)
    respondents = analytics_bench.RESPONDENTS
    print(f"dashboard bench: 360-review, {respondents} respondents x 156 themes, production build")
    print(f"  seeding {seeded:.1f} s, app build + start {served:.1f} s")
    print("  dashboard ready = radar with 9 axes drawn + 9 vector rows filled")
    print(f"  first load (cold), in page since navigation start {cold[0]:8.1f} ms"
          f"   (wall around goto {cold[1]:.1f} ms)")  # fmt: skip
    print(f"  new tab -> ready, in page since navigation start  "
          f"{_percentiles([w[0] for w in warm])}")  # fmt: skip
    print(f"  the same, wall time around goto + wait            "
          f"{_percentiles([w[1] for w in warm])}")  # fmt: skip
    print(f"  click Dashboard on the assessment page -> ready   {_percentiles(in_app)}")
    print(f"  switch group overlay -> radar legend redrawn      {_percentiles(overlay)}")
    print(f"  in this process: store read of the responses      {_percentiles(reads)}")
    print(f"  in this process: analytics.assessment_dashboard   {_percentiles(boards)}")
    print(f"  bench wall time {time.perf_counter() - began:.1f} s, "
          f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs")  # fmt: skip


if __name__ == "__main__":
    main()
