"""A signed-in page whose web worker is killed: the worker is respawned, the page reconnects
by itself (Reflex rehydrates and re-runs on_load) and the person is still signed in."""

from __future__ import annotations

import os
import re
import signal
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.restarts import web_worker_pids_on_port
from tests.ui.helpers import log_in

pytestmark = pytest.mark.ui

RESPAWN_TIMEOUT_S = 10


def test_the_page_reconnects_and_stays_signed_in_after_its_worker_is_killed(
    page: Page, app_url: str
) -> None:
    log_in(page, app_url, "manager@acme.com")
    expect(page.locator("#dashboard-org")).to_have_text("Acme Corporation")
    port = urlsplit(app_url).port
    assert port is not None
    [worker] = web_worker_pids_on_port(port)

    os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + RESPAWN_TIMEOUT_S
    while web_worker_pids_on_port(port) in ([], [worker]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert web_worker_pids_on_port(port) not in ([], [worker])

    # A client-side navigation: its on_load runs over the page's reconnected websocket.
    page.get_by_role("link", name="Assessments").first.click()
    expect(page).to_have_url(re.compile(r"/assessments/?$"))
    expect(page.get_by_role("heading", name="Assessments", level=1)).to_be_visible()
    expect(page.locator("#new-assessment")).to_be_visible(timeout=15_000)
    page.reload()
    expect(page.locator("#new-assessment")).to_be_visible()  # the cookie's session survived
