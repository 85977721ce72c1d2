"""Issue 17 item 5 in Chromium: an annotator flags personal information and still labels the
item; flags prohibited content and skips it (the item leaves every queue: the next annotator
never sees it); the manager finds the alert on their home page; a reviewer confirms the flag
and voids the batch. The changed pages are shot in Chinese and English, at 1280 and 390 px,
with no sideways scroll."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from annotate.models import (
    Annotation,
    Batch,
    BatchStatus,
    Item,
    ItemFlag,
    ProjectRole,
)
from tests.browser.conftest import log_in, save_screenshot
from tests.factories import make_ready

VIEWS = (("en-US", 1280), ("zh-CN", 1280), ("zh-CN", 390))
#: Words of this feature's interface that would show an untranslated string in Chinese.
ENGLISH = re.compile(
    r"\b(Prohibited|quarantined|Flag|flagged|review|Confirm|Release|Void|Personal|Answered)\b"
)
TEXTS = {
    0: "Courier Zhang, phone 139 0000 0000, left it in the rain.",
    1: "[a review advertising a website that sells illegal drugs]",
    2: "Great sound, the box was a little dented.",
}


@pytest.fixture
def flag_server(app, db, make_project, make_user):
    """A sentiment-like project with two annotators, a reviewer and a manager, on a free port."""
    app.config["WTF_CSRF_ENABLED"] = True
    project = make_project(
        "senti", labels=["positive", "negative"], redundancy_k=2, overlap_share=1.0, gold_rate=0
    )
    people = [make_user(n, project=project, roles=[ProjectRole.annotator]) for n in ("al", "bo")]
    make_user("rev", project=project, roles=[ProjectRole.reviewer])
    make_user("boss", project=project, roles=[ProjectRole.manager])
    make_ready(db, project, people, n_items=3, payload=lambda n: {"text": TEXTS[n]})
    server = make_server("127.0.0.1", 0, app, threaded=True)  # a free port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def _page(browser, base, user, locale="en-US", width=1280):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    log_in(page, base, user, "secret-pw")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def _shoot(browser, base, user, path, name):
    """``path`` as ``user`` in each view; saved with the screenshots, no sideways scroll."""
    for locale, width in VIEWS:
        page = _page(browser, base, user, locale, width)
        page.goto(f"{base}{path}")
        save_screenshot(page, f"{name}-{locale[:2]}-{width}", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        if locale == "zh-CN":
            chrome = page.locator("nav, form, .alert, h1, h2, th, dt, dd, label, button").all()
            text = " ".join(element.inner_text() for element in chrome)
            for data in TEXTS.values():  # the items' own text is data, not interface
                text = text.replace(data, "")
            found = ENGLISH.findall(text)
            assert not found, f"English in the Chinese {name} page: {found}"
        page.context.close()


def _flag(page, kind):
    page.click("[data-action=flag]")
    page.check("#flag-pii" if kind == "personal_info" else "#flag-prohibited")
    with page.expect_navigation():
        page.click("#flag-form [type=submit]")
    page.wait_for_selector("#my-flags")


@pytest.mark.truncate
def test_flags_follow_the_rulebook_in_the_browser(browser, flag_server, db):
    from playwright.sync_api import expect

    base = flag_server
    al = _page(browser, base, "al")
    al.goto(f"{base}/annotate/senti")
    assert TEXTS[0] in al.inner_text("#item-text")
    first_action = al.get_attribute("#answer-form", "action")

    # Personal information: flag, the same item stays, then label it as usual.
    _flag(al, "personal_info")
    assert al.get_attribute("#answer-form", "action") == first_action
    assert TEXTS[0] in al.inner_text("#item-text")
    assert "label it as usual" in al.inner_text("#my-flags").lower()
    _shoot(browser, base, "al", "/annotate/senti", "label-pi-flagged")
    al.click("label[for=opt-2]")
    al.click("#submit-answer")
    expect(al.locator("body")).not_to_contain_text(TEXTS[0])
    db.session.expire_all()
    pi_item = db.session.scalar(sa.select(Item).where(Item.has_personal_info.is_(True)))
    assert pi_item is not None and not pi_item.quarantined
    labelled = db.session.scalar(sa.select(Annotation).where(Annotation.item_id == pi_item.id))
    assert labelled is not None and labelled.value == "negative"

    # Prohibited content: flag (quarantined at once), then skip as R3.3 says.
    assert TEXTS[1] in al.inner_text("#item-text")
    al.click("[data-action=flag]")
    expect(al.locator("#flag-modal")).to_have_css("opacity", "1")
    save_screenshot(al, "flag-dialog-en-1280")
    al.check("#flag-prohibited")
    with al.expect_navigation():  # the page before showed #my-flags too
        al.click("#flag-form [type=submit]")
    expect(al.locator("#my-flags")).to_contain_text("quarantined")
    _shoot(browser, base, "al", "/annotate/senti", "label-prohibited-flagged")
    al.click("[data-action=skip]")
    al.fill("#skip-reason", "R3.3")
    al.click("#skip-form [type=submit]")
    expect(al.locator("body")).not_to_contain_text(TEXTS[1])
    db.session.expire_all()
    (flag,) = db.session.scalars(sa.select(ItemFlag).where(ItemFlag.kind == "prohibited"))
    bad = db.session.get(Item, flag.item_id)
    assert bad.quarantined
    al.context.close()

    # The next annotator is never served the quarantined item.
    bo = _page(browser, base, "bo")
    seen = []
    for _ in range(3):
        bo.goto(f"{base}/annotate/senti")
        if not bo.locator("#item-text").count():
            break
        seen.append(bo.inner_text("#item-text"))
        bo.click("label[for=opt-1]")
        with bo.expect_navigation():  # the answer is saved before the next goto
            bo.click("#submit-answer")
    assert seen and not any(TEXTS[1] in text for text in seen), seen
    bo.context.close()

    # The manager's home shows the alert; the dashboard's supervision log too.
    boss = _page(browser, base, "boss")
    boss.goto(f"{base}/reports/")
    assert bad.external_id in boss.inner_text("#flag-alerts")
    boss.context.close()
    _shoot(browser, base, "boss", "/reports/", "manager-home-alert")

    # The reviewer confirms the flag and voids the batch.
    rev = _page(browser, base, "rev")
    rev.goto(f"{base}/review/")
    rev.click("#open-flags a")
    _shoot(browser, base, "rev", "/flags/", "flags-list")
    rev.goto(f"{base}/flags/{flag.id}")
    _shoot(browser, base, "rev", f"/flags/{flag.id}", "flag-open")
    rev.click("#flag-answers form:first-child [type=submit]")
    rev.wait_for_selector("#void-form")
    rev.context.close()
    _shoot(browser, base, "rev", f"/flags/{flag.id}", "flag-confirmed")
    rev = _page(browser, base, "rev")
    rev.goto(f"{base}/flags/{flag.id}")
    rev.fill("#void-reason", "TC260-003: illegal content found in the batch")
    rev.click("#void-form [type=submit]")
    rev.wait_for_selector("[data-status=void]")
    rev.context.close()
    _shoot(browser, base, "rev", f"/flags/{flag.id}", "flag-confirmed-void")
    db.session.expire_all()
    assert db.session.get(ItemFlag, flag.id).resolution == "confirmed"
    assert db.session.get(Batch, bad.batch_id).status == BatchStatus.void
