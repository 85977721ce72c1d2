"""The dashboard, an annotator page and the offline dossier, seen in Chromium."""

from __future__ import annotations

import io
import zipfile

from tests.browser.conftest import log_in


def test_dashboard_and_annotator_page(page, live_server, screenshot):
    log_in(page, live_server, "manager")
    page.goto(f"{live_server}/reports/demo")
    assert page.locator("#agreement-table").is_visible()
    assert page.locator("svg").count() >= 5
    screenshot(page, "reports-dashboard")
    page.click("#annotator-table a >> text=ann3")
    page.wait_for_selector("#supervision-form")
    page.select_option("#action", "suspend")
    page.fill("#reason", "Gold accuracy below the threshold; please re-read R2.")
    page.click("#supervision-form [type=submit]")
    page.wait_for_selector(".alert-success")
    assert "Suspended" in page.content()
    screenshot(page, "reports-annotator")


def test_annotator_sees_own_quality(page, live_server, screenshot):
    log_in(page, live_server, "ann1")
    page.goto(f"{live_server}/annotate/quality/demo")
    assert page.locator("#annotator-figures").is_visible()
    screenshot(page, "quality-self")


def test_dossier_opens_offline(page, live_server, screenshot, tmp_path):
    log_in(page, live_server, "manager")
    response = page.request.get(f"{live_server}/reports/demo/dossier.zip")
    assert response.status == 200
    with zipfile.ZipFile(io.BytesIO(response.body())) as zf:
        zf.extractall(tmp_path)
    index = next(tmp_path.glob("*/index.html"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(index.as_uri())
    assert page.locator("#audit-head").inner_text().strip()
    assert page.locator("table.duties tbody tr").count() == 5
    # dossier.css beside index.html is applied (no inline style in the page).
    border = page.locator("#duties h2").evaluate("e => getComputedStyle(e).borderBottomStyle")
    assert border == "solid"
    assert all(url.startswith("file://") or url.startswith("data:") for url in requests)
    screenshot(page, "dossier-offline")


def test_audit_log_page(page, live_server, screenshot):
    log_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/audit/")
    assert page.locator("#audit-events tbody tr").count() >= 1
    screenshot(page, "audit-log")
