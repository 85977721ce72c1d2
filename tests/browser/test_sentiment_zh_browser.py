"""In Chromium, on the seeded demo (issue 18, item 7): the demo's main project's sentiment
rulebook is English with a Chinese translation; ann1 with a Chinese browser reads its clauses
on the labeling screen's side panel, the label buttons and the rulebook page in Chinese, at
1280 and 390 px without horizontal scrolling."""

from __future__ import annotations

import sqlalchemy as sa

from tests.browser.conftest import log_in, save_screenshot


def _module_id(db, version: str) -> int:
    from annotate.models import Project, Rulebook, RulebookVersion, TrainingModule

    return db.session.scalar(
        sa.select(TrainingModule.id)
        .join(RulebookVersion, RulebookVersion.id == TrainingModule.rulebook_version_id)
        .join(Rulebook, Rulebook.id == RulebookVersion.rulebook_id)
        .join(Project, Project.id == Rulebook.project_id)
        .where(Project.slug == "demo", RulebookVersion.version == version)
    )


def test_ann1_reads_the_demo_rulebook_in_chinese(browser, live_server, screenshot, db):
    base = live_server
    module = _module_id(db, "1.0.0")
    for width in (1280, 390):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
        page = context.new_page()
        log_in(page, base, "ann1")
        page.wait_for_url(f"{base}/annotate/")

        page.goto(f"{base}/annotate/demo")
        page.wait_for_selector("#rulebook")
        buttons = page.inner_text("#answer-form")
        for name in ("正面", "负面", "中性", "混合"):
            assert name in buttons
        assert "商品评论情感" in page.inner_text("#rulebook .card-header")
        clause = page.locator("#R1\\.1")
        assert "混合：有明确的称赞和明确的抱怨，没有总体评价" in clause.inner_text()
        clause.locator("summary").click()
        assert "收到时就是坏的" in clause.inner_text()
        assert "Mixed: clear praise" not in page.content()
        save_screenshot(page.locator("#rulebook"), f"sentiment-zh-side-panel-{width}")
        screenshot(page, f"sentiment-zh-label-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        page.goto(f"{base}/annotate/training/modules/{module}")
        article = page.inner_text("article.rulebook")
        assert "标注目标" in article and "R1.2 明确的总体评价起决定作用" in article
        assert "Label the overall sentiment" not in article
        screenshot(page, f"sentiment-zh-rulebook-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()
