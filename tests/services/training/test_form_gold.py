"""Gold quiz questions of a form project target one question of the form (issue 15): the
item's fields and the question are asked, graded on that question's gold answer only."""

from __future__ import annotations

from annotate.models import Item, QuizQuestion
from annotate.services.projects.questions import questions_of
from annotate.services.rulebooks.parsing import parse_rulebook
from annotate.services.rulebooks.versions import import_rulebook
from annotate.services.training.form_gold import form_gold_pairs
from annotate.services.training.modules import module_for_version
from annotate.services.training.publishing import publish_with_training
from tests.factories import MINIMAL
from tests.form_factories import form_project


def test_form_gold_questions_target_one_question(db):
    project, items, _truths = form_project(db.session, n_items=10, gold_every=5)
    gold = [i for i in items if i.gold_answer is not None]
    # A gold item may fix only some questions: this one fixes the preference only.
    gold[1].gold_answer = {"preference": gold[1].gold_answer["preference"]}
    db.session.flush()
    pairs = form_gold_pairs(db.session, None, project)
    by_item = {}
    for item, question in pairs:
        by_item.setdefault(item.id, set()).add(question.key)
    assert by_item[gold[1].id] == {"preference"}
    asked = {
        q.key
        for q in questions_of(project)
        if q.type.value in ("single_label", "pairwise", "rating")
    }
    assert by_item[gold[0].id] <= asked and "helpful_a" in by_item[gold[0].id]
    assert "reason" not in by_item[gold[0].id]  # free text is not a quiz question

    draft = import_rulebook(db.session, project, parse_rulebook(MINIMAL))
    version = publish_with_training(db.session, draft)
    module = module_for_version(db.session, version)
    questions: list[QuizQuestion] = [q for q in module.questions if q.gold_item_id]
    assert len(questions) == 2
    for quiz in questions:
        item = db.session.get(Item, quiz.gold_item_id)
        key = quiz.key.split("-", 2)[2]
        target = next(q for q in questions_of(project) if q.key == key)
        gold_answer = item.gold_answer[key]
        if isinstance(gold_answer, dict):
            gold_answer = gold_answer["choice"]
        assert quiz.choices[quiz.answer] == f"{gold_answer}"
        assert item.payload["response_a"] in quiz.prompt and target.name in quiz.prompt
        assert target.name_zh in quiz.translations["zh"]["prompt"]
