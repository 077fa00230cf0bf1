"""The browser console in a real chromium (Playwright for Python, the system's chromium, no browser download).

One stack (server + agent, through the CLI) serves the console; the browser signs in, sees the machine Online,
opens a terminal, types, resizes, floods it with `yes`, exits, replays the recording and signs out. Other tests
check what must be refused: a user without permission, a forged CSRF token, a WebSocket from a foreign origin;
and the embedding example (docs/examples/embed) against a server that allows its origin.

Reading the terminal: the tests read the rendered rows (`.xterm-rows`, xterm.js's DOM renderer); the pages expose
no test hooks. Screenshots of every page go to test-artifacts/console/.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.ports import free_port, listening
from support.stack import Stack
from support.wait import GiveUp, eventually_sync

CHROMIUM = Path(os.environ.get("TETHER_CHROMIUM", "/usr/bin/chromium"))
REPO = Path(__file__).parents[2]
ARTIFACTS = REPO / "test-artifacts" / "console"
EMBED = REPO / "docs" / "examples" / "embed" / "server.py"
HEAP_LIMIT = 150 * 1024 * 1024
VIEWER_PASSWORD = "Viewer-pass-2026!"

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")


def _need_browser() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("TETHER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing but TETHER_REQUIRE_BROWSER=1 (.ci/run installs Debian's chromium)")
        pytest.skip(f"no chromium at {CHROMIUM}: install Debian's chromium to run the console tests")


# ------------------------------------------------------------------------------------------------------ fixtures


class Console:
    """The stack plus what the tests need to reach it from a browser."""

    def __init__(self, stack: Stack, instance: str, embed_port: int) -> None:
        self.stack = stack
        self.instance = instance
        self.embed_port = embed_port
        self.base = stack.creds["server"]
        self.root_password = stack.creds["ConsolePassword"]


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    _need_browser()
    embed_port = free_port()
    stack = Stack(tmp_path_factory.mktemp("console"))
    stack.start_server("--console-allowed-origin", f"http://127.0.0.1:{embed_port}")
    try:
        instance = stack.add_agent()
        stack.api("TagResources", {"ResourceType": "instance", "ResourceId": [instance],
                                   "Tag": [{"Key": "env", "Value": "staging"}, {"Key": "team", "Value": "ops"}]})
        # A user who may look but not connect.
        stack.api("CreateUser", {"UserName": "viewer"})
        stack.api("CreateLoginProfile", {"UserName": "viewer", "Password": VIEWER_PASSWORD})
        document = {"Version": "1", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "ecs:DescribeInstances", "ecs:DescribeCloudAssistantStatus", "ecs:DescribeUserBusinessBehavior",
            "ecs:DescribeTerminalSessions"]}]}
        stack.api("CreatePolicy", {"PolicyName": "look-only", "PolicyDocument": json.dumps(document)})
        stack.api("AttachPolicyToUser", {"PolicyType": "Custom", "PolicyName": "look-only", "UserName": "viewer"})
        yield Console(stack, instance, embed_port)
    finally:
        stack.close()


@pytest.fixture(scope="module")
def browser(console: Console) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 800})
    try:
        yield ctx
    finally:
        ctx.close()


# ------------------------------------------------------------------------------------------------------- helpers


def shot(page: Any, name: str, *, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def watch_errors(page: Any) -> list[str]:
    """Collect script errors and CSP violations: a page that breaks its own policy fails the test."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and (
        "Content Security Policy" in msg.text or "Uncaught" in msg.text) else None)
    return errors


def sign_in(page: Any, console: Console, user: str = "root", password: str | None = None) -> None:
    page.goto(console.base + "/console/")
    page.wait_for_selector("#signin-user")
    page.fill("#signin-user", user)
    page.fill("#signin-password", password if password is not None else console.root_password)
    page.click("form button[type=submit]")
    page.wait_for_selector("header.topbar")


def screen(page: Any) -> str:
    return str(page.inner_text(".xterm-rows"))


def wait_screen(page: Any, pattern: str, timeout: float = 15.0) -> re.Match[str]:
    regex = re.compile(pattern)

    def shown() -> re.Match[str]:
        text = screen(page)
        match = regex.search(text)
        assert match, f"the terminal shows:\n{text}"
        return match

    return eventually_sync(shown, what=f"the terminal to show {pattern!r}", timeout=timeout, interval=0.1)


def screen_rows(page: Any) -> int:
    return int(page.locator(".xterm-rows > div").count())


def heap_bytes(context: Any, page: Any) -> int:
    cdp = context.new_cdp_session(page)
    try:
        cdp.send("HeapProfiler.collectGarbage")
        return int(cdp.send("Runtime.getHeapUsage")["usedSize"])
    finally:
        cdp.detach()


def api_status(page: Any, action: str, token: str | None) -> dict[str, Any]:
    """Call the console API from inside the page with a chosen CSRF token; return status and error code."""
    return dict(page.evaluate(
        """async ([action, token]) => {
            const headers = {"Content-Type": "application/json"};
            if (token !== null) headers["X-CSRF-Token"] = token;
            const r = await fetch(`/console/v1/api/${action}`, {method: "POST", headers, body: "{}"});
            let code = null;
            try { code = (await r.json()).Code; } catch {}
            return {status: r.status, code};
        }""",
        [action, token],
    ))


# --------------------------------------------------------------------------------------------------------- tests


def test_console_end_to_end(console: Console, context: Any) -> None:
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(console.base + "/console/machines")
    page.wait_for_selector("#signin-user")
    shot(page, "01-signin")

    # A wrong password is refused with the server's message.
    page.fill("#signin-user", "root")
    page.fill("#signin-password", "not-the-password")
    page.click("form button[type=submit]")
    page.wait_for_selector("#signin-error:not(:empty)")
    assert "incorrect" in page.inner_text("#signin-error")
    shot(page, "02-signin-error")

    sign_in(page, console)
    row = page.wait_for_selector(f"tr[data-instance='{console.instance}']")
    assert row.query_selector("[data-testid=status]").inner_text() == "Online"
    assert "env=staging" in row.inner_text()
    connect = row.query_selector("[data-testid=connect]")
    assert connect is not None
    # Search filters the table.
    page.fill("#machine-search", "no-such-machine")
    page.wait_for_selector("text=No machine matches")
    page.fill("#machine-search", "team=ops")
    page.wait_for_selector(f"tr[data-instance='{console.instance}']")
    shot(page, "03-machines")

    # Connect opens the terminal in a new tab.
    with context.expect_page() as opened:
        page.click(f"tr[data-instance='{console.instance}'] [data-testid=connect]")
    term = opened.value
    term_errors = watch_errors(term)
    term.wait_for_selector("#term-state:has-text('Connected')", timeout=20000)
    wait_screen(term, r"\$ $|\$\s*$")
    term.keyboard.type("echo out-$((6*7)); printf '\\033[38;5;208mamber\\033[0m 中文 ok\\n'\n")
    wait_screen(term, r"out-42")
    wait_screen(term, r"amber 中文 ok")
    # What is typed is `qu%sx ... artz`: only the shell's output holds the word the recording search looks for.
    term.keyboard.type("printf 'qu%sx\\n' artz\n")
    wait_screen(term, r"\nquartzx")
    # 256 colours: xterm.js's DOM renderer gives the cell the class of palette entry 208.
    assert term.query_selector(".xterm-rows span.xterm-fg-208") is not None

    # Paste arrives as input (xterm.js handles the paste event of its textarea); copy puts the selection on the
    # clipboard with Ctrl+Shift+C.
    term.evaluate("""() => {
        const data = new DataTransfer();
        data.setData("text/plain", "echo pasted-$((2*21))\\n");
        document.querySelector(".xterm-helper-textarea")
            .dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
    }""")
    term.keyboard.press("Enter")  # bash's bracketed paste does not run a pasted line by itself
    wait_screen(term, r"\npasted-42")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.base)
    line = term.locator(".xterm-rows > div", has_text=re.compile(r"^pasted-42\s*$")).first.bounding_box()
    term.mouse.dblclick(line["x"] + 20, line["y"] + line["height"] / 2)
    term.keyboard.press("Control+Shift+C")
    copied = term.evaluate("() => navigator.clipboard.readText()")
    assert copied == "pasted-42", copied
    term.click(".xterm-screen")  # focus back to the terminal (clears the selection)

    term.keyboard.type("echo SZ-$(stty size | tr ' ' x)-END\n")
    before = wait_screen(term, r"SZ-(\d+)x(\d+)-END")
    rows = screen_rows(term)
    term.set_viewport_size({"width": 900, "height": 520})
    # xterm.js refits on the next frame and sends RESIZE as it does, ahead of anything typed after it
    eventually_sync(lambda: screen_rows(term) < rows, what="the terminal to refit to the smaller window")
    term.keyboard.type("clear; echo RESIZED-$(stty size | tr ' ' x)-END\n")
    after = wait_screen(term, r"RESIZED-(\d+)x(\d+)-END")
    assert int(after.group(1)) < int(before.group(1)) and int(after.group(2)) < int(before.group(2)), (
        before.group(0), after.group(0))
    shot(term, "04-terminal")

    # A flood: the tab stays responsive, memory stays bounded, Ctrl-C stops it.
    term.keyboard.type("yes\n")
    started = time.monotonic()
    slowest = 0.0
    while time.monotonic() - started < 5:
        t0 = time.monotonic()
        term.evaluate("1 + 1")
        slowest = max(slowest, time.monotonic() - t0)
        term.wait_for_timeout(250)  # sampling: the page must stay responsive for all of the 5 s, not just once
    assert slowest < 2.0, f"the page took {slowest:.1f} s to answer during the flood"
    heap = heap_bytes(context, term)
    assert heap < HEAP_LIMIT, f"JS heap {heap / 1e6:.0f} MB after 5 s of `yes`"
    term.keyboard.press("Control+c")
    wait_screen(term, r"\$\s*$", timeout=30)  # the flood is over: the shell's prompt is back at the bottom
    term.keyboard.type("clear; echo back-$((40+2))\n")
    wait_screen(term, r"back-42", timeout=30)
    shot(term, "05-terminal-after-flood")

    term.keyboard.type("exit 3\n")
    banner = term.wait_for_selector("#term-banner", timeout=15000)
    assert "status 3" in banner.inner_text()
    assert term.inner_text("#term-state") == "Exited 3"
    shot(term, "06-terminal-exit")
    term.close()

    # The session is listed; its recording replays and downloads.
    page.click("nav a[href='/console/sessions']")
    page.wait_for_selector("#sessions tbody tr")
    rows = page.query_selector_all("#sessions tbody tr")
    session_row = rows[0]
    assert "Terminated" in session_row.inner_text()
    assert "exit · status 3" in session_row.inner_text()  # the page let the server record why the session ended
    session_id = session_row.get_attribute("data-session")
    # Duration, the bytes each way in human units, and the recording's state.
    assert re.fullmatch(r"\d+ s|\d+ min \d+ s", session_row.query_selector("[data-testid=duration]").inner_text())
    assert re.fullmatch(r"[\d.]+ (B|KiB) in\n[\d.]+ (KiB|MiB) out",
                        session_row.query_selector("[data-testid=traffic]").inner_text()), session_row.inner_text()
    assert session_row.query_selector("[data-testid=recording]").inner_text().startswith(("Recorded", "Recording…"))
    shot(page, "07-sessions")
    session_row.query_selector("[data-testid=replay]").click()
    # (polled from Python: wait_for_function with an expression would need eval, which the page's CSP forbids)
    eventually_sync(lambda: "out-42" in page.inner_text("#player"), what="the replay to show the command's output",
                    timeout=30, interval=0.1)
    shot(page, "08-replay", full_page=True)
    # A faster speed remounts the player where it was; it plays on to the end of the session.
    page.select_option("#replay-speed", "8")
    eventually_sync(lambda: "logout" in page.inner_text("#player"), what="the replay to reach the end", timeout=60,
                    interval=0.2)
    with page.expect_download() as download_info:
        page.click("[data-testid=download]")
    cast = Path(download_info.value.path()).read_text()
    header = json.loads(cast.splitlines()[0])
    assert header["version"] == 2
    assert "out-42" in cast and "back-42" in cast
    page.click("#replay-speed ~ .btn-ghost")  # close the replay

    _search_and_filter_sessions(page, console, session_id)

    # Administrators get the settings page.
    page.click("nav a[href='/console/settings']")
    page.wait_for_selector("#setting-SessionManagerEnabled")
    assert page.is_checked("#setting-SessionManagerEnabled")
    shot(page, "09-settings", full_page=True)

    # Sign out; the old cookie is worthless afterwards.
    cookies = context.cookies()
    assert cookies, "signing in set no cookie"
    assert all(c["httpOnly"] for c in cookies if c["name"].lower().startswith(("tether", "console")))
    page.click("[data-testid=signout]")
    page.wait_for_selector("#signin-user")
    replay = context.browser.new_context(ignore_https_errors=True)
    try:
        replay.add_cookies(cookies)
        answer = replay.request.get(console.base + "/console/v1/whoami")
        assert answer.status == 401, answer.text()
        assert answer.json()["Code"] == "Console.SignedOut"
    finally:
        replay.close()
    assert not errors and not term_errors, errors + term_errors


def _search_results(page: Any, text: str) -> Any:
    """Search the recordings from the Sessions page; wait for the answer (matches or the empty state)."""
    page.fill("#search-text", text)
    page.click("#recording-search button[type=submit]")
    page.wait_for_selector("#search-results .hit, #search-results .empty")
    return page.query_selector("#search-results")


def _search_and_filter_sessions(page: Any, console: Console, session_id: str) -> None:
    """The Sessions page's recording search and its server-side filters, on the session the flow printed in."""
    def indexed() -> bool:
        rows = console.stack.api("DescribeTerminalSessions", {"SessionId": session_id})["Sessions"]
        return bool(rows and rows[0]["Recording"] and rows[0]["Recording"]["Indexed"])

    eventually_sync(indexed, what="the recording to be indexed", timeout=20, interval=0.2)
    results = _search_results(page, "quartzx")
    hit = results.query_selector(f".hit[data-session='{session_id}']")
    assert hit is not None, results.inner_text()
    lines = [line.inner_text() for line in hit.query_selector_all(".hit-line")]
    assert len(lines) == 1 and re.fullmatch(r"\[00:00:\d\d\.\d\] quartzx", lines[0]), lines
    assert hit.query_selector(".hit-line mark").inner_text() == "quartzx"
    assert "1 session" in page.inner_text(".results-head")
    shot(page, "07b-search", full_page=True)
    # A matching line opens the replay at that line.
    hit.query_selector(".hit-line").click()
    page.wait_for_selector(".replay-head:has-text('from 00:00:')")
    eventually_sync(lambda: "quartzx" in page.inner_text("#player"), what="the replay to show the matching line",
                    timeout=30, interval=0.1)
    shot(page, "07e-replay-from-line", full_page=True)
    page.click("#replay-speed ~ .btn-ghost")

    # Never printed: the empty state names the words. (The typed command never holds what printf prints.)
    results = _search_results(page, "zebrafishmarker")
    assert "No recorded output matches “zebrafishmarker”" in results.inner_text()
    shot(page, "07c-search-empty")
    # Text that holds no word is refused by the server, whose message the page shows.
    results = _search_results(page, "%%%")
    toast_text = page.wait_for_selector(".toast-error").inner_text()
    assert "Text" in toast_text and "InvalidParameter" in toast_text, toast_text
    assert "The search did not run" in results.inner_text()
    page.click("#recording-search button:has-text('Clear search')")
    page.wait_for_selector(f"#sessions tbody tr[data-session='{session_id}']")

    # Filters run on the server: a range that starts tomorrow, another user, the other kind; each hides the session.
    tomorrow = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() + 86400))
    for selector, value in (("#filter-from", tomorrow), ("#filter-user", "viewer"), ("#filter-kind", "port_forward")):
        with page.expect_request(lambda r: r.url.endswith("/DescribeTerminalSessions")) as sent:
            if selector == "#filter-kind":
                page.select_option(selector, value)
            else:
                page.fill(selector, value)
            page.click("#session-filters button[type=submit]")
        assert json.loads(sent.value.post_data) != {"MaxResults": 50}, sent.value.post_data
        page.wait_for_selector("text=No session matches")
        if selector == "#filter-from":
            shot(page, "07d-sessions-filtered")
            # The same filters apply to the search: the session printed quartzx, but not in this time range.
            assert "No recorded output matches" in _search_results(page, "quartzx").inner_text()
            page.click("#recording-search button:has-text('Clear search')")
        if selector == "#filter-kind":
            page.select_option(selector, "")
        else:
            page.fill(selector, "")
    page.fill("#filter-user", "root")
    page.fill("#filter-instance", console.instance)
    page.select_option("#filter-kind", "shell")
    page.fill("#filter-from", time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() - 3600)))
    with page.expect_request(lambda r: r.url.endswith("/DescribeTerminalSessions")) as sent:
        page.click("#session-filters button[type=submit]")
    body = json.loads(sent.value.post_data)
    assert body["Principal"] == "root" and body["InstanceId"] == console.instance and body["Kind"] == "shell"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", body["StartTimeAfter"]), body
    page.wait_for_selector(f"#sessions tbody tr[data-session='{session_id}']")


def test_user_without_permission_sees_why(console: Console, context: Any) -> None:
    page = context.new_page()
    errors = watch_errors(page)
    sign_in(page, console, "viewer", VIEWER_PASSWORD)
    row = page.wait_for_selector(f"tr[data-instance='{console.instance}']")
    assert row.query_selector("[data-testid=connect]") is None
    reason = row.query_selector("[data-testid=connect-reason]")
    assert "Missing permission ecs:StartTerminalSession" in reason.inner_text(), reason.inner_text()
    assert reason.get_attribute("data-resource").endswith(f":instance/{console.instance}")
    assert page.query_selector("nav a[href='/console/settings']") is None
    shot(page, "10-machines-no-permission")
    # Going to the terminal anyway: the server refuses and the page says which permission is missing.
    page.goto(console.base + f"/console/terminal?instance={console.instance}")
    page.click("#term-connect")  # a navigation alone starts nothing; Connect asks the server
    banner = page.wait_for_selector("#term-banner[data-outcome=refused]", timeout=15000)
    assert "ecs:StartTerminalSession" in banner.inner_text()
    shot(page, "11-terminal-refused")
    # Sessions: an ordinary user asks the server for their own sessions only; searching needs its own permission.
    page.goto(console.base + "/console/machines")
    page.wait_for_selector("nav a[href='/console/sessions']")
    with page.expect_request(lambda r: r.url.endswith("/DescribeTerminalSessions")) as sent:
        page.click("nav a[href='/console/sessions']")
    assert json.loads(sent.value.post_data)["Principal"].endswith(":user/viewer"), sent.value.post_data
    page.wait_for_selector("text=No sessions yet")
    assert page.query_selector("#filter-user") is None
    page.fill("#search-text", "quartzx")
    page.click("#recording-search button[type=submit]")
    toast_text = page.wait_for_selector(".toast-error").inner_text()
    assert "Missing permission ecs:SearchSessionRecordings" in toast_text, toast_text
    assert "Missing permission ecs:SearchSessionRecordings" in page.inner_text("#search-results")
    shot(page, "11b-search-refused")
    assert not errors, errors


def _root_sessions(console: Console) -> set[str]:
    listing = console.stack.api("DescribeTerminalSessions", {"InstanceId": console.instance, "Principal": "root",
                                                            "MaxResults": 100})
    return {s["SessionId"] for s in listing["Sessions"]}


def test_a_foreign_page_cannot_start_a_session(console: Console, context: Any) -> None:
    """Finding 11: a foreign page that set `location` to /console/terminal?instance=... started a session for the
    signed-in user. Now the navigation shows a Connect button and starts nothing; Connect (this origin, a click)
    starts the session, and so does the Machines page's Connect in one click."""
    page = context.new_page()
    errors = watch_errors(page)
    sign_in(page, console)
    before = _root_sessions(console)
    started: list[str] = []
    page.on("request", lambda r: started.append(r.url) if r.url.endswith("/StartTerminalSession") else None)
    target = f"{console.base}/console/terminal?instance={console.instance}"
    page.route("http://attacker.test/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=f"<script>location = {json.dumps(target)};</script>"))
    page.goto("http://attacker.test/")
    page.wait_for_url(target)
    page.wait_for_selector("#term-connect")
    assert page.inner_text("#term-state") == "Not connected"
    page.wait_for_load_state("networkidle")
    assert started == [] and _root_sessions(console) == before
    # an intent from long ago (or for another machine) does not start anything either
    page.evaluate("""(id) => localStorage.setItem("tether.connect-intent",
        JSON.stringify({instance: id, user: null, at: Date.now() - 120000}))""", console.instance)
    page.reload()
    page.wait_for_selector("#term-connect")
    page.wait_for_load_state("networkidle")
    assert started == [] and _root_sessions(console) == before
    shot(page, "12-terminal-ask")

    page.click("#term-connect")
    page.wait_for_selector("#term-state:has-text('Connected')", timeout=20000)
    assert len(started) == 1
    wait_screen(page, r"\$ $|\$\s*$")
    page.keyboard.type("exit\n")
    page.wait_for_selector("#term-banner[data-outcome=exit]", timeout=15000)
    assert len(_root_sessions(console) - before) == 1
    assert errors == [], errors


def test_repeated_bad_passwords_are_slowed(console: Console, context: Any) -> None:
    page = context.new_page()
    page.goto(console.base + "/console/signin")
    for _ in range(8):
        page.fill("#signin-user", "guesser")
        page.fill("#signin-password", "wrong")
        page.click("form button[type=submit]")
        page.wait_for_selector("#signin-error:not(:empty)")
        if "Too many" in page.inner_text("#signin-error"):
            break
        page.wait_for_selector("form button[type=submit]:not([disabled])")
    assert re.search(r"Too many failed sign-ins\. Try again in \d+ s", page.inner_text("#signin-error"))
    assert page.is_disabled("form button[type=submit]")
    shot(page, "03b-signin-throttled")


def test_forged_csrf_token_is_refused(console: Console, context: Any) -> None:
    page = context.new_page()
    sign_in(page, console)
    token = page.evaluate("fetch('/console/v1/whoami').then(r => r.json()).then(d => d.CsrfToken)")
    assert api_status(page, "DescribeInstances", token)["status"] == 200
    for forged in ("forged-" + token[7:], "", None):
        answer = api_status(page, "DescribeInstances", forged)
        assert answer["status"] == 403 and answer["code"] == "Console.CsrfTokenInvalid", (forged, answer)
    # Signing out needs the token too.
    status = page.evaluate("fetch('/console/v1/signout', {method: 'POST', headers: {'X-CSRF-Token': 'x'}})"
                           ".then(r => r.status)")
    assert status == 403
    assert api_status(page, "DescribeInstances", token)["status"] == 200


def _embed_server(console: Console, port: int) -> subprocess.Popen[bytes]:
    env = console.stack.env()
    proc = subprocess.Popen(
        [sys.executable, str(EMBED), "--instance", console.instance, "--listen", f"127.0.0.1:{port}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )

    def up() -> bool:
        if proc.poll() is not None:
            raise GiveUp(f"the embed example exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        return listening(port)

    eventually_sync(up, what="the embed example to listen", timeout=20)
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.communicate(timeout=10)  # communicate, not wait: it also closes the stderr pipe
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def test_embedding_example_attaches_a_terminal(console: Console, context: Any) -> None:
    proc = _embed_server(console, console.embed_port)
    try:
        page = context.new_page()
        errors = watch_errors(page)
        page.goto(f"http://127.0.0.1:{console.embed_port}/")
        page.click("#open")
        page.wait_for_selector("#status:has-text('Connected')", timeout=20000)
        page.click("#terminal")
        page.keyboard.type("echo embedded-$((20+3))\n")
        wait_screen(page, r"embedded-23")
        shot(page, "12-embed")
        page.keyboard.type("exit\n")
        page.wait_for_selector("#status:has-text('exited with status 0')", timeout=15000)
        assert not errors, errors
    finally:
        _stop(proc)


def test_websocket_from_a_foreign_origin_is_refused(console: Console, context: Any) -> None:
    """The same example page on an origin the server was not told about: the data channel is refused."""
    port = free_port()
    proc = _embed_server(console, port)
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.click("#open")
        page.wait_for_selector("#status:has-text('Cannot open the session')", timeout=20000)
        # The refused session never connected.
        sessions = console.stack.api("DescribeTerminalSessions", {"InstanceId": console.instance})["Sessions"]
        assert sessions[0]["State"] == "Pending", sessions[0]
    finally:
        _stop(proc)


def test_connect_is_disabled_with_the_reason(console: Console, context: Any) -> None:
    """Session management turned off in Settings, then the agent stopped: Connect is disabled and says why.

    Runs last in this module: it stops the shared agent."""
    page = context.new_page()
    sign_in(page, console)
    page.click("nav a[href='/console/settings']")
    switch = page.wait_for_selector("#setting-SessionManagerEnabled")
    switch.click()
    page.wait_for_selector(".toast-ok")
    assert console.stack.api("DescribeUserBusinessBehavior", {"StatusKey": "sessionManagerEnable"})[
        "StatusValue"] == "disabled"
    try:
        page.click("nav a[href='/console/machines']")
        row = page.wait_for_selector(f"tr[data-instance='{console.instance}']")
        assert row.query_selector("button[disabled]") is not None
        assert "turned off" in row.query_selector("[data-testid=connect-reason]").inner_text()
        assert "Session management is turned off" in page.inner_text("main")
        shot(page, "13-machines-session-manager-off")
    finally:
        console.stack.api("ModifyUserBusinessBehavior", {"StatusKey": "sessionManagerEnable",
                                                         "StatusValue": "enabled"})
    console.stack.stop_agent(console.instance)
    eventually_sync(lambda: console.stack.status(console.instance) == "Offline", what="the agent to go Offline",
                    timeout=30, interval=0.5)
    page.reload()
    row = page.wait_for_selector(f"tr[data-instance='{console.instance}']")
    assert row.query_selector("[data-testid=status]").inner_text() == "Offline"
    assert row.query_selector("button[disabled]") is not None
    assert "Agent offline" in row.query_selector("[data-testid=connect-reason]").inner_text()
    page.select_option("#machine-status", "Online")
    page.wait_for_selector("text=No machine matches")
    page.select_option("#machine-status", "")
    shot(page, "14-machines-offline")


def test_activation_page_shows_the_install_command_once(console: Console, context: Any) -> None:
    """The Activations page creates a code and shows the install one-liner with it (the pin the server reports),
    lists the activation, and deletes it."""
    page = context.new_page()
    errors = watch_errors(page)
    sign_in(page, console)
    page.click("nav a[href='/console/activations']")
    page.wait_for_selector("#activation-form")
    page.fill("#activation-Description", "rack 7")
    page.fill("#activation-InstanceCount", "3")
    page.click("#activation-form button[type=submit]")
    command = page.wait_for_selector("[data-testid=install-command]").inner_text()
    activation_id = page.inner_text("[data-testid=activation-id]")
    code = page.inner_text("[data-testid=activation-code]")
    ca = ssl.create_default_context(cafile=console.stack.creds["ca_cert"])
    with urllib.request.urlopen(console.base + "/agent/install.json", context=ca, timeout=10) as reply:
        info = json.load(reply)
    assert command == f"{info['InstallCommand']} --id {activation_id} --code {code}"
    assert command.startswith("curl --pinnedpubkey 'sha256//")
    row = page.wait_for_selector(f"tr[data-activation='{activation_id}']")
    assert "0/3" in row.inner_text() and "rack 7" in row.inner_text()
    shot(page, "15-activation-created", full_page=True)
    page.reload()  # the code is gone once the page is left
    page.wait_for_selector(f"tr[data-activation='{activation_id}']")
    assert code not in page.inner_text("main")
    page.click(f"tr[data-activation='{activation_id}'] button")
    page.wait_for_selector(".toast-ok")
    eventually_sync(lambda: page.query_selector(f"tr[data-activation='{activation_id}']") is None,
                    what="the deleted activation to leave the list", timeout=10, interval=0.2)
    assert not errors, errors
