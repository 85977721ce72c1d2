"""Quiz authoring on drafts, the quiz copied into a new draft, the minimum quiz at
publication, and attempts drawn and shuffled from a recorded seed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from annotate.database import utcnow
from annotate.models import AuditEvent, ProjectRole, VersionStatus
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.rulebooks.parsing import parse_rulebook
from annotate.services.rulebooks.versions import import_rulebook, update_draft
from annotate.services.training.attempts import submit_attempt
from annotate.services.training.authoring import (
    QuestionInput,
    add_question,
    delete_question,
    move_question,
    set_quiz_length,
    update_question,
)
from annotate.services.training.draw import draw
from annotate.services.training.modules import module_for_version
from annotate.services.training.publishing import (
    import_first_rulebook,
    new_draft_with_quiz,
    publish_with_training,
)
from tests.factories import MINIMAL, publish_rulebook


def _q(prompt="P?", choices=("right", "wrong", "other"), answer=0, clause="R1.1"):
    return QuestionInput(prompt, list(choices), answer, "Because.", clause)


def test_questions_are_checked_against_the_draft(db, make_project):
    project = make_project("auth")
    draft = import_rulebook(db.session, project, parse_rulebook(MINIMAL))
    for bad, field in (
        (_q(clause="R9.9"), "Clause R9.9 is not in draft 1.0.0"),
        (_q(choices=("only",)), "at least two choices"),
        (_q(choices=("a", "a")), "Two choices are the same"),
        (_q(answer=3), "from 1 to 3"),
        (_q(prompt="  "), "Write the question"),
    ):
        with pytest.raises(InvalidInput) as refused:
            add_question(db.session, draft, bad)
        assert any(field in p for p in refused.value.problems)
    first = add_question(db.session, draft, _q("First?"))
    second = add_question(db.session, draft, _q("Second?"))
    third = add_question(db.session, draft, _q("Third?"))
    module = module_for_version(db.session, draft)
    move_question(db.session, third, -1)
    assert [q.prompt for q in module.questions] == ["First?", "Third?", "Second?"]
    move_question(db.session, first, -1)  # already first: nothing moves
    update_question(db.session, second, _q("Second, edited?", answer=1))
    delete_question(db.session, first)
    assert [(q.prompt, q.answer, q.position) for q in module.questions] == [
        ("Third?", 0, 0),
        ("Second, edited?", 1, 1),
    ]
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"quiz.add", "quiz.move", "quiz.edit", "quiz.delete"} <= actions


def test_publication_needs_a_quiz_and_published_quizzes_never_change(db, make_project):
    project = make_project("need")
    draft = import_rulebook(db.session, project, parse_rulebook(MINIMAL))
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        publish_with_training(db.session, draft)
    assert "needs at least 1" in refused.value.problems[0]
    db.session.rollback()
    question = add_question(db.session, draft, _q())
    set_quiz_length(db.session, draft, 2)  # an attempt must be able to draw 2
    db.session.commit()
    with pytest.raises(InvalidInput, match="not published"):
        publish_with_training(db.session, draft)
    db.session.rollback()
    add_question(db.session, draft, _q("Two?"))
    published = publish_with_training(db.session, draft)
    assert published.status == VersionStatus.published
    with pytest.raises(Conflict, match="never changes"):
        add_question(db.session, published, _q())
    with pytest.raises(Conflict, match="never changes"):
        update_question(db.session, question, _q("Changed?"))
    with pytest.raises(Conflict, match="never changes"):
        delete_question(db.session, question)


def test_a_question_citing_a_clause_the_draft_lost_blocks_publication(db, make_project):
    project = make_project("lost")
    draft = import_rulebook(db.session, project, parse_rulebook(MINIMAL))
    add_question(db.session, draft, _q())
    update_draft(db.session, draft, MINIMAL.replace("### R1.1 First rule", "### R1.2 Renamed"))
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        publish_with_training(db.session, draft)
    assert "cites clause R1.1, which is not in version 1.0.0" in refused.value.problems[0]


def test_a_new_draft_starts_with_a_copy_of_the_quiz(db, make_project):
    project = make_project("copy")
    v1 = publish_rulebook(db.session, project)
    source = module_for_version(db.session, v1)
    source.quiz_length = 2
    db.session.flush()
    v2 = new_draft_with_quiz(db.session, v1, "2.0.0")
    copy = module_for_version(db.session, v2)
    assert copy is not None and copy.id != source.id and copy.quiz_length == 2
    assert [(q.key, q.prompt, q.choices, q.answer, q.clause_key) for q in copy.questions] == [
        (q.key, q.prompt, q.choices, q.answer, q.clause_key)
        for q in source.questions
        if q.gold_item_id is None
    ]
    # The copy is the draft's own: editing it leaves the published quiz alone.
    update_question(db.session, copy.questions[0], _q("New wording?"))
    assert source.questions[0].prompt != "New wording?"
    assert publish_with_training(db.session, v2).requires_retraining


def test_the_first_rulebook_comes_from_a_template_once(db, make_project, app):
    from pathlib import Path

    project = make_project("first", labels=["positive", "negative", "neutral", "mixed"])
    folder = Path(app.config["GUIDELINES_DIR"]) / "sentiment"
    text = (folder / "v1.0.0.md").read_text(encoding="utf-8")
    quiz = (folder / "v1.0.0.quiz.yaml").read_text(encoding="utf-8")
    with pytest.raises(InvalidInput, match="quiz refused"):
        import_first_rulebook(db.session, project, text, quiz.replace("R1.1", "R0.0"))
    db.session.rollback()
    version = import_first_rulebook(db.session, project, text, quiz, source="sentiment")
    assert len(module_for_version(db.session, version).questions) == 9
    with pytest.raises(Conflict, match="already has a rulebook"):
        import_first_rulebook(db.session, project, text)


def test_attempts_draw_and_shuffle_from_a_recorded_seed(db, make_project, make_user):
    project = make_project("draw", training_attempt_limit=0, training_cooldown_minutes=0)
    user = make_user("drawer", project=project, roles=[ProjectRole.annotator])
    draft = import_rulebook(db.session, project, parse_rulebook(MINIMAL))
    for n in range(6):
        add_question(db.session, draft, _q(f"Q{n}?", choices=("r", "w1", "w2", "w3")))
    set_quiz_length(db.session, draft, 4)
    version = publish_with_training(db.session, draft)
    module = module_for_version(db.session, version)
    first, again = draw(module, 12345), draw(module, 12345)
    assert [(d.question.key, d.order) for d in first] == [(d.question.key, d.order) for d in again]
    assert len(first) == 4 and len({d.question.key for d in first}) == 4
    draws = {tuple((d.question.key, d.order) for d in draw(module, seed)) for seed in range(20)}
    assert len(draws) > 1  # different seeds ask differently
    assert {tuple(d.question.key for d in draw(module, s)) for s in range(40)} != {
        tuple(q.key for q in module.questions[:4])
    }
    # Submitting with a seed grades the drawn questions only and records seed and order.
    answers = {d.question.key: d.question.answer for d in first}
    now = utcnow()
    attempt = submit_attempt(
        db.session,
        user,
        module,
        answers,
        token=uuid.uuid4().hex,
        started_at=now - timedelta(minutes=1),
        now=now,
        seed=12345,
    )
    assert attempt.passed and attempt.score == 1.0 and attempt.seed == 12345
    assert attempt.question_order == [[d.question.key, list(d.order)] for d in first]
    assert set(attempt.answers["questions"]) == set(answers)


def test_a_question_may_be_written_in_both_languages(db, make_project):
    from annotate.services.training.wording import localized

    project = make_project("both")
    draft = import_rulebook(db.session, project, parse_rulebook(MINIMAL))
    base = _q("Which label?", choices=("yes", "no"))
    for language, prompt, choices, message in (
        ("", "哪个标签？", ["是", "否"], "Choose the language"),
        ("fr", "哪个标签？", ["是", "否"], "Choose the language"),
        ("zh", "", ["是", "否"], "Write the question in that language"),
        ("zh", "哪个标签？", ["是"], "Translate every choice"),
    ):
        data = QuestionInput(**{**base.__dict__, "language": language})
        data.translated_prompt, data.translated_choices = prompt, choices
        with pytest.raises(InvalidInput) as refused:
            add_question(db.session, draft, data)
        assert any(message in p for p in refused.value.problems)
    data = QuestionInput(**{**base.__dict__, "language": "zh"})
    data.translated_prompt, data.translated_choices = "哪个标签？", ["是", "否"]
    data.translated_explanation = "因为 R1.1。"
    question = add_question(db.session, draft, data)
    assert localized(question, "zh").prompt == "哪个标签？"
    assert localized(question, "zh").choices == ["是", "否"]
    assert localized(question, "en").prompt == "Which label?"
    publish_with_training(db.session, draft)
    copy = module_for_version(db.session, new_draft_with_quiz(db.session, draft, "2.0.0"))
    assert copy.questions[0].translations == question.translations
