"""Span labelling in Chinese and English in Chromium: jieba tokens for the keyboard, character
moves with Alt, mouse selections snapped to whole words (or not, per project), overlaps refused."""

from __future__ import annotations

import sqlalchemy as sa

from tests.browser.conftest import log_in
from tests.factories import make_ready

SENTENCE = "马云在杭州创办了阿里巴巴集团。"


def _spans(db, slug):
    from annotate.models import Annotation, Item, Project

    db.session.remove()
    return db.session.scalars(
        sa.select(Annotation.value)
        .join(Item, Item.id == Annotation.item_id)
        .join(Project, Project.id == Item.project_id)
        .where(Project.slug == slug)
        .order_by(Annotation.id)
    ).all()


def _project(db, make_project, slug, texts, **spans):
    """A span project ``slug`` with one item per text, for the demo's ann3 (who has passed
    the legal-awareness module)."""
    from annotate.models import ProjectRole, User
    from annotate.services.accounts.users import add_membership

    project = make_project(
        slug,
        "span",
        labels=["PER", "ORG", "LOC"],
        redundancy_k=1,
        overlap_share=0.0,
        gold_rate=0.0,
    )
    if spans:
        project.label_schema = {**project.label_schema, "spans": spans}
    user = db.session.scalar(sa.select(User).where(User.username == "ann3"))
    add_membership(db.session, user, project, ProjectRole.annotator)
    make_ready(db, project, [user], n_items=len(texts), payload=lambda n: {"text": texts[n]})
    return project


def _submit(page):
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#labeling, #queue-empty")


def _press(page, *keys):
    for key in keys:
        page.keyboard.press(key)


def test_two_chinese_entities_by_keyboard_alone(page, live_server, db, make_project):
    _project(db, make_project, "zhner", [SENTENCE, SENTENCE])
    log_in(page, live_server, "ann3")
    page.wait_for_url(f"{live_server}/annotate/")
    page.goto(f"{live_server}/annotate/zhner")
    assert page.locator("#span-text").inner_text() == SENTENCE
    # 马云 is the first token: 1 marks it PER; five words on, 阿里巴巴 + 集团 is an ORG.
    _press(page, "1", *["ArrowRight"] * 5, "Shift+ArrowRight", "2")
    assert page.locator("#span-list li").count() == 2
    assert "阿里巴巴集团" in page.locator("#span-list li").nth(1).inner_text()
    _submit(page)
    assert _spans(db, "zhner")[-1] == [
        {"start": 0, "end": 2, "label": "PER"},
        {"start": 8, "end": 14, "label": "ORG"},
    ]

    # Character precision with Alt: 阿里 inside the word 阿里巴巴.
    _press(page, *["ArrowRight"] * 5)  # on 阿里巴巴
    _press(page, "Alt+ArrowRight", "Alt+ArrowLeft", "Shift+Alt+ArrowRight", "2")
    assert "阿里" in page.locator("#span-list li").inner_text()
    # Overlaps are refused by this project's schema: the whole word as LOC is not added.
    _press(page, "ArrowLeft", "3")  # from 里 back to the start of its word
    assert page.locator("#span-notice").is_visible()
    assert page.locator("#span-list li").count() == 1
    _submit(page)
    assert _spans(db, "zhner")[-1] == [{"start": 8, "end": 10, "label": "ORG"}]


def _select(page, start, end):
    """Select characters start..end of the span text with a mouse-like selection."""
    page.evaluate(
        """([start, end]) => {
        const box = document.getElementById('span-text');
        const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        let seen = 0; let node;
        while ((node = walker.nextNode())) {
            const n = node.textContent.length;
            if (start >= seen && start <= seen + n) range.setStart(node, start - seen);
            if (end >= seen && end <= seen + n) { range.setEnd(node, end - seen); break; }
            seen += n;
        }
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        box.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    }""",
        [start, end],
    )


def test_mouse_selections_snap_to_words_unless_the_project_wants_characters(
    page, live_server, db, make_project
):
    text = "Tencent hired Ma Huateng in 深圳市。"
    _project(db, make_project, "snap", [text])
    _project(db, make_project, "chars", [text], snap="char", overlap=True)
    log_in(page, live_server, "ann3")
    page.wait_for_url(f"{live_server}/annotate/")
    page.goto(f"{live_server}/annotate/snap")
    _select(page, 1, 5)  # "ence" inside "Tencent"
    page.keyboard.press("2")
    _select(page, 29, 30)  # 圳 inside 深圳市 (one jieba word)
    page.keyboard.press("3")
    _submit(page)
    assert _spans(db, "snap")[-1] == [
        {"start": 0, "end": 7, "label": "ORG"},
        {"start": 28, "end": 31, "label": "LOC"},
    ]

    page.goto(f"{live_server}/annotate/chars")
    _select(page, 1, 5)
    page.keyboard.press("2")
    _select(page, 0, 7)  # overlapping is allowed in this project
    page.keyboard.press("1")
    _submit(page)
    assert _spans(db, "chars")[-1] == [
        {"start": 0, "end": 7, "label": "PER"},
        {"start": 1, "end": 5, "label": "ORG"},
    ]
