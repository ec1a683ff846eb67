"""The assessment wizard in the production build, measured from a real browser.

- answer round trip: click a rating → the server has written it durably and the page shows
  it saved (the outbox counts a save only when the server acknowledged the write), p50/p95;
- switching sub-lens pages: click "Next" → the next sub-lens's themes are shown, p50/p95;
- submitting a 156-theme response: click "Submit" → the results page shows the scores.

Usage: .venv/bin/python bench/wizard_bench.py [--answers N] [--switches N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.app_server import start_app, stop_app  # noqa: E402
from tests.ui.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.ui.helpers import DEMO_PASSWORD  # noqa: E402


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.1f} ms · p95 {p95:6.1f} ms · n={len(ordered)}"


def _log_in(page: Page, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("E-mail").fill("admin@acme.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url(url + "/dashboard**")


def _new_open_assessment(page: Page, url: str, name: str) -> str:
    page.goto(url + "/assessments")
    page.get_by_role("button", name="New assessment").click()
    page.get_by_role("dialog").get_by_label("Name").fill(name)
    page.get_by_role("dialog").get_by_role("button", name="Create").click()
    page.wait_for_url(url + "/assessments/*")
    page.get_by_role("button", name="Open for answers").click()
    expect(page.locator(".status-badge").first).to_have_text("in-progress")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


# Measured inside the page (performance.now + MutationObserver), so the figures are not
# rounded up to Playwright's polling intervals.
_TIME_UNTIL_CHANGE = """
async ([clickSelector, index, watchSelector]) => {
  const watched = document.querySelector(watchSelector);
  const before = watched.textContent;
  const target = document.querySelectorAll(clickSelector)[index];
  return await new Promise((resolve) => {
    const started = performance.now();
    const observer = new MutationObserver(() => {
      if (watched.textContent !== before) {
        observer.disconnect();
        resolve(performance.now() - started);
      }
    });
    observer.observe(watched, {childList: true, characterData: true, subtree: true});
    target.click();
  });
}
"""
FIRST_THEME_RATINGS = ".theme-card .rating-group [role=radio]"  # indices 0-4: first theme
# A save is acknowledged when the status counts one more saved change and nothing waits.
_TIME_UNTIL_SAVED = """
async ([clickSelector, index]) => {
  const status = document.querySelector("#save-status");
  const before = Number(status.dataset.saves);
  const target = document.querySelectorAll(clickSelector)[index];
  return await new Promise((resolve) => {
    const started = performance.now();
    const done = () => Number(status.dataset.saves) > before && status.dataset.waiting === "0";
    const observer = new MutationObserver(() => {
      if (done()) {
        observer.disconnect();
        resolve(performance.now() - started);
      }
    });
    observer.observe(status, {attributes: true});
    target.click();
  });
}
"""


def _answer_round_trips(page: Page, count: int) -> list[float]:
    return [page.evaluate(_TIME_UNTIL_SAVED, [FIRST_THEME_RATINGS, i % 5]) for i in range(count)]


def _switches(page: Page, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        samples.append(
            page.evaluate(_TIME_UNTIL_CHANGE, ["#next-sub-lens", 0, "#sub-lens-heading"])
        )
        expect(page.locator(".theme-card").first).to_be_visible()
    return samples


def _fill_all_answers(env: dict[str, str], assessment_id: str) -> None:
    """Answer every theme through the services (same database as the app)."""
    os.environ.update(env)
    from ninevectors.framework import get_framework
    from ninevectors.models.principal import Principal
    from ninevectors.services import assessments
    from ninevectors.services.identity import auth

    credential = auth.credential_by_email("admin@acme.com")
    assert credential is not None
    admin = Principal(credential.user_id, credential.organization_id, "ORG_ADMIN")
    for theme in get_framework().themes:
        assessments.save_answer(admin, assessment_id, theme.id, {"rating": 4, "confidence": 3})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=100)
    parser.add_argument("--switches", type=int, default=30)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="nv-wizard-bench-"))
    app = start_app(data_dir)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            page = browser.new_page()
            _log_in(page, app.url)
            assessment_id = _new_open_assessment(page, app.url, "Bench")
            page.goto(f"{app.url}/assessments/{assessment_id}/take")
            expect(page.locator(".theme-card").first).to_be_visible()
            _answer_round_trips(page, 5)  # warm-up
            print(
                f"answer round trip (click → durable write → shown): "
                f"{_percentiles(_answer_round_trips(page, args.answers))}"
            )
            print(
                f"switch sub-lens page:                             "
                f"{_percentiles(_switches(page, min(args.switches, 36)))}"
            )
            _fill_all_answers(app.env, assessment_id)
            page.goto(f"{app.url}/assessments/{assessment_id}/take")
            page.locator(".wizard-nav").get_by_role("button", name="Liability and Risk").click()
            started = time.perf_counter()
            page.locator("#submit-response").click()
            expect(page.locator("#overall-score")).to_have_text("4.00", timeout=30_000)
            print(
                f"submit a 156-theme response (click → scores shown): "
                f"{(time.perf_counter() - started) * 1000:6.1f} ms"
            )
            browser.close()
    finally:
        stop_app(app)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
