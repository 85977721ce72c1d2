"""Issue 17 item 4 in a browser: the manager promotes a gold candidate; an annotator over the
attention block threshold sees the block page (why, and who can unblock); the manager
unblocks. Screenshots in English and Chinese and at 390 px go to ``test-artifacts/screenshots``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.browser.conftest import log_in, save_screenshot

LOCALES = {"en": "en-US", "zh": "zh-CN"}


def _block_ann1(db) -> None:
    """Make ann1 answer two attention checks of the demo project wrongly (through the loop)."""
    from annotate.models import Item, Project, User
    from annotate.services.data.formats import read_records
    from annotate.services.data.imports import import_records
    from annotate.services.labeling.annotations import submit_annotation
    from annotate.services.labeling.assignment import claim_next

    session = db.session
    project = session.scalar(sa.select(Project).where(Project.slug == "demo"))
    project.attention_rate, project.attention_min_checks = 1.0, 2
    project.attention_block_below = 0.6
    lines = b"\n".join(
        b'{"id": "att-%d", "text": "Write positive here %d", "attention": "positive"}' % (n, n)
        for n in range(3)
    )
    records, _ = read_records(lines, "jsonl")
    import_records(session, project, records, batch_name="attention-checks")
    session.commit()
    ann1 = session.scalar(sa.select(User).where(User.username == "ann1"))
    for _ in range(2):
        claim = claim_next(session, ann1, project)
        item = session.get(Item, claim.assignment.item_id)
        assert item.attention_answer == "positive"
        submit_annotation(session, claim.assignment.id, ann1, project, "negative")
        session.commit()


def _shoot(browser, base, user, path, name, *, width=1280, locales=("en", "zh")):
    for short in locales:
        for w in sorted({width, 390}):
            context = browser.new_context(
                locale=LOCALES[short], viewport={"width": w, "height": 900}
            )
            context.set_default_timeout(30_000)
            page = context.new_page()
            log_in(page, base, user)
            page.wait_for_url(lambda url: "/login" not in url)
            page.goto(base + path)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= w, (path, short, w, wide)  # nothing scrolls sideways
            save_screenshot(page, f"{name}-{short}-{w}", full_page=True)
            context.close()


@pytest.mark.truncate
def test_manager_promotes_and_a_blocked_annotator_sees_why(browser, live_server, db, page):
    from annotate.models import AuditEvent, GoldSource, Item, Membership, User

    base = live_server
    log_in(page, base, "manager")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{base}/reports/demo/gold-candidates")
    rows = page.locator("#candidate-list tbody tr")
    assert rows.count() > 0
    item_id = int(rows.first.get_attribute("id").split("-")[1])
    _shoot(browser, base, "manager", "/reports/demo/gold-candidates", "gold-candidates")
    rows.first.locator("[data-promote-one]").click()
    page.wait_for_selector(".alert-success")
    db.session.expire_all()
    item = db.session.get(Item, item_id)
    assert item.gold_source == GoldSource.promoted and item.gold_answer is not None
    assert db.session.scalar(
        sa.select(sa.func.count()).where(
            AuditEvent.action == "item.gold_promote", AuditEvent.subject_id == str(item_id)
        )
    )
    assert page.locator(f"#candidate-{item_id}").count() == 0

    _block_ann1(db)
    ann_context = page.context.browser.new_context(locale="en-US")
    ann = ann_context.new_page()
    log_in(ann, base, "ann1")
    ann.wait_for_url(lambda url: "/login" not in url)
    ann.goto(f"{base}/annotate/demo")
    assert ann.locator("#gate").get_attribute("data-step") == "attention_blocked"
    message = ann.locator("#gate-message").inner_text()
    assert "0 of your last 2 attention checks" in message and "Manager" in message
    assert ann.locator("#gate-unblock").is_visible()
    ann_context.close()
    _shoot(browser, base, "ann1", "/annotate/demo", "attention-blocked-gate")
    _shoot(browser, base, "ann1", "/annotate/", "attention-blocked-home")
    _shoot(browser, base, "ann1", "/annotate/quality/demo", "attention-own-quality")

    ann1 = db.session.scalar(sa.select(User).where(User.username == "ann1"))
    page.goto(f"{base}/reports/demo/annotators/{ann1.id}")
    _shoot(browser, base, "manager", f"/reports/demo/annotators/{ann1.id}", "attention-manager")
    page.fill("#unblock-note", "Read the items again, please.")
    page.click("#unblock-form [type=submit]")
    page.wait_for_selector(".alert-success")
    db.session.expire_all()
    blocked = db.session.scalars(
        sa.select(Membership.attention_blocked_at).where(Membership.user_id == ann1.id)
    ).all()
    assert blocked and all(at is None for at in blocked)
    _shoot(browser, base, "manager", "/admin/projects/demo/settings", "settings-checks")
    _shoot(browser, base, "manager", f"/admin/data/demo/items/{item_id}", "item-promoted")
    check = db.session.scalar(sa.select(Item.id).where(Item.external_id == "att-0"))
    _shoot(browser, base, "manager", f"/admin/data/demo/items/{check}", "item-attention")
