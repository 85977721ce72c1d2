"""In Chromium, on the seeded demo (issue 18, item 7): the helpfulness rulebook and the
legal-awareness module are Chinese with English translations; ann1 reads them in Chinese
with a Chinese page and in English with an English one, at 1280 and 390 px without
horizontal scrolling."""

from __future__ import annotations

import sqlalchemy as sa

from tests.browser.conftest import log_in


def _legal_module_id(db) -> int:
    from annotate.models import ModuleKind, TrainingModule

    return db.session.scalar(
        sa.select(TrainingModule.id).where(TrainingModule.kind == ModuleKind.legal)
    )


def test_rulebook_and_legal_module_in_the_readers_language(browser, live_server, screenshot, db):
    base = live_server
    legal = _legal_module_id(db)
    expected = {
        "zh": ("安全门槛：绝不偏好有害内容", "第八条 在生成式人工智能技术研发过程中", "原文"),
        "en": ("Safety gate: never prefer harmful content", "Official text (Chinese)", "What it"),
    }
    for locale, width in (("zh-CN", 1280), ("zh-CN", 390), ("en-US", 1280), ("en-US", 390)):
        language = locale[:2]
        panel, quote, marker = expected[language]
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        page = context.new_page()
        log_in(page, base, "ann1")
        page.wait_for_url(f"{base}/annotate/")

        page.goto(f"{base}/annotate/helpfulness")
        page.wait_for_selector("#rulebook")
        page.click("[data-action=rulebook]")
        page.wait_for_selector("#R1\\.1", state="attached")
        assert panel in page.inner_text("#R1\\.1")
        screenshot(page, f"zhcontent-label-helpfulness-{language}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        page.goto(f"{base}/annotate/training/modules/{legal}")
        article = page.inner_text("article.rulebook")
        assert quote in article and marker in article
        # The official quote is the same in both languages: Simplified, full-width commas.
        assert "第八条 在生成式人工智能技术研发过程中进行数据标注的，提供者应当" in article
        assert "規" not in article and "條" not in article
        screenshot(page, f"zhcontent-legal-{language}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        page.goto(f"{base}/annotate/training/")
        screenshot(page, f"zhcontent-training-{language}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()


def test_the_manager_switches_between_the_languages_of_a_version(browser, live_server, screenshot):
    base = live_server
    for locale, width in (("zh-CN", 1280), ("zh-CN", 390), ("en-US", 1280), ("en-US", 390)):
        language = locale[:2]
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        page = context.new_page()
        log_in(page, base, "manager")
        page.goto(f"{base}/admin/projects/helpfulness/rulebooks/1.0.0")
        title = {"zh": "有用性成对偏好标注（RLHF）", "en": "Helpfulness pairwise preference"}
        assert title[language] in page.inner_text("h1")
        screenshot(page, f"zhcontent-version-{language}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        other = "en" if language == "zh" else "zh"
        with page.expect_navigation():
            page.click(f"#version-languages a[lang={other}]")
        assert title[other] in page.inner_text("h1")
        # The demo's English-only draft (sentiment 2.0.0) offers a Chinese translation.
        page.goto(f"{base}/admin/projects/demo/rulebooks/2.0.0")
        page.click("#translation-link-zh")
        page.wait_for_selector("#translation-note")
        assert "language: zh" in page.input_value("textarea[name=body]")
        screenshot(page, f"zhcontent-translate-{language}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()
