"""Rulebook drafting pages over HTTP: the first rulebook, the new-draft version field, the
publish confirmation, quiz authoring, and the quiz result that hides answers until earned."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from annotate.models import ProjectRole, QuizQuestion, RulebookVersion, VersionStatus
from annotate.services.training.modules import module_for_version
from tests.factories import MINIMAL, publish_rulebook

BASE = "/admin/projects/book"


@pytest.fixture
def book(db, make_project, make_user):
    project = make_project("book", training_attempt_limit=2, training_cooldown_minutes=0)
    make_user("mgr", project=project, roles=[ProjectRole.manager])
    make_user("ann", project=project, roles=[ProjectRole.annotator])
    make_user("rev", project=project, roles=[ProjectRole.reviewer])
    other = make_project("elsewhere")
    make_user("omgr", project=other, roles=[ProjectRole.manager])
    return project


@pytest.mark.parametrize("who", ["ann", "rev", "omgr"])
def test_only_the_projects_managers_may_draft(db, client, login, book, who):
    publish_rulebook(db.session, book)
    db.session.commit()
    login(who)
    for method, path in (
        ("get", "/rulebooks/new"),
        ("get", "/rulebooks/1.0.0/quiz"),
        ("get", "/rulebooks/1.0.0/publish"),
        ("post", "/rulebooks/1.0.0/new-draft"),
        ("post", "/rulebooks/1.0.0/quiz/questions"),
    ):
        assert getattr(client, method)(BASE + path).status_code == 403, path


def test_first_rulebook_from_a_template_or_an_upload(db, client, login, book):
    login("mgr")
    history = client.get(BASE + "/rulebooks/")
    assert 'id="new-rulebook-link"' in history.text
    page = client.get(BASE + "/rulebooks/new")
    assert page.status_code == 200 and 'value="sentiment"' in page.text
    empty = client.post(BASE + "/rulebooks/new", data={"template": ""})
    assert empty.status_code == 400 and "Choose a template or upload" in empty.text
    unknown = client.post(BASE + "/rulebooks/new", data={"template": "../../etc"})
    assert unknown.status_code == 400
    broken = client.post(
        BASE + "/rulebooks/new",
        data={"markdown": (io.BytesIO(b"no front matter"), "rb.md")},
        content_type="multipart/form-data",
    )
    assert broken.status_code == 400 and "missing YAML front matter" in broken.text
    binary = client.post(
        BASE + "/rulebooks/new",
        data={"markdown": (io.BytesIO(b"\xff\xfe\x00"), "rb.md")},
        content_type="multipart/form-data",
    )
    assert binary.status_code == 400 and "not UTF-8" in binary.text
    assert db.session.scalar(sa.select(sa.func.count(RulebookVersion.id))) == 0
    made = client.post(
        BASE + "/rulebooks/new",
        data={"markdown": (io.BytesIO(MINIMAL.encode()), "demo.md")},
        content_type="multipart/form-data",
    )
    assert made.status_code == 302 and made.headers["Location"].endswith("/rulebooks/1.0.0")
    saved = client.post(
        BASE + "/rulebooks/1.0.0/edit", data={"body": MINIMAL}, follow_redirects=True
    )
    assert "it needs at least 1. Add questions on the quiz page." in saved.text
    again = client.get(BASE + "/rulebooks/new")
    assert again.status_code == 302  # only the first rulebook is made here


def test_new_draft_version_errors_are_inline_and_the_quiz_is_copied(db, client, login, book):
    publish_rulebook(db.session, book)
    db.session.commit()
    login("mgr")
    for bad, message in (
        ("1.0", "Use MAJOR.MINOR.PATCH."),
        ("", "This field is required."),
        ("0.9.0", "must be newer than 1.0.0"),
        ("1.0.0", "must be newer than 1.0.0"),
    ):
        response = client.post(BASE + "/rulebooks/1.0.0/new-draft", data={"version": bad})
        assert response.status_code == 400, bad
        assert 'id="version-errors"' in response.text and message in response.text
    made = client.post(BASE + "/rulebooks/1.0.0/new-draft", data={"version": "2.0.0"})
    assert made.status_code == 302
    quiz = client.get(BASE + "/rulebooks/2.0.0/quiz")
    assert quiz.text.count('class="card mb-2 quiz-question"') == 3


def test_quiz_authoring_and_publish_confirmation(db, client, login, book):
    publish_rulebook(db.session, book)
    db.session.commit()
    login("mgr")
    client.post(BASE + "/rulebooks/1.0.0/new-draft", data={"version": "1.1.0"})
    add = BASE + "/rulebooks/1.1.0/quiz/questions"
    good = {
        "q-prompt": "Which label?",
        "q-choices": "yes\nno",
        "q-answer": "1",
        "q-clause_key": "R1.1",
        "q-explanation": "R1.1 says so.",
    }
    for field, value, message in (
        ("q-clause_key", "R9.9", "Not a valid choice"),
        ("q-answer", "3", "from 1 to 2"),
        ("q-answer", "x", "Not a valid integer value"),
        ("q-choices", "only one", "at least two choices"),
        ("q-prompt", "", "Write the question."),
    ):
        response = client.post(add, data={**good, field: value})
        assert response.status_code == 400 and message in response.text, field
    assert client.post(add, data=good).status_code == 302
    draft = db.session.scalar(sa.select(RulebookVersion).where(RulebookVersion.version == "1.1.0"))
    module = module_for_version(db.session, draft)
    assert len(module.questions) == 4
    added = module.questions[-1]
    edit = f"{BASE}/rulebooks/1.1.0/quiz/questions/{added.id}"
    assert "Which label?" in client.get(edit).text
    assert client.post(edit, data={**good, "q-prompt": "Edited?"}).status_code == 302
    assert client.post(f"{edit}/move", data={"direction": "sideways"}).status_code == 400
    assert client.post(f"{edit}/move", data={"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [q.prompt for q in module_for_version(db.session, draft).questions][2] == "Edited?"
    assert (
        client.post(BASE + "/rulebooks/1.1.0/quiz/length", data={"len-length": "0"}).status_code
        == 400
    )
    assert client.post(f"{edit}/delete").status_code == 302
    assert client.get(f"{edit}").status_code == 404
    # The confirmation page: a minor version that only acknowledges, its diff.
    confirm = client.get(BASE + "/rulebooks/1.1.0/publish")
    assert confirm.status_code == 200 and "Annotators only acknowledge." in confirm.text
    sha = re.search(r'name="sha256" type="hidden" value="([0-9a-f]+)"', confirm.text)[1]
    stale = client.post(
        BASE + "/rulebooks/1.1.0/publish", data={"sha256": "0" * 64, "confirm": "y"}
    )
    assert stale.status_code == 303
    done = client.post(BASE + "/rulebooks/1.1.0/publish", data={"sha256": sha, "confirm": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(RulebookVersion, draft.id).status == VersionStatus.published
    locked = client.post(add, data=good)
    assert locked.status_code == 409


def test_a_minor_draft_adding_a_label_is_refused_back_on_the_confirmation_page(
    db, client, login, book
):
    publish_rulebook(db.session, book)
    db.session.commit()
    login("mgr")
    client.post(BASE + "/rulebooks/1.0.0/new-draft", data={"version": "1.1.0"})
    draft = db.session.scalar(sa.select(RulebookVersion).where(RulebookVersion.version == "1.1.0"))
    body = draft.body.replace('labels: ["yes", "no"]', 'labels: ["yes", "no", "maybe"]')
    saved = client.post(BASE + "/rulebooks/1.1.0/edit", data={"body": body}, follow_redirects=True)
    assert "must be a major version (2.0.0)" in saved.text  # warned on save already
    confirm = client.get(BASE + "/rulebooks/1.1.0/publish")
    assert 'id="publish-problems"' in confirm.text and "adds the label(s) maybe" in confirm.text
    sha = re.search(r'name="sha256" type="hidden" value="([0-9a-f]+)"', confirm.text)[1]
    refused = client.post(BASE + "/rulebooks/1.1.0/publish", data={"sha256": sha, "confirm": "y"})
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/1.1.0/publish")
    shown = client.get(refused.headers["Location"])
    assert "cannot be a minor or patch version of 1.0.0" in shown.text
    db.session.expire_all()
    assert db.session.get(RulebookVersion, draft.id).status == VersionStatus.draft


def _answer(client, module, right: bool):
    page = client.get(f"/annotate/training/modules/{module.id}/quiz")
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.text)[1]
    data = {"token": token}
    for q in module.questions:
        data[f"q_{q.key}"] = str(q.answer if right else (q.answer + 1) % len(q.choices))
    response = client.post(f"/annotate/training/modules/{module.id}/quiz", data=data)
    return client.get(response.headers["Location"])


def test_answers_are_shown_after_the_last_allowed_attempt_not_before(db, client, login, book):
    version = publish_rulebook(db.session, book)
    db.session.commit()
    module = module_for_version(db.session, version)
    login("ann")
    first = _answer(client, module, right=False)
    assert 'id="answers-hidden"' in first.text and "Why." not in first.text
    assert "R1.1 First rule" in first.text  # the clause to re-read
    last = _answer(client, module, right=False)  # the second of two allowed attempts
    assert 'id="answers-hidden"' not in last.text and "Why." in last.text
    assert "Correct answer:" in last.text


def test_quiz_questions_and_choices_follow_the_signed_seed(db, client, login, book):
    version = publish_rulebook(db.session, book)
    db.session.commit()
    module = module_for_version(db.session, version)
    question = module.questions[0]
    question.choices = ["a", "b", "c", "d", "e", "f"]
    db.session.commit()
    login("ann")
    orders = set()
    for _ in range(6):
        page = client.get(f"/annotate/training/modules/{module.id}/quiz")
        shown = re.findall(
            rf'name="q_{question.key}" required type="radio" value="(\d)"', page.text
        )
        orders.add(tuple(shown))
    assert len(orders) > 1 and all(sorted(o) == list("012345") for o in orders)
    assert db.session.scalar(sa.select(sa.func.count(QuizQuestion.id))) == 3


def test_a_translated_question_is_shown_in_the_page_language(db, client, login, book):
    version = publish_rulebook(db.session, book)
    module = module_for_version(db.session, version)
    for question in module.questions:
        question.translations = {
            "zh": {"prompt": f"中文题目 {question.key}", "choices": ["对", "错"]}
        }
    db.session.commit()
    login("ann")
    english = client.get(f"/annotate/training/modules/{module.id}/quiz")
    assert "Question 1?" in english.text and "中文题目" not in english.text
    chinese = client.get(
        f"/annotate/training/modules/{module.id}/quiz", headers={"Accept-Language": "zh-CN"}
    )
    assert "中文题目 q1" in chinese.text and ">对</label>" in chinese.text
    assert "Question 1?" not in chinese.text
