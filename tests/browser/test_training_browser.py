"""In Chromium, on the seeded demo: a manager publishes the major revision sentiment 2.0.0,
which blocks ann1 until ann1 passes its quiz (failing once first); a minor revision needs
only a signed acknowledgement."""

from __future__ import annotations

from tests.browser.conftest import log_in


def _answer_quiz(page, answers: dict[str, int], *, right: bool = True) -> None:
    """Answer every question shown (drawn and shuffled per attempt): the choice whose stored
    index is ``answers[key]`` when ``right``, another one otherwise; then submit."""
    questions = page.locator("#quiz-form fieldset")
    for index in range(questions.count()):
        fieldset = questions.nth(index)
        key = fieldset.get_attribute("id").removeprefix("question-")
        if right:
            fieldset.locator(f"input[type=radio][value='{answers[key]}']").check()
        else:
            fieldset.locator(f"input[type=radio]:not([value='{answers[key]}'])").first.check()
    page.click("#quiz-form input[type=submit]")
    page.wait_for_selector("#quiz-outcome")


def _answers(db, version: str) -> dict[str, int]:
    """The right answer of every question of the demo's rulebook ``version`` (from the
    database: the result page does not show them after a failed attempt)."""
    import sqlalchemy as sa

    from annotate.models import QuizQuestion, RulebookVersion, TrainingModule

    db.session.expire_all()
    rows = db.session.execute(
        sa.select(QuizQuestion.key, QuizQuestion.answer)
        .join(TrainingModule, TrainingModule.id == QuizQuestion.module_id)
        .join(RulebookVersion, RulebookVersion.id == TrainingModule.rulebook_version_id)
        .where(RulebookVersion.version == version)
    )
    return {key: int(answer) for key, answer in rows}


def _shoot_elsewhere(browser, base, screenshot, url, name, user="ann1"):
    """Shoot ``url`` as ``user`` in Chinese (1280 and 390 px) and English at 390 px, with no
    horizontal overflow."""
    for locale, width in (("zh-CN", 1280), ("zh-CN", 390), ("en-US", 390)):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        page = context.new_page()
        log_in(page, base, user)
        page.wait_for_url(f"{base}/annotate/")
        page.goto(url)
        screenshot(page, f"{name}-{locale[:2]}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        context.close()


def test_major_revision_blocks_ann1_until_the_quiz_is_passed(browser, live_server, screenshot, db):
    base = live_server
    manager = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    mpage = manager.new_page()
    log_in(mpage, base, "manager")
    mpage.wait_for_url(f"{base}/reports/")
    mpage.goto(f"{base}/admin/")
    mpage.click("a[href='/admin/projects/demo/rulebooks/']")
    mpage.wait_for_selector("#rulebook-history")
    screenshot(mpage, "rulebook-history")
    mpage.click("#diff-form button[type=submit]")
    mpage.wait_for_selector("#diff-R1\\.6")
    screenshot(mpage, "rulebook-diff-1.0.0-2.0.0")
    mpage.goto(f"{base}/admin/projects/demo/rulebooks/2.0.0")
    assert mpage.locator("#clause-R1\\.6").is_visible()
    screenshot(mpage, "rulebook-version-2.0.0-draft")
    mpage.goto(f"{base}/admin/projects/demo/rulebooks/")
    mpage.click("tr[data-version='2.0.0'] .publish-button")
    mpage.wait_for_selector("#publish-form")
    assert "Annotators must re-train." in mpage.locator("#publish-consequence").inner_text()
    mpage.check("#publish-form input[name=confirm]")
    mpage.click("#publish-form button[type=submit]")
    mpage.wait_for_selector(".alert-success")
    assert "major version" in mpage.locator(".alert-success").inner_text()

    annotator = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = annotator.new_page()
    log_in(page, base, "ann1")
    page.wait_for_url(f"{base}/annotate/")
    page.click("nav >> text=Training")
    gate = page.locator("#project-demo .gate-status")
    assert gate.get_attribute("data-step") == "training"
    assert "pass its quiz" in gate.inner_text()
    screenshot(page, "training-home-blocked")
    page.click("#project-demo >> text=Read and take the quiz")
    page.wait_for_selector("#start-quiz")
    screenshot(page, "training-read-2.0.0")
    page.click("#start-quiz")
    page.wait_for_selector("#quiz-form")
    screenshot(page, "training-quiz")
    _shoot_elsewhere(browser, base, screenshot, page.url, "training-quiz")
    answers = _answers(db, "2.0.0")
    _answer_quiz(page, answers, right=False)
    assert "Not passed." in page.locator("#quiz-outcome").inner_text()
    assert page.locator("#reread h3").count() >= 1
    assert page.locator("#answers-hidden").is_visible()  # which were wrong, not the answers
    assert page.locator(".result-question[data-answer]").count() == 0
    screenshot(page, "training-result-failed")
    _shoot_elsewhere(browser, base, screenshot, page.url, "training-result-failed")

    with page.expect_navigation():
        page.click("text=Back to my training: see what to do next")
    assert page.locator("#project-demo .gate-status").get_attribute("data-step") == "training"
    page.click("#project-demo >> text=Read and take the quiz")
    page.click("#start-quiz")
    page.wait_for_selector("#quiz-form")
    _answer_quiz(page, answers)
    assert "Passed." in page.locator("#quiz-outcome").inner_text()
    assert "You may annotate in" in page.locator("#gate-after").inner_text()
    screenshot(page, "training-result-passed")
    page.click("nav >> text=Training")
    gate = page.locator("#project-demo .gate-status")
    assert gate.get_attribute("data-step") == "work"
    assert "You may annotate." in gate.inner_text()
    screenshot(page, "training-home-qualified")

    mpage.goto(f"{base}/admin/projects/demo/training/")
    assert mpage.locator("#transcript-ann1 .transcript-attempt").count() >= 3
    screenshot(mpage, "training-transcript")
    manager.close()
    annotator.close()


def test_minor_revision_needs_a_signed_acknowledgement(browser, live_server, screenshot):
    base = live_server
    manager = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    mpage = manager.new_page()
    log_in(mpage, base, "manager")
    mpage.wait_for_url(f"{base}/reports/")
    mpage.goto(f"{base}/admin/projects/demo/rulebooks/1.0.0")
    mpage.fill("input[name=version]", "1.1.0")
    mpage.click("text=Start a new draft from this version")
    mpage.wait_for_selector("#edit-form")
    body = mpage.locator("textarea[name=body]").input_value()
    body = body.replace(
        'change_note: "Describe what changed since 1.0.0."',
        "change_note: Added a Cantonese example to R2.7.",
    )
    body = body.replace(
        '**Example:** "还行吧，一般般。"',
        '**Example:** "麻麻哋啦。" (Cantonese: so-so.) → `neutral`\n\n'
        '**Example:** "还行吧，一般般。"',
    )
    mpage.fill("textarea[name=body]", body)
    screenshot(mpage, "rulebook-edit-draft")
    mpage.click("#edit-form input[type=submit]")
    mpage.wait_for_selector("text=Draft 1.1.0 saved.")
    mpage.click("#publish-link")
    mpage.wait_for_selector("#publish-form")
    assert "Annotators only acknowledge." in mpage.locator("#publish-consequence").inner_text()
    mpage.check("#publish-form input[name=confirm]")
    mpage.click("#publish-form button[type=submit]")
    mpage.wait_for_selector(".alert-success")
    assert "acknowledge" in mpage.locator(".alert-success").inner_text()

    annotator = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = annotator.new_page()
    log_in(page, base, "ann1")
    page.wait_for_url(f"{base}/annotate/")
    page.goto(f"{base}/annotate/training/")
    assert page.locator("#project-demo .gate-status").get_attribute("data-step") == "acknowledge"
    page.click("text=Read the change and acknowledge")
    page.wait_for_selector("#acknowledge-form")
    assert "Cantonese" in page.locator("#change-note").inner_text()
    assert page.locator("#diff-R2\\.7").is_visible()
    screenshot(page, "training-acknowledge")
    page.check("input[name=confirm]")
    page.click("#acknowledge-form input[type=submit]")
    page.wait_for_selector(".alert-success")
    gate = page.locator("#project-demo .gate-status")
    assert gate.get_attribute("data-step") == "work"
    screenshot(page, "training-home-acknowledged")
    manager.close()
    annotator.close()
