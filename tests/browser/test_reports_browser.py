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
    # The whole dossier in one request (scripts' route; the page runs it as a job): it
    # computes the report, verifies the audit chain and dumps the tables — seconds, not 10.
    response = page.request.get(f"{live_server}/reports/demo/dossier.zip", timeout=90_000)
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


def test_annotator_competence_in_both_languages_and_on_a_phone(browser, live_server, screenshot):
    """MACE competence and the DS confusion matrix on the manager's annotator page: in Chinese
    and English, at 1280 and 390 px, with no horizontal overflow of the page."""
    for locale, heading in (("zh-CN", "能力估计"), ("en-US", "Estimated competence")):
        for width in (1280, 390):
            context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
            page = context.new_page()
            log_in(page, live_server, "manager")
            page.goto(f"{live_server}/reports/demo")
            page.click("#annotator-table a >> text=ann3")
            page.wait_for_selector("#competence")
            assert page.locator("#competence h2").inner_text() == heading
            assert page.locator("#ds-confusion tbody tr").count() >= 2
            assert page.locator("#mace-competence strong").count() == 1
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (locale, width, overflow)
            page.locator("#competence").scroll_into_view_if_needed()
            screenshot(page, f"reports-annotator-competence-{locale}-{width}")
            context.close()


def test_ner_dashboard_shows_span_f1_with_intervals(browser, live_server, screenshot):
    """The NER demo's dashboard: span F1, exact and overlap, with bootstrap intervals."""
    for locale, heading in (("zh-CN", "片段 F1（精确）"), ("en-US", "Span F1 (exact)")):
        for width in (1280, 390):
            context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
            page = context.new_page()
            log_in(page, live_server, "manager")
            page.goto(f"{live_server}/reports/ner")
            table = page.locator("#span-f1-table")
            assert heading in table.locator("thead").inner_text()
            first = table.locator("tbody tr").first
            assert first.locator("td strong").count() == 2  # exact and overlap values
            assert first.locator("td small").count() == 2  # and their intervals
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (locale, width, overflow)
            table.scroll_into_view_if_needed()
            screenshot(page, f"reports-ner-span-f1-{locale}-{width}")
            context.close()


def test_rating_dashboard_shows_weighted_kappa(
    browser, live_server, screenshot, db, make_project, make_user
):
    """A rating project's dashboard: weighted κ and AC2 with intervals, zh and en, 1280/390."""
    from tests.services.quality.report_paths import build

    build(
        db,
        make_project,
        make_user,
        "stars",
        "rating",
        [1, 2, 3, 4, 5],
        labels=None,
        scale="1-5",
        measurement_level="ordinal",
    )
    make_user("rating-boss", password="demo", admin=True)
    db.session.commit()
    for locale, heading in (("zh-CN", "加权 Cohen's κ"), ("en-US", "Weighted Cohen’s κ")):
        for width in (1280, 390):
            context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
            page = context.new_page()
            log_in(page, live_server, "rating-boss")
            page.goto(f"{live_server}/reports/stars")
            table = page.locator("#weighted-table")
            assert heading in table.locator("thead").inner_text()
            row = table.locator("tbody tr").first
            assert row.locator("td strong").count() == 2 and row.locator("td small").count() == 2
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (locale, width, overflow)
            table.scroll_into_view_if_needed()
            screenshot(page, f"reports-rating-weighted-{locale}-{width}")
            context.close()


def test_dashboard_shows_the_snapshot_age_and_recomputes(browser, live_server, screenshot):
    """The dashboard reads a stored snapshot, says how old it is in the reader's language and
    offers managers a recompute button (a POST with its token; the job runs, a newer
    snapshot is shown)."""
    for locale, width, computed in (("zh-CN", 390, "计算于"), ("en-US", 1280, "Computed")):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        page = context.new_page()
        log_in(page, live_server, "manager")
        page.goto(f"{live_server}/reports/demo")
        assert computed in page.locator("#snapshot-age").inner_text()
        before = int(page.locator("#snapshot").get_attribute("data-snapshot") or 0)
        with page.expect_navigation():  # the old page has #snapshot-age too
            page.click("#recompute")
        page.wait_for_selector("#snapshot-age")
        after = int(page.locator("#snapshot").get_attribute("data-snapshot") or 0)
        assert after > before > 0
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (locale, width, overflow)
        screenshot(page, f"reports-snapshot-{locale}-{width}")
        context.close()
