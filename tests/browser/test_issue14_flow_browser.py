"""Issue 14's "done when", in Chromium, from an empty database holding only an admin: a
content-safety project is created from its template and configured (k = 2, gold rate 10 %,
min α 0.7, AQL 1.0); four accounts are created (one may create projects) and made
members; the manager uploads the first rulebook, writes a 5-question quiz and publishes it
through the confirmation page; items are uploaded; an annotator trains, passes and labels;
a minor draft adding a label is refused at publish and a major one keeps the quiz. Every
page of the flow is also shot in Chinese and English at 1280 and 390 px, with no English in
Chinese and no sideways scroll."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from tests.browser.conftest import log_in
from tests.browser.test_training_browser import _answer_quiz

GUIDELINES = Path(__file__).resolve().parents[2] / "guidelines" / "content-safety"
VIEWS = (("en-US", 1280), ("en-US", 390), ("zh-CN", 1280), ("zh-CN", 390))
PASSWORD = "flow-pw-14"
#: English words that would show an untranslated string in the Chinese pages of this flow
#: (the rulebook's own text and the label names stored in English are data, not interface).
ENGLISH = re.compile(
    r"\b(Save|Settings|Members|Add|Remove|Publish|Draft|Question|Quiz|Import|Training|"
    r"Start|Submit|Cancel|Edit|Role|Username|Password|Create|Back|Next)\b"
)
QUESTIONS = (
    ("A refusal of a harmful request: which label?", "R0.6", 1),
    ("A news summary describing violence, asked for by the user?", "R0.1", 1),
    ("Content fits two categories: which one wins?", "R0.2", 2),
    ("Unsure between two risks: what do you do?", "R0.7", 2),
    ("Who approves a security annotation?", "R0.5", 1),
)


@pytest.fixture
def empty_server(app, db):
    """The test app (CSRF on) over a database holding one admin, served on a free port."""
    from annotate.services.accounts.users import create_user

    app.config["WTF_CSRF_ENABLED"] = True
    create_user(db.session, "admin", PASSWORD, is_admin=True)
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


class Shots:
    """Each page of the flow in the four views, as the user who saw it (one logged-in page
    per user and view, opened on first use)."""

    def __init__(self, browser, base, screenshot):
        self.browser, self.base, self.screenshot = browser, base, screenshot
        self.pages: dict[tuple[str, str, int], object] = {}
        self.count = 0

    def _page(self, user, locale, width):
        key = (user, locale, width)
        if key not in self.pages:
            context = self.browser.new_context(
                locale=locale, viewport={"width": width, "height": 900}
            )
            context.set_default_timeout(30_000)
            page = context.new_page()
            log_in(page, self.base, user, PASSWORD)
            page.wait_for_url(lambda url: "/login" not in url)
            self.pages[key] = page
        return self.pages[key]

    def shoot(self, user: str, path: str, name: str) -> None:
        self.count += 1
        for locale, width in VIEWS:
            page = self._page(user, locale, width)
            page.goto(f"{self.base}{path}")
            self.screenshot(page, f"flow14-{self.count:02d}-{name}-{locale[:2]}-{width}")
            width_used = page.evaluate("document.documentElement.scrollWidth")
            assert width_used <= width, f"{name} overflows at {width}px ({locale})"
            if locale == "zh-CN":
                chrome = page.locator("nav, form, .alert, h1, h2, th, label, button").all()
                text = " ".join(element.inner_text() for element in chrome)
                found = ENGLISH.findall(text)
                assert not found, f"English in the Chinese {name} page: {found}"

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


def _answers(db) -> dict[str, int]:
    from annotate.models import QuizQuestion, RulebookVersion, TrainingModule

    db.session.expire_all()
    rows = db.session.execute(
        sa.select(QuizQuestion.key, QuizQuestion.answer)
        .join(TrainingModule, TrainingModule.id == QuizQuestion.module_id)
        .join(RulebookVersion, RulebookVersion.id == TrainingModule.rulebook_version_id)
        .where(RulebookVersion.version == "1.0.0")
    )
    return {key: int(answer) for key, answer in rows}


@pytest.mark.truncate
def test_a_team_runs_a_project_from_the_browser(browser, empty_server, screenshot, db, tmp_path):
    from annotate.models import Annotation, Membership, Project, ProjectRole, User

    base = empty_server
    shots = Shots(browser, base, screenshot)
    admin_context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    admin_context.set_default_timeout(30_000)
    page = admin_context.new_page()
    log_in(page, base, "admin", PASSWORD)
    page.wait_for_url(lambda url: "/login" not in url)

    # 1. The project, from the content-safety template; the admin becomes its manager.
    page.goto(f"{base}/admin/")
    page.click("#new-project")
    shots.shoot("admin", "/admin/new-project/", "new-project-choose")
    page.click("#template-content_safety")
    shots.shoot("admin", "/admin/new-project/content_safety", "new-project-form")
    page.fill("#slug", "safety")
    page.fill("#name", "Content safety")
    page.click("#submit")
    page.wait_for_url("**/admin/projects/safety/settings")

    # 2. Its settings.
    page.fill("#redundancy_k", "2")
    page.fill("#gold_rate", "0.1")
    page.fill("#min_alpha", "0.7")
    page.select_option("#aql", "1")
    page.click("#submit")
    page.wait_for_url("**/admin/projects/safety/settings")
    assert page.locator(".alert-success").count() == 1
    shots.shoot("admin", "/admin/projects/safety/settings", "settings")

    # 3. Four accounts on the users page, made members on the members page.
    page.goto(f"{base}/admin/users/")
    for username in ("boss", "ann1", "ann2", "rev1"):
        page.fill("input[name=new-username]", username)
        page.fill("input[name=new-password]", PASSWORD)
        page.click("input[name=new-submit]")
        page.wait_for_selector(f"text=User {username} created.")
    page.locator("#user-boss .creator-toggle").click()  # boss may create projects
    page.wait_for_selector("text=boss may now create projects.")
    assert page.locator("#user-boss .project-creator").is_visible()
    shots.shoot("admin", "/admin/users/", "users")
    page.goto(f"{base}/projects/safety/members/")
    for username, role in (
        ("boss", "manager"),
        ("ann1", "annotator"),
        ("ann2", "annotator"),
        ("rev1", "reviewer"),
    ):
        page.fill("#member-add-form input[name=username]", username)
        page.select_option("#member-add-form select[name=role]", role)
        page.click("#member-add-form [type=submit]")
        page.wait_for_selector(f"text={username} is now {role}.")
    shots.shoot("admin", "/projects/safety/members/", "members")

    # 4. The manager uploads the first rulebook, writes a 5-question quiz and publishes it.
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    boss = context.new_page()
    log_in(boss, base, "boss", PASSWORD)
    boss.wait_for_url(lambda url: "/login" not in url)
    book = "/admin/projects/safety/rulebooks"
    boss.goto(f"{base}{book}/")
    shots.shoot("boss", f"{book}/", "rulebooks-empty")
    boss.click("#new-rulebook-link")
    boss.wait_for_selector("#new-rulebook-form")
    shots.shoot("boss", f"{book}/new", "rulebook-new")
    boss.set_input_files("input[name=markdown]", str(GUIDELINES / "v1.0.0.md"))
    boss.click("#new-rulebook-form input[type=submit]")
    boss.wait_for_selector("text=Draft 1.0.0 created.")
    shots.shoot("boss", f"{book}/1.0.0", "rulebook-draft")
    boss.click("text=Edit draft")
    boss.wait_for_selector("#edit-form")
    shots.shoot("boss", f"{book}/1.0.0/edit", "rulebook-edit")
    boss.goto(f"{base}{book}/1.0.0")
    boss.click("#quiz-link")
    boss.wait_for_selector("#question-form")
    shots.shoot("boss", f"{book}/1.0.0/quiz", "quiz-empty")
    for prompt, clause, answer in QUESTIONS:
        boss.fill("#question-form textarea[name=q-prompt]", prompt)
        boss.fill("#question-form textarea[name=q-choices]", "The first\nThe second\nNeither")
        boss.fill("#question-form input[name=q-answer]", str(answer))
        boss.select_option("#question-form select[name=q-clause_key]", clause)
        boss.fill("#question-form textarea[name=q-explanation]", f"{clause} decides.")
        boss.click("#question-form input[type=submit]")
        boss.wait_for_selector("text=Question added.")
    prompts = boss.locator(".quiz-question strong").all_inner_texts()
    assert prompts == [prompt for prompt, _clause, _answer in QUESTIONS]
    shots.shoot("boss", f"{book}/1.0.0/quiz", "quiz-five")
    boss.goto(f"{base}{book}/1.0.0")
    boss.click("#publish-link")
    boss.wait_for_selector("#publish-form")
    assert "Annotators must re-train." in boss.locator("#publish-consequence").inner_text()
    assert boss.locator("#publish-warnings").count() == 0  # template and rulebook agree
    shots.shoot("boss", f"{book}/1.0.0/publish", "publish-first")
    boss.check("#publish-form input[name=confirm]")
    with boss.expect_navigation():
        boss.click("#publish-form button[type=submit]")
    assert "every annotator must pass its quiz" in boss.locator(".alert-success").inner_text()
    shots.shoot("boss", f"{book}/", "rulebooks-published")

    # 5. Items, uploaded on the data page.
    items = tmp_path / "batch-1.jsonl"
    items.write_text(
        "".join(
            f'{{"id": "s{n}", "text": "第 {n} 条用户评论：今天天气很好。"}}\n' for n in range(1, 5)
        ),
        encoding="utf-8",
    )
    boss.goto(f"{base}/admin/data/safety")
    boss.set_input_files("input[name=file]", str(items))
    boss.fill("input[name=licence]", "CC0-1.0")
    boss.click("#import-form [type=submit]")
    boss.wait_for_selector("#import-report")
    assert boss.locator('[data-count="imported"]').inner_text() == "4"
    shots.shoot("boss", "/admin/data/safety", "data")

    # 6. An annotator trains, passes the quiz and labels an item.
    annotator = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    annotator.set_default_timeout(30_000)
    ann = annotator.new_page()
    log_in(ann, base, "ann1", PASSWORD)
    ann.wait_for_url(f"{base}/annotate/")
    shots.shoot("ann2", "/annotate/", "annotator-home")
    assert ann.locator(".gate-message").get_attribute("data-step") == "training"
    ann.click("text=Go to my training")
    ann.wait_for_url(f"{base}/annotate/training/")
    assert ann.locator("#project-safety .gate-status").get_attribute("data-step") == "training"
    shots.shoot("ann2", "/annotate/training/", "training-home")
    ann.click("#project-safety >> text=Read and take the quiz")
    ann.wait_for_selector("#start-quiz")
    shots.shoot("ann2", ann.url.removeprefix(base), "training-read")
    ann.click("#start-quiz")
    ann.wait_for_selector("#quiz-form")
    assert ann.locator("#quiz-form fieldset").count() == 5
    shots.shoot("ann2", ann.url.removeprefix(base), "training-quiz")
    _answer_quiz(ann, _answers(db))
    assert "Passed." in ann.locator("#quiz-outcome").inner_text()
    shots.shoot("ann1", ann.url.removeprefix(base), "training-passed")
    ann.goto(f"{base}/annotate/")
    assert ann.locator(".gate-message").count() == 0
    ann.click("text=Start labeling")
    ann.wait_for_selector("#labeling")
    shots.shoot("ann1", "/annotate/safety", "labeling")
    ann.keyboard.press("1")
    with ann.expect_navigation():
        ann.keyboard.press("Enter")
    ann.wait_for_selector("#labeling, #queue-empty")
    db.session.expire_all()
    done = db.session.execute(
        sa.select(Annotation.value)
        .join(User, User.id == Annotation.annotator_id)
        .where(User.username == "ann1")
    ).all()
    assert [row.value for row in done] == ["safe"]
    annotator.close()

    # 7. A minor draft adding a label is refused at publish; a major one keeps the quiz.
    boss.goto(f"{base}{book}/1.0.0")
    boss.fill("#new-draft-form input[name=version]", "1.1.0")
    boss.click("text=Start a new draft from this version")
    boss.wait_for_selector("#edit-form")
    body = boss.locator("textarea[name=body]").input_value()
    a5 = '  - {key: a5_service_reliability, name: "A.5 Unfit for a high-security service", '
    a5 += 'name_zh: "A.5 不满足特定服务类型的安全需求", hotkey: "6"}\n'
    assert a5 in body
    new_label = '  - {key: spam, name: "Spam", hotkey: "7"}\n'
    boss.fill("textarea[name=body]", body.replace(a5, a5 + new_label))
    with boss.expect_navigation():
        boss.click("#edit-form input[type=submit]")
    assert "must be a major version (2.0.0)" in boss.locator(".alert-warning").first.inner_text()
    boss.click("#publish-link")
    boss.wait_for_selector("#publish-problems")
    assert "adds the label(s) spam" in boss.locator("#publish-problems").inner_text()
    assert boss.locator("#publish-form button[type=submit]").is_disabled()
    shots.shoot("boss", f"{book}/1.1.0/publish", "publish-minor-refused")

    boss.goto(f"{base}{book}/1.0.0")
    boss.fill("#new-draft-form input[name=version]", "2.0.0")
    boss.click("text=Start a new draft from this version")
    boss.wait_for_selector("#edit-form")
    body = boss.locator("textarea[name=body]").input_value()
    boss.fill("textarea[name=body]", body.replace(a5, a5 + new_label))
    boss.click("#edit-form input[type=submit]")
    boss.wait_for_selector("text=Draft 2.0.0 saved.")
    boss.click("#quiz-link")
    boss.wait_for_selector("#question-form")
    assert boss.locator(".quiz-question strong").all_inner_texts() == prompts
    boss.goto(f"{base}{book}/2.0.0/publish")
    assert "Annotators must re-train." in boss.locator("#publish-consequence").inner_text()
    shots.shoot("boss", f"{book}/2.0.0/publish", "publish-major")
    boss.check("#publish-form input[name=confirm]")
    with boss.expect_navigation():
        boss.click("#publish-form button[type=submit]")
    assert "major version" in boss.locator(".alert-success").inner_text()
    shots.shoot("boss", f"{book}/", "rulebooks-history")
    context.close()
    admin_context.close()
    shots.close()

    db.session.expire_all()
    project = db.session.scalar(sa.select(Project).where(Project.slug == "safety"))
    assert (project.redundancy_k, project.gold_rate, project.min_alpha, project.aql) == (
        2,
        0.1,
        0.7,
        1.0,
    )
    roles = dict(
        db.session.execute(
            sa.select(User.username, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.project_id == project.id, User.username != "admin")
        ).all()
    )
    assert roles == {
        "boss": ProjectRole.manager,
        "ann1": ProjectRole.annotator,
        "ann2": ProjectRole.annotator,
        "rev1": ProjectRole.reviewer,
    }
    creators = db.session.scalars(sa.select(User.username).where(User.can_create_projects))
    assert list(creators) == ["boss"]
