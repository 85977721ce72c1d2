"""An annotator labels items of three task types in Chromium with the keyboard alone."""

from __future__ import annotations

import sqlalchemy as sa

from tests.browser.conftest import log_in


def _mine(db, slug):
    from annotate.models import Annotation, Item, Project, User

    db.session.remove()
    return db.session.execute(
        sa.select(Annotation.value, Annotation.clause_keys, Annotation.duration_ms)
        .join(Item, Item.id == Annotation.item_id)
        .join(Project, Project.id == Item.project_id)
        .join(User, User.id == Annotation.annotator_id)
        .where(Project.slug == slug, User.username == "ann1")
        .order_by(Annotation.id)
    ).all()


def _last_payload(db, slug):
    """The payload of the item ``ann1`` annotated last in project ``slug``."""
    from annotate.models import Annotation, Item, Project, User

    db.session.remove()
    return db.session.execute(
        sa.select(Item.payload)
        .join(Annotation, Annotation.item_id == Item.id)
        .join(Project, Project.id == Item.project_id)
        .join(User, User.id == Annotation.annotator_id)
        .where(Project.slug == slug, User.username == "ann1")
        .order_by(Annotation.id.desc())
        .limit(1)
    ).scalar_one()


def _next_item(page, key="Enter"):
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_selector("#labeling, #queue-empty")


def test_keyboard_only_labeling_of_single_label_span_and_pairwise(
    page, live_server, db, screenshot
):
    log_in(page, live_server, "ann1")
    page.wait_for_url(f"{live_server}/annotate/")
    before = len(_mine(db, "demo"))

    page.goto(f"{live_server}/annotate/demo")
    assert page.locator("#labeling").get_attribute("data-task") == "single_label"
    screenshot(page, "labeling-single-label")
    for digit in ("1", "2", "3"):
        page.keyboard.press(digit)
        assert page.locator("#answer input:checked").count() == 1
        _next_item(page)
    page.keyboard.press("Enter")  # nothing chosen: refused in the page, nothing sent
    assert page.locator("#answer-missing").is_visible()
    assert len(_mine(db, "demo")) == before + 3

    page.keyboard.press("?")
    page.wait_for_function("() => document.activeElement.closest('#help-modal') !== null")
    screenshot(page, "labeling-shortcuts-help")
    page.keyboard.press("Escape")
    page.wait_for_selector("#help-modal", state="hidden")
    page.keyboard.press("g")
    assert page.evaluate("document.activeElement.classList.contains('clause-cite')")
    page.keyboard.press("Space")  # cite the first clause
    page.keyboard.press("Escape")
    page.keyboard.press("4")
    _next_item(page)
    assert _mine(db, "demo")[-1][1] == ["R1.1"]

    page.keyboard.press("s")
    page.wait_for_function("() => document.activeElement.id === 'skip-reason'")
    page.keyboard.type("cannot tell which product is meant")
    _next_item(page)

    page.goto(f"{live_server}/annotate/ner")
    assert page.locator("#labeling").get_attribute("data-task") == "span"
    text = page.locator("#span-text").inner_text()
    first_word = text.split()[0]
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("2")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("1")
    assert page.locator("#span-list li").count() == 2
    screenshot(page, "labeling-span")
    _next_item(page)
    spans = _mine(db, "ner")[-1][0]
    assert [s["label"] for s in spans] == ["PER", "ORG"]
    assert spans[0] == {"start": 0, "end": len(first_word), "label": "PER"}
    page.keyboard.press("ArrowRight")
    page.keyboard.press("3")
    page.keyboard.press("Delete")
    assert page.locator("#span-list li").count() == 0
    _next_item(page)
    assert _mine(db, "ner")[-1][0] == []

    page.goto(f"{live_server}/annotate/helpfulness")
    assert page.locator("#labeling").get_attribute("data-task") == "pairwise"
    shown_second = page.locator("#item-response-b").inner_text().strip()
    page.keyboard.press("2")  # the response shown second
    page.keyboard.press("r")
    page.keyboard.type("B is correct (R1.2)")
    page.keyboard.press("Escape")
    screenshot(page, "labeling-pairwise")
    _next_item(page)
    value = _mine(db, "helpfulness")[-1][0]
    # The responses are shown in a recorded random order; the stored choice is the item's own.
    payload = _last_payload(db, "helpfulness")
    own = "B" if payload["response_b"].strip() == shown_second else "A"
    assert payload[f"response_{own.lower()}"].strip() == shown_second
    assert value == {"choice": own, "reason": "B is correct (R1.2)"}

    from annotate.models import ItemFlag

    flags_before = db.session.scalar(sa.select(sa.func.count(ItemFlag.id)))  # the demo has some
    page.keyboard.press("f")
    page.wait_for_function("() => document.activeElement.name === 'kind'")
    page.keyboard.press("2")
    screenshot(page, "labeling-flag-dialog")
    _next_item(page)
    assert db.session.scalar(sa.select(sa.func.count(ItemFlag.id))) == flags_before + 1


def test_mouse_selection_marks_a_span(page, live_server, db):
    log_in(page, live_server, "ann2")
    page.wait_for_url(f"{live_server}/annotate/")
    page.goto(f"{live_server}/annotate/ner")
    box = page.locator("#span-text")
    text = box.inner_text()
    word = text.split()[0]
    page.evaluate(
        """(n) => {
        const box = document.getElementById('span-text');
        const range = document.createRange();
        let node = box.firstChild; while (node.nodeType !== 3) node = node.firstChild;
        range.setStart(node, 0); range.setEnd(node, n);
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        box.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    }""",
        len(word),
    )
    page.locator(".span-label").first.click()
    assert page.locator("#span-list li").count() == 1
    assert word in page.locator("#span-list li").inner_text()


def test_manager_upload_shows_every_error(page, live_server, screenshot, tmp_path):
    log_in(page, live_server, "manager")
    page.wait_for_url(f"{live_server}/reports/")
    page.goto(f"{live_server}/admin/data/demo")
    bad = tmp_path / "november.jsonl"
    bad.write_text('{"id": "n1"}\n{"id": "n2", "text": "ok", "gold": "great"}\nnot json\n')
    page.set_input_files("input[name=file]", str(bad))
    page.fill("input[name=licence]", "CC0-1.0")
    page.click("#import-form [type=submit]")
    page.wait_for_url("**/jobs/*")  # the import ran as a job; its page says why it failed
    errors = page.locator("#job-error li")
    assert errors.count() == 3
    assert "line 1: text: required" in errors.nth(0).inner_text()
    screenshot(page, "data-admin-import-errors")
    good = tmp_path / "november.csv"
    good.write_text("id,text\nn1,The kettle is fine.\nn2,The lamp broke.\n")
    page.goto(f"{live_server}/admin/data/demo")
    page.set_input_files("input[name=file]", str(good))
    page.fill("input[name=licence]", "CC0-1.0")
    page.click("#import-form [type=submit]")
    page.wait_for_selector("#import-report")
    assert page.locator('#import-counts [data-count="imported"]').inner_text() == "2"
    with page.expect_navigation():
        page.click("#job-project-data")
    assert page.locator("#batches").get_by_text("november").count()
    screenshot(page, "data-admin-after-import")
