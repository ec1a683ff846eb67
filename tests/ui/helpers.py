"""Steps shared by browser tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from playwright.sync_api import Page, expect

from ninevectors.framework import get_framework

DEMO_PASSWORD = "NineVectors!2026"


def log_in(page: Page, app_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(app_url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))


def create_assessment(
    page: Page,
    app_url: str,
    name: str,
    *,
    kind: str = "single",
    vectors: tuple[int, ...] | None = None,
    subject: str | None = None,
) -> str:
    page.goto(app_url + "/assessments")
    page.get_by_role("button", name="New assessment").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Type").select_option(kind)
    if subject:
        dialog.get_by_label("Subject (360 review only)").select_option(label=subject)
    if vectors is not None:
        for vector in get_framework().vectors:
            box = dialog.get_by_role("checkbox", name=vector.name, exact=True)
            box.set_checked(vector.id in vectors)
    dialog.get_by_role("button", name="Create").click()
    expect(page).to_have_url(re.compile(r"/assessments/[^/]+/?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def open_for_answers(page: Page) -> None:
    page.get_by_role("button", name="Open for answers").click()
    expect(page.locator(".status-badge").first).to_have_text("in-progress")


SET_PLAN = """
import sys
from ninevectors import cli
from ninevectors.services.identity.auth import credential_by_email
credential = credential_by_email(sys.argv[1])
assert credential is not None, "no such person"
sys.exit(cli.main(["billing", "set-plan", credential.organization_id, sys.argv[2]]))
"""


def set_plan_of(app_env: dict[str, str], admin_email: str, plan: str) -> None:
    """What the platform operator does with ``cli billing set-plan`` while billing is off:
    the plan of ``admin_email``'s organization, in the running app's data."""
    done = subprocess.run(
        [sys.executable, "-c", SET_PLAN, admin_email, plan],
        env={**os.environ, **app_env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


PAST_DUE = """
import sys
from datetime import UTC, datetime, timedelta
from ninevectors.models.tables import Subscription
from ninevectors.services.database import session_scope
from ninevectors.services.identity.auth import credential_by_email
credential = credential_by_email(sys.argv[1])
assert credential is not None, "no such person"
since = datetime.now(UTC) - timedelta(days=float(sys.argv[2]))
with session_scope() as db:
    db.add(Subscription(
        organization_id=credential.organization_id, stripe_customer_id="cus_ui",
        stripe_price_id="price_ui", plan="starter", status="past_due", past_due_since=since,
    ))
"""


def mark_past_due(app_env: dict[str, str], admin_email: str, days_ago: float) -> None:
    """The mirror row a verified ``invoice.payment_failed`` leaves (the app has no Stripe key,
    so no webhook can land): past due since ``days_ago``."""
    done = subprocess.run(
        [sys.executable, "-c", PAST_DUE, admin_email, str(days_ago)],
        env={**os.environ, **app_env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def operator_cli(app_env: dict[str, str], *arguments: str) -> str:
    """``python -m ninevectors.cli ARGUMENTS`` against the running app's data; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "ninevectors.cli", *arguments],
        env={**os.environ, **app_env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
