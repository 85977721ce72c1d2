"""Issue 17 items 1 and 6 in Chromium: the task type's figures on the NER and pairwise demo
dashboards and on an annotator page, and the clause analytics — zh and en, 1280 and 390 px,
with no horizontal overflow of the page."""

from __future__ import annotations

import sqlalchemy as sa

from annotate.models import Annotation, Item
from tests.browser.conftest import log_in, save_screenshot

VIEWS = [(locale, width) for locale in ("zh-CN", "en-US") for width in (1280, 390)]


def _no_overflow(page, where):
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, (where, overflow)


def test_task_figures_and_clauses_on_the_pages(
    browser, live_server, screenshot, db, make_project, make_user
):
    from tests.services.quality.report_paths import build

    choices = [{"choice": "A"}, {"choice": "A"}, {"choice": "B"}, {"choice": "tie"}]
    project, _ = build(db, make_project, make_user, "prefs", "pairwise", choices, labels=None)
    shown = sa.select(Item.id).where(Item.project_id == project.id)  # order recorded, alternating
    db.session.execute(
        sa.update(Annotation)
        .where(Annotation.item_id.in_(shown))
        .values(swapped=Annotation.id % 2 == 0)
        .execution_options(synchronize_session=False)
    )
    make_user("prefs-boss", password="demo", admin=True)
    db.session.commit()
    for locale, width in VIEWS:
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        page = context.new_page()
        log_in(page, live_server, "prefs-boss")
        page.goto(f"{live_server}/reports/ner")
        section = page.locator("#task-figures")
        assert section.locator("#span-label-table tbody tr").count() >= 2
        assert section.locator("#task-annotator-table tbody tr td strong").count() >= 2
        _no_overflow(page, ("ner", locale, width))
        section.scroll_into_view_if_needed()
        screenshot(page, f"task-ner-{locale}-{width}")
        page.locator("#task-annotator-table tbody a").first.click()
        page.wait_for_selector("#task-figures")
        assert page.locator("#task-figures .card strong").count() >= 2
        _no_overflow(page, ("ner annotator", locale, width))
        screenshot(page, f"task-ner-annotator-{locale}-{width}")
        page.goto(f"{live_server}/reports/prefs")
        row = page.locator("#task-table tbody tr").first
        assert row.locator("td strong").count() == 1 and row.locator("td small").count() == 1
        _no_overflow(page, ("pairwise", locale, width))
        page.locator("#task-figures").scroll_into_view_if_needed()
        screenshot(page, f"task-pairwise-{locale}-{width}")
        clauses = page.locator("#clause-table")  # the pairwise project cites clauses
        assert clauses.locator("tbody tr").first.locator("td strong").count() == 3
        clauses.scroll_into_view_if_needed()
        save_screenshot(clauses, f"task-clauses-{locale}-{width}")
        _no_overflow(page, ("clauses", locale, width))
        context.close()
