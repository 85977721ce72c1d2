"""In Chromium: a manager writes a project's first rulebook in the browser (a save without a
required section is warned about), writes its quiz, publishes it through the confirmation
page; a minor draft adding a label is refused and a major one keeps the quiz. Every page is
also shot in Chinese and at 390 px (no horizontal overflow)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.browser.conftest import log_in
from tests.factories import MINIMAL

VIEWS = (("en-US", 1280), ("en-US", 390), ("zh-CN", 1280), ("zh-CN", 390))


def _project(db):
    from annotate.models import ProjectRole, User
    from annotate.services.accounts.users import add_membership
    from annotate.services.projects.projects import create_project

    project = create_project(
        db.session, "book", "Rulebook book", "single_label", labels=["yes", "no"]
    )
    manager = db.session.scalar(sa.select(User).where(User.username == "manager"))
    add_membership(db.session, manager, project, ProjectRole.manager)
    db.session.commit()
    return project


class Views:
    """One page per language and width; each GET page is shot in all of them."""

    def __init__(self, browser, base, screenshot):
        self.base, self.screenshot, self.pages = base, screenshot, {}
        for locale, width in VIEWS[1:]:
            context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
            page = context.new_page()
            log_in(page, base, "manager")
            page.wait_for_url(f"{base}/reports/")
            self.pages[(locale, width)] = page

    def shoot(self, current, name: str) -> None:
        """Shoot ``current`` (en, 1280) and its URL in the other languages and widths."""
        self.screenshot(current, f"{name}-en-1280")
        for (locale, width), page in self.pages.items():
            page.goto(current.url)
            self.screenshot(page, f"{name}-{locale[:2]}-{width}")
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, f"{name} overflows at {width}px ({locale})"


def test_manager_drafts_quizzes_and_publishes_a_rulebook(browser, live_server, screenshot, db):
    base = live_server
    _project(db)
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    log_in(page, base, "manager")
    page.wait_for_url(f"{base}/reports/")
    views = Views(browser, base, screenshot)
    book = f"{base}/admin/projects/book/rulebooks"

    # The first rulebook, uploaded; saved once without its Method section.
    page.goto(f"{book}/")
    page.click("#new-rulebook-link")
    page.wait_for_selector("#new-rulebook-form")
    views.shoot(page, "rulebook-new")
    page.set_input_files(
        "input[name=markdown]",
        files=[{"name": "demo.md", "mimeType": "text/markdown", "buffer": MINIMAL.encode()}],
    )
    page.click("#new-rulebook-form input[type=submit]")
    page.wait_for_selector("text=Draft 1.0.0 created.")
    with page.expect_navigation():
        page.click("text=Edit draft")
    body = page.locator("textarea[name=body]").input_value()
    page.fill("textarea[name=body]", body.replace("## Method\nm\n", ""))
    with page.expect_navigation():
        page.click("#edit-form input[type=submit]")
    warning = page.locator(".alert-warning").first.inner_text()
    assert "## Method" in warning and "cannot be published yet" in warning
    screenshot(page, "rulebook-saved-with-warning-en-1280")
    page.click("text=Edit draft")
    views.shoot(page, "rulebook-edit")
    page.fill("textarea[name=body]", body.replace("Text of the rule.", "Label `yes` when …"))
    page.click("#edit-form input[type=submit]")
    page.wait_for_selector("text=Draft 1.0.0 saved.")
    remaining = page.locator(".alert-warning").all_inner_texts()
    assert len(remaining) == 1 and "Add questions on the quiz page" in remaining[0]

    # Its quiz: three questions, one reordered; a bad answer number is shown beside the field.
    page.click("#quiz-link")
    page.wait_for_selector("#question-form")
    page.fill("#question-form textarea[name=q-prompt]", "Broken?")
    page.fill("#question-form textarea[name=q-choices]", "yes\nno")
    page.fill("#question-form input[name=q-answer]", "5")
    with page.expect_navigation():
        page.click("#question-form input[type=submit]")
    assert "from 1 to 2" in page.locator("#question-form .invalid-feedback").inner_text()
    screenshot(page, "rulebook-quiz-error-en-1280")
    for number, prompt in enumerate(("Something: which label?", "Other: which?", "Third?")):
        page.fill("#question-form textarea[name=q-prompt]", prompt)
        page.fill("#question-form textarea[name=q-choices]", "yes\nno")
        page.fill("#question-form input[name=q-answer]", str(1 + number % 2))
        page.select_option("#question-form select[name=q-clause_key]", "R1.1")
        page.fill("#question-form textarea[name=q-explanation]", "R1.1 decides.")
        if number == 0:  # the first one also in Chinese
            page.select_option("#question-form select[name=q-language]", "zh")
            page.fill("#question-form textarea[name=q-translated_prompt]", "某物：哪个标签？")
            page.fill("#question-form textarea[name=q-translated_choices]", "是\n否")
        page.click("#question-form input[type=submit]")
        page.wait_for_selector("text=Question added.")
    with page.expect_navigation():
        page.locator(".quiz-question").nth(2).locator("button[aria-label='Move up']").click()
    assert "某物：哪个标签？" in page.locator(".quiz-question .translation").first.inner_text()
    prompts = page.locator(".quiz-question strong").all_inner_texts()
    assert prompts == ["Something: which label?", "Third?", "Other: which?"]
    views.shoot(page, "rulebook-quiz")
    page.locator(".quiz-question").first.locator("text=Edit").click()
    page.wait_for_selector("#question-form")
    views.shoot(page, "rulebook-question-edit")

    # Publishing: the confirmation page says annotators must re-train; unticked is refused.
    page.goto(f"{book}/1.0.0")
    page.click("#publish-link")
    page.wait_for_selector("#publish-form")
    assert "Annotators must re-train." in page.locator("#publish-consequence").inner_text()
    views.shoot(page, "rulebook-publish-first")
    with page.expect_navigation():
        page.click("#publish-form button[type=submit]")
    assert "Tick the box" in page.locator("#publish-form").inner_text()
    page.check("#publish-form input[name=confirm]")
    with page.expect_navigation():
        page.click("#publish-form button[type=submit]")
    assert "every annotator must pass its quiz" in page.locator(".alert-success").inner_text()

    # A new draft: "1.0" is refused beside the field; 1.1.0 adding a label is refused.
    page.goto(f"{book}/1.0.0")
    page.fill("#new-draft-form input[name=version]", "1.0")
    with page.expect_navigation():
        page.click("text=Start a new draft from this version")
    assert "MAJOR.MINOR.PATCH" in page.locator("#version-errors").inner_text()
    assert page.url.endswith("/1.0.0/new-draft")
    screenshot(page, "rulebook-new-draft-error-en-1280")
    page.fill("#new-draft-form input[name=version]", "1.1.0")
    page.click("text=Start a new draft from this version")
    page.wait_for_selector("#edit-form")
    with_label = page.locator("textarea[name=body]").input_value()
    with_label = with_label.replace('labels: ["yes", "no"]', 'labels: ["yes", "no", "maybe"]')
    page.fill("textarea[name=body]", with_label)
    with page.expect_navigation():
        page.click("#edit-form input[type=submit]")
    assert "must be a major version (2.0.0)" in page.locator(".alert-warning").first.inner_text()
    page.click("#publish-link")
    page.wait_for_selector("#publish-problems")
    assert "adds the label(s) maybe" in page.locator("#publish-problems").inner_text()
    assert page.locator("#publish-form button[type=submit]").is_disabled()
    views.shoot(page, "rulebook-publish-refused")

    # The same change as 2.0.0 keeps the quiz and requires re-training.
    page.goto(f"{book}/1.0.0")
    page.fill("#new-draft-form input[name=version]", "2.0.0")
    page.click("text=Start a new draft from this version")
    page.wait_for_selector("#edit-form")
    page.fill("textarea[name=body]", with_label.replace("version: 1.1.0", "version: 2.0.0"))
    page.click("#edit-form input[type=submit]")
    page.wait_for_selector("text=Draft 2.0.0 saved.")
    page.click("#quiz-link")
    assert page.locator(".quiz-question strong").all_inner_texts() == prompts
    page.goto(f"{book}/2.0.0/publish")
    assert "Annotators must re-train." in page.locator("#publish-consequence").inner_text()
    assert "not in the project: maybe" in page.locator("#publish-warnings").inner_text()
    views.shoot(page, "rulebook-publish-major")
    page.check("#publish-form input[name=confirm]")
    with page.expect_navigation():
        page.click("#publish-form button[type=submit]")
    assert "major version" in page.locator(".alert-success").inner_text()
    views.shoot(page, "rulebook-history")
    context.close()
