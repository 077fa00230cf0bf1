"""The console's replay of a wide recording and the settings layout, in a real chromium (as tests/e2e/test_console).

A 240-column shell session is recorded through the CLI; the console replays it at a readable font size with
horizontal scrolling, and its own controls (play/pause, seek bar, time, 1x/2x/4x) drive the player. The settings
page puts its cards side by side on a wide screen. Screenshots go to test-artifacts/console/ (not committed).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest
from support.stack import Stack
from support.wait import eventually_sync

CHROMIUM = Path(os.environ.get("TETHER_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "console"
WIDE = 240

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")


@pytest.fixture(scope="module")
def wide_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    if not CHROMIUM.exists():
        if os.environ.get("TETHER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing but TETHER_REQUIRE_BROWSER=1")
        pytest.skip(f"no chromium at {CHROMIUM}")
    stack = Stack(tmp_path_factory.mktemp("replay"))
    stack.start_server()
    try:
        instance = stack.add_agent()
        child = stack.session(instance, cols=WIDE, rows=24)
        child.expect(rb"\$ ")
        # a line as wide as the terminal, and a marker printed a few seconds later (a pause to seek across)
        child.send(b"printf 'W%.0s' $(seq 1 239); echo; sleep 3; echo LATE_$((6*7))\r")
        child.expect(b"LATE_42")
        child.send(b"exit\r")
        child.expect(pexpect.EOF)
        child.close()
        yield stack, instance
    finally:
        stack.close()


@pytest.fixture
def page(wide_stack: tuple[Stack, str]) -> Iterator[Any]:
    stack, _ = wide_stack
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and (
                "Content Security Policy" in msg.text or "Uncaught" in msg.text) else None)
            page.goto(stack.creds["server"] + "/console/")
            page.wait_for_selector("#signin-user")
            page.fill("#signin-user", "root")
            page.fill("#signin-password", stack.creds["ConsolePassword"])
            page.click("form button[type=submit]")
            page.wait_for_selector("header.topbar")
            yield page
            assert errors == []
        finally:
            browser.close()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _seconds(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+):(\d\d) / (\d+):(\d\d)", text.strip())
    assert match, text
    m1, s1, m2, s2 = map(int, match.groups())
    return m1 * 60 + s1, m2 * 60 + s2


def test_wide_recording_replays_readable_with_controls(page: Any) -> None:
    page.click("nav a[href='/console/sessions']")
    page.wait_for_selector("#sessions tbody tr [data-testid=replay]")
    page.query_selector("#sessions tbody tr [data-testid=replay]").click()
    eventually_sync(lambda: "WWWW" in page.inner_text("#player"), what="the replay to start", timeout=30, interval=0.1)

    # readable: the terminal's font is at least 12px, and the 240 columns scroll sideways instead of shrinking
    font = page.eval_on_selector("#player .ap-term, #player pre, #player .ap-terminal",
                                 "el => parseFloat(getComputedStyle(el).fontSize)")
    assert font >= 12, font
    scroll = page.eval_on_selector("#player", "el => [el.scrollWidth, el.clientWidth]")
    assert scroll[0] > scroll[1], scroll

    # the controls: pause stops the clock, the seek bar jumps to the end, play and speed work
    page.wait_for_selector("#replay-toggle:not([disabled])")
    eventually_sync(lambda: _seconds(page.inner_text("#replay-time"))[1] >= 2, what="the duration to be known",
                    timeout=15, interval=0.1)
    page.click("#replay-toggle")
    eventually_sync(lambda: page.inner_text("#replay-toggle") == "Play", what="the player to pause", timeout=10,
                    interval=0.1)
    paused_at = page.inner_text("#replay-time")
    page.wait_for_timeout(800)  # while paused, the time must not move (not a timing check of the product)
    assert page.inner_text("#replay-time") == paused_at
    assert "LATE_42" not in page.inner_text("#player")
    _shot(page, "20-replay-wide-paused")

    total = _seconds(paused_at)[1]
    # what a person dragging the bar to its end does: input events while dragging, change on release
    page.eval_on_selector("#replay-seek", "el => { el.value = el.max; el.dispatchEvent(new Event('input'));"
                          " el.dispatchEvent(new Event('change')); }")
    eventually_sync(lambda: "LATE_42" in page.inner_text("#player"), what="the seek to show the late output",
                    timeout=15, interval=0.1)
    assert _seconds(page.inner_text("#replay-time"))[0] >= total - 1

    page.click(".replay-quick [data-speed='4']")
    assert page.input_value("#replay-speed") == "4"
    assert page.get_attribute(".replay-quick [data-speed='4']", "aria-pressed") == "true"
    page.eval_on_selector("#replay-seek", "el => { el.value = '0'; el.dispatchEvent(new Event('change')); }")
    if page.inner_text("#replay-toggle") == "Play":  # the seek to the end may have ended the replay
        page.click("#replay-toggle")
    eventually_sync(lambda: page.inner_text("#replay-toggle") == "Pause", what="the player to play", timeout=10,
                    interval=0.1)
    _shot(page, "21-replay-wide-playing")


def test_settings_cards_use_the_width(page: Any) -> None:
    page.click("nav a[href='/console/settings']")
    page.wait_for_selector("#setting-SessionManagerEnabled")
    page.wait_for_selector("#delivery-title")
    boxes = [card.bounding_box() for card in page.query_selector_all(".settings > .card")]
    page_box = page.query_selector(".page").bounding_box()
    assert len(boxes) == 2
    # side by side on a 1280px screen, together filling the page's width
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 1, boxes
    used = boxes[1]["x"] + boxes[1]["width"] - boxes[0]["x"]
    assert used > 0.9 * (page_box["width"] - 48), (used, page_box)
    _shot(page, "22-settings-wide")
