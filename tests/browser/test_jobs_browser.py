"""A manager uploads a 50,000-line file; the import runs as a job on the server's background
thread (the demo's runner) and its page's progress bar moves to 100 % without a reload, then
the batch is there. Its own server on a SQLite file: the thread needs its own connection."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from annotate import create_app
from annotate.config import TestConfig
from annotate.database import db
from annotate.models import ProjectRole
from tests.browser.conftest import log_in

LINES = 50_000


@pytest.fixture
def threaded_server(tmp_path):
    if os.environ.get("ANNOTATE_TEST_DATABASE_URL", "").startswith("postgresql"):
        # Its server keeps its own SQLite file (the thread needs a connection of its own):
        # the PostgreSQL run would repeat the SQLite run (the runner is tested on both in
        # tests/services/jobs).
        pytest.skip("runs in the SQLite run only")
    app = create_app(
        {
            "CONFIG_CLASS": TestConfig,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'jobs.sqlite'}",
            "JOBS_RUNNER": "thread",
            "JOB_FILES_DIR": str(tmp_path / "jobs"),
            "WTF_CSRF_ENABLED": True,
        }
    )
    with app.app_context():
        from annotate.services.accounts.users import add_membership, create_user
        from annotate.services.projects.projects import create_project

        db.create_all()
        project = create_project(db.session, "big", "Big", "single_label", labels=["a", "b"])
        boss = create_user(db.session, "boss", "secret-pw")
        add_membership(db.session, boss, project, ProjectRole.manager)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


def test_a_large_upload_shows_its_progress_then_the_batch(
    browser, threaded_server, tmp_path, screenshot
):
    def write(name: str, lines: int) -> Path:
        path = tmp_path / name
        with path.open("w", encoding="utf-8") as out:
            for n in range(lines):
                row = {"id": f"{name}-{n}", "text": f"第 {n} 条评论"}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return path

    # zh at 390 px watches the 50,000-line import; en at 1280 px a small one (its page).
    for locale, width, lines in (("zh-CN", 390, LINES), ("en-US", 1280, 500)):
        upload = write(f"{locale}.jsonl", lines)
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 860})
        context.set_default_timeout(120_000)
        page = context.new_page()
        log_in(page, threaded_server, "boss", "secret-pw")
        page.goto(f"{threaded_server}/admin/data/big")
        page.set_input_files("input[name=file]", str(upload))
        page.fill("input[name=batch]", f"big-{locale}")
        page.click("#import-form [type=submit]")
        page.wait_for_url("**/jobs/*")
        if locale == "zh-CN":
            # The bar moves while the job runs (the page polls; it does not reload)…
            page.wait_for_function(
                "() => { const bar = document.getElementById('job-progress');"
                " return bar === null || bar.value > 0; }"
            )
            screenshot(page, "zh-390-job-import-progress")
        # …and the page shows the result once the job ends.
        page.wait_for_selector("#import-report")
        assert page.locator("#job-progress").get_attribute("value") == "100"
        imported = page.locator('#import-counts [data-count="imported"]').inner_text()
        assert imported == str(lines)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"{locale}-{width}-job-import-done")
        with page.expect_navigation():
            page.click("#job-project-data")
        assert page.locator("#batches").get_by_text(f"big-{locale}").count() == 1
        context.close()
