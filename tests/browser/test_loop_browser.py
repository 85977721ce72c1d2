"""No dead pages in the labeling loop: Enter twice saves once and lands on the next item; a
second tab on a submitted item goes on to the next item with a quiet notice."""

from __future__ import annotations

import sqlalchemy as sa

from tests.browser.conftest import log_in


def _count(db):
    from annotate.models import Annotation, User

    db.session.remove()
    return db.session.scalar(
        sa.select(sa.func.count(Annotation.id))
        .join(User, User.id == Annotation.annotator_id)
        .where(User.username == "ann2")
    )


def _item(page):
    return page.locator("#answer-form").get_attribute("action")


def test_double_enter_saves_once_and_lands_on_the_next_item(page, live_server, db):
    log_in(page, live_server, "ann2")
    page.wait_for_url(f"{live_server}/annotate/")
    page.goto(f"{live_server}/annotate/demo")
    first = _item(page)
    before = _count(db)
    page.keyboard.press("1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")  # before the next page arrives
    page.wait_for_selector("#labeling")
    assert _item(page) != first
    assert page.locator("#refused").count() == 0
    assert _count(db) == before + 1

    # Two tabs on one item: the second submit finds it done and moves on, quietly.
    other = page.context.new_page()
    other.goto(f"{live_server}/annotate/demo")
    assert _item(other) == _item(page)
    page.keyboard.press("2")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    other.keyboard.press("3")
    with other.expect_navigation():
        other.keyboard.press("Enter")
    other.wait_for_selector("#labeling")
    assert other.locator("#refused").count() == 0
    assert "already submitted" in other.locator(".alert-secondary").inner_text()
    assert _item(other) == _item(page)  # both tabs are on the annotator's next item
    assert _count(db) == before + 2


def test_rulebook_panel_renders_markdown_and_searches_clauses(page, live_server, db):
    from annotate.models import Annotation, User

    log_in(page, live_server, "ann2")
    page.wait_for_url(f"{live_server}/annotate/")
    page.goto(f"{live_server}/annotate/demo")
    panel = page.locator("#rulebook")
    # Rendered as on the full rulebook page: `negative` is code, no Markdown marks are left.
    assert panel.locator(".clause-example code").count() > 10
    assert "`" not in panel.inner_text() and "**" not in panel.inner_text()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "clause-search"
    page.keyboard.type("sarcasm")
    visible = panel.locator(".clause:visible")
    assert visible.count() == 1 and "R2.2" in visible.inner_text()
    assert visible.locator("details").get_attribute("open") is not None
    page.keyboard.press("Enter")  # to the first match's cite box; Space cites it
    assert page.evaluate("document.activeElement.value") == "R2.2"
    page.keyboard.press("Space")
    page.keyboard.press("2")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    db.session.remove()
    last = db.session.scalar(
        sa.select(Annotation.clause_keys)
        .join(User, User.id == Annotation.annotator_id)
        .where(User.username == "ann2")
        .order_by(Annotation.id.desc())
        .limit(1)
    )
    assert last == ["R2.2"]
    page.keyboard.press("/")
    page.keyboard.type("no such clause anywhere")
    assert panel.locator(".clause:visible").count() == 0
    assert page.locator("#clause-none").is_visible()
    page.keyboard.press("Escape")  # clears the search
    assert panel.locator(".clause:visible").count() == panel.locator(".clause").count()
