"""Browser fixtures: a live server on a seeded demo database, and Debian's Chromium driven by
Playwright. Skipped with a clear message where /usr/bin/chromium is absent, unless
``ANNOTATE_REQUIRE_BROWSER=1`` (CI), where a missing browser fails the run instead."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Screenshots land here (kept by CI as artefacts, ignored by git).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _browser_available() -> bool:
    return os.path.exists(CHROMIUM)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not _browser_available():
        if os.environ.get("ANNOTATE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ANNOTATE_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(app, db):
    """Serve the test app (demo-seeded, CSRF on) on a free loopback port; yield its URL."""
    from annotate.demo.seed import seed_demo

    app.config["WTF_CSRF_ENABLED"] = True
    seed_demo(n_items=120)
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context and page; language English unless a test changes it."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Return a callable saving a full-page screenshot under test-artifacts/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        return path

    return _shot


def log_in(page, base_url: str, username: str, password: str = "demo") -> None:
    """Log in through the form, as a person would."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form [type=submit]")
