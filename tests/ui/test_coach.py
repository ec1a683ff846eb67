"""The coach in a real browser, on Claude served by the local Messages API server (the
session's app is pointed at it by tests/ui/conftest.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.claude_server import ClaudeServer, Reply, StreamError
from tests.ui.helpers import log_in

pytestmark = pytest.mark.ui


@pytest.fixture
def claude(claude_for_app: ClaudeServer) -> ClaudeServer:
    claude_for_app.reset()
    return claude_for_app


def open_coach_on_financial(page: Page, app_url: str) -> None:
    log_in(page, app_url, "member@acme.com")
    page.goto(app_url + "/coach?vector=3")
    expect(page).to_have_url(re.compile(r"/coach/coaching_[0-9a-f]+/?$"))
    expect(page.locator("#coach-title")).to_contain_text("Financial")


def send(page: Page, text: str) -> None:
    page.get_by_label("Message to the coach").fill(text)
    page.locator("#coach-send").click()


def test_a_reply_streams_in_and_the_history_survives_reload(
    page: Page, app_url: str, claude: ClaudeServer
) -> None:
    claude.script(Reply(chunks=["**Start** ", "with a ", "13-week ", "cash forecast."],
                        delay_s=0.4))  # fmt: skip
    open_coach_on_financial(page, app_url)
    send(page, "Where do I start?")
    streaming = page.locator("#coach-streaming")
    expect(streaming).to_contain_text("Start")  # the first words, before the reply is done
    expect(page.locator("#coach-stop")).to_be_visible()
    expect(page.locator(".chat-coach").last).to_contain_text("13-week cash forecast.")
    expect(page.locator(".chat-coach strong").last).to_have_text("Start")  # markdown rendered
    expect(page.locator("#coach-send")).to_be_visible()
    page.reload()
    expect(page.locator(".chat-user")).to_contain_text("Where do I start?")
    expect(page.locator(".chat-coach").last).to_contain_text("13-week cash forecast.")
    page.goto(app_url + "/coach")
    expect(page.locator(".coach-session").first).to_contain_text("Financial")


def test_an_error_shows_a_retry_that_works(page: Page, app_url: str, claude: ClaudeServer) -> None:
    claude.script(StreamError("overloaded_error", "Overloaded"), Reply(chunks=["Back ", "again."]))
    open_coach_on_financial(page, app_url)
    send(page, "<b>Hello</b>")
    expect(page.locator("#coach-error")).to_contain_text("overloaded")
    page.locator("#coach-retry").first.click()
    expect(page.locator(".chat-coach").last).to_contain_text("Back again.")
    expect(page.locator("#coach-error")).to_have_count(0)
    expect(page.locator(".chat-user").last).to_contain_text("<b>Hello</b>")  # shown, never run


def test_stop_keeps_the_reply_so_far(page: Page, app_url: str, claude: ClaudeServer) -> None:
    words = ["One. ", "Two. ", "Three. ", "Four. ", "Five. ", "Six. ", "Seven. ", "Eight. "]
    claude.script(Reply(chunks=words, delay_s=0.5))
    open_coach_on_financial(page, app_url)
    send(page, "Tell me everything")
    expect(page.locator("#coach-streaming")).to_contain_text("One.")
    page.locator("#coach-stop").click()
    last = page.locator(".chat-coach").last
    expect(last).to_contain_text("(stopped)")
    expect(last).not_to_contain_text("Eight.")
    expect(page.locator("#coach-send")).to_be_visible()
