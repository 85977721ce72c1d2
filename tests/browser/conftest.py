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
#: Screenshots land here (kept by CI as artefacts, ignored by git); the PostgreSQL run, which
#: CI runs beside the SQLite one, writes its own.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2]
    / "test-artifacts"
    / ("screenshots-postgresql" if os.environ.get("ANNOTATE_TEST_DATABASE_URL") else "screenshots")
)


#: ``ANNOTATE_TEST_SCREENSHOTS=0`` (CI's PostgreSQL run, beside the SQLite one that keeps the
#: pictures): pages are loaded and checked as ever, only not captured. Capturing full pages
#: took a quarter of the browser tests' time (measured on the three longest).
CAPTURE = os.environ.get("ANNOTATE_TEST_SCREENSHOTS", "1") != "0"


def save_screenshot(target, name: str, **options) -> Path | None:
    """Capture a page or a locator to ``SCREENSHOTS/<name>.png`` (unless capture is off) and
    check a picture was written."""
    if not CAPTURE:
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    target.screenshot(path=str(path), **options)
    assert path.stat().st_size > 1000, path
    return path


def _browser_available() -> bool:
    return os.path.exists(CHROMIUM)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    from playwright.sync_api import expect

    # Assertions wait as long as pages do (30 s): both suites run at once in CI.
    expect.set_options(timeout=30_000)
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


#: The rows of every table of the seeded demo, by table, taken once per test session: seeding
#: takes seconds (rulebooks, quizzes, history, reports), copying the rows back a fraction.
_DEMO_ROWS: dict[str, list[dict]] = {}


def seed_demo_database(db) -> None:
    """Fill the (empty) test database with the demo of 120 items (committed): seeded the first
    time, then its rows copied back — the same rows, ids and audit chain each time."""
    from annotate.demo.seed import seed_demo

    tables = db.metadata.sorted_tables
    if not _DEMO_ROWS:
        seed_demo(n_items=120)
        db.session.commit()
        for table in tables:
            _DEMO_ROWS[table.name] = [
                dict(row._mapping) for row in db.session.execute(table.select())
            ]
        return
    for table in tables:
        if _DEMO_ROWS[table.name]:
            db.session.execute(table.insert(), _DEMO_ROWS[table.name])
    if db.engine.dialect.name == "sqlite":  # the full-text table follows items by hand
        db.session.execute(db.text("INSERT INTO items_fts(items_fts) VALUES ('rebuild')"))
    else:  # the sequences go on from the copied ids
        for table in tables:
            if "id" in table.c and _DEMO_ROWS[table.name]:
                db.session.execute(
                    db.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f'(SELECT max(id) FROM "{table.name}"))'
                    )
                )
    db.session.commit()


@pytest.fixture
def live_server(app, db):
    """Serve the test app (demo-seeded, CSRF on) on a free loopback port; yield its URL."""
    app.config["WTF_CSRF_ENABLED"] = True
    seed_demo_database(db)
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
    # 30 s: CI runs the SQLite and PostgreSQL suites side by side on two cores.
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Return a callable saving a full-page screenshot under test-artifacts/screenshots."""

    def _shot(page, name: str) -> Path | None:
        return save_screenshot(page, name, full_page=True)

    return _shot


def log_in(page, base_url: str, username: str, password: str = "demo") -> None:
    """Log in through the form, as a person would; return once the answer has loaded (a
    ``goto`` right after the click would otherwise cancel the login POST)."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("#login-form [type=submit]")
