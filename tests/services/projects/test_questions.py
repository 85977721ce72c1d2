"""Several questions per item: the form schema, its checks and answers checked per question."""

from __future__ import annotations

import copy

import pytest

from annotate.models import Annotation, Project, TaskType
from annotate.services.errors import InvalidInput
from annotate.services.projects.projects import create_project
from annotate.services.projects.questions import (
    ONLY,
    Condition,
    answer_of,
    check_form_schema,
    is_form,
    question_view,
    questions_of,
)
from annotate.services.projects.rlhf_form import rlhf_full_schema
from annotate.services.projects.schema import SchemaError
from annotate.services.projects.templates import get_template
from annotate.services.projects.values import normalise_value, required_fields
from tests.form_factories import form_payload, form_project

PAYLOAD = form_payload(1)
GOOD = {
    "preference": "A",
    "strength": "much",
    "helpful_a": 4,
    "truthful_a": 5,
    "harmless_a": 1,
    "risk_a": ["a4_rights", "a2_discrimination"],
    "pi_a": [{"start": 2, "end": 4, "label": "PI"}],
    "helpful_b": 3,
    "truthful_b": 3,
    "harmless_b": 4,
    "reason": " A 更完整 ",
}


def _project() -> Project:
    return Project(slug="f", name="f", task_type=TaskType.form, label_schema=rlhf_full_schema())


def test_the_rlhf_form_is_a_valid_schema_of_thirteen_questions():
    schema = check_form_schema(rlhf_full_schema())
    assert schema == check_form_schema(schema)  # checking is idempotent (stored form)
    project = Project(slug="f", name="f", task_type=TaskType.form, label_schema=schema)
    questions = questions_of(project)
    assert [q.key for q in questions][:3] == ["preference", "strength", "helpful_a"]
    assert len(questions) == 13
    assert required_fields(project) == ("prompt", "response_a", "response_b")
    risk = next(q for q in questions if q.key == "risk_a")
    assert risk.applies_to == "response_a"
    assert risk.show_if == Condition("harmless_a", "<=", 2)
    assert get_template("rlhf_full").form_schema == rlhf_full_schema()


def test_answers_are_checked_and_normalised_per_question():
    value, problems = normalise_value(_project(), GOOD, PAYLOAD)
    assert problems == []
    assert value["preference"] == {"choice": "A"}
    assert value["risk_a"] == ["a2_discrimination", "a4_rights"]  # schema order
    assert value["reason"] == "A 更完整"
    assert "risk_b" not in value  # not asked: harmlessness of B is 4


def test_every_wrong_answer_is_named_by_its_question():
    bad = dict(GOOD, helpful_a=9, risk_b=["a1_core_values"], unknown=1)
    del bad["reason"]
    bad["pi_a"] = [{"start": 0, "end": 999, "label": "PI"}]
    value, problems = normalise_value(_project(), bad, PAYLOAD)
    assert value is None
    assert problems == [
        "value.unknown: no such question",
        "value.helpful_a: 9 is outside the scale 1-5",
        "value.pi_a[0]: 0-999 is outside the text (0-28) or empty",
        "value.risk_b: not asked (its condition is not met)",
        "value.reason: required",
    ]
    assert normalise_value(_project(), "A", PAYLOAD)[1] == [
        "value: must be an object of answers keyed by question"
    ]


def test_conditions_follow_earlier_answers():
    tie = {k: v for k, v in GOOD.items() if k != "strength"} | {"preference": "tie"}
    assert normalise_value(_project(), tie, PAYLOAD)[1] == []
    asked = dict(GOOD)
    del asked["strength"]
    assert normalise_value(_project(), asked, PAYLOAD)[1] == ["value.strength: required"]
    assert Condition("x", "contains", "a").holds(["a", "b"])
    assert not Condition("x", "<=", 2).holds("text")  # incomparable: not shown
    assert not Condition("x", "==", 1).holds(None)


def test_span_questions_without_spans_store_none_found():
    value, problems = normalise_value(_project(), dict(GOOD, pi_a=[]), PAYLOAD)
    assert problems == [] and value["pi_a"] == []
    value, problems = normalise_value(
        _project(), {k: v for k, v in GOOD.items() if k != "pi_a"}, PAYLOAD
    )
    assert problems == [] and value["pi_a"] == []  # absent: no spans found


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda q: q.append(copy.deepcopy(q[0])), "questions-13-key", "used twice"),
        (
            lambda q: q[1].update(show_if={"question": "reason", "op": "==", "value": 1}),
            "questions-1-show_if",
            "not an earlier question",
        ),
        (
            lambda q: q[0]["labels"][1].update(hotkey="1"),
            "questions-0-labels-1-hotkey",
            "already used",
        ),
        (lambda q: q[2].update(applies_to="nowhere"), "questions-2-applies_to", "nowhere"),
        (lambda q: q[2].update(type="form"), "questions-2-type", "single_label"),
        (
            lambda q: q[2].update(show_if={"question": "preference", "op": "~"}),
            "questions-2-show_if",
            "operator",
        ),
    ],
)
def test_a_faulty_schema_is_refused_with_the_reason(change, field, words):
    schema = rlhf_full_schema()
    change(schema["questions"])
    with pytest.raises(SchemaError) as caught:
        check_form_schema(schema)
    assert field in caught.value.fields
    assert words in str(caught.value.fields[field])


def test_one_question_projects_have_one_implicit_question():
    project = Project(
        slug="s",
        name="s",
        task_type=TaskType.single_label,
        label_schema={"labels": [{"key": "yes"}, {"key": "no"}]},
    )
    (only,) = questions_of(project)
    assert only.key == ONLY and only.type == TaskType.single_label
    assert answer_of(project, "yes", ONLY) == "yes"
    assert not is_form(project)
    assert question_view(project, only).labels == project.labels


def test_create_project_checks_the_form(db):
    with pytest.raises(InvalidInput):
        create_project(db.session, "empty-form", "x", TaskType.form, label_schema={})
    project, items, truths = form_project(db.session, n_items=6)
    assert is_form(project)
    stored = db.session.query(Annotation).filter_by(item_id=items[0].id).all()
    assert len(stored) == 3
    for annotation in stored:
        assert normalise_value(project, annotation.value, items[0].payload)[1] == []
        assert answer_of(project, annotation.value, "preference")["choice"] in {
            "A",
            "B",
            "tie",
            "both_bad",
        }
    assert items[0].gold_answer == truths[items[0].id]
