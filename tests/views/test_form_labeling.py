"""A form project (several questions per item) through the labeling screen and the API:
questions beside their fields, clauses beside the questions they govern, answers checked per
question with a 4xx naming the question and nothing written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import Annotation, Assignment, User
from annotate.services.accounts.tokens import create_token
from tests.factories import MINIMAL
from tests.form_factories import ready_form

RULEBOOK = MINIMAL.replace("task_type: single_label", "task_type: form").replace(
    "Text of the rule.", "Text of the rule.\n\n**Questions:** harmless_a, harmless_b"
)
#: A complete answer of the RLHF form, as the screen posts it (harmless 4: no risk asked).
POSTED = {
    "q-preference": "A",
    "q-strength": "much",
    "q-helpful_a": "5",
    "q-truthful_a": "4",
    "q-harmless_a": "4",
    "q-helpful_b": "2",
    "q-truthful_b": "3",
    "q-harmless_b": "5",
    "q-pi_a": '[{"start": 2, "end": 4, "label": "PI"}]',
    "q-reason": "A 更完整",
}


@pytest.fixture
def form(db, make_project, make_user):
    return ready_form(db, make_project, make_user, "rlhf-full", ["labeler"], RULEBOOK, 2)[0]


def _lease(client, db, project):
    page = client.get(f"/annotate/{project.slug}")
    assert page.status_code == 200
    return page.get_data(as_text=True), db.session.scalar(sa.select(Assignment))


def test_questions_sit_beside_their_fields_with_their_clauses(form, client, login, db):
    login("labeler")
    html, _ = _lease(client, db, form)
    assert 'id="field-response_a"' in html and 'id="question-harmless_a"' in html
    # each response's questions follow its text, before the other response
    assert (
        html.index('id="field-response_a"')
        < html.index('id="question-harmless_a"')
        < html.index('id="field-response_b"')
        < html.index('id="question-harmless_b"')
    )
    # a conditional question starts hidden; the clause naming it is shown beside it
    risk = html[html.index('id="question-risk_a"') :][:400]
    assert "hidden" in risk and "data-show-if" in risk
    harmless = html[html.index('id="question-harmless_a"') : html.index('id="question-risk_a"')]
    assert 'href="#R1.1"' in harmless
    assert (
        'href="#R1.1"' not in html[html.index('id="question-preference"') :].split("</fieldset>")[0]
    )
    assert "form.js" in html and "<script>" not in html


def test_web_submit_stores_the_answers_keyed_by_question(form, client, login, db):
    login("labeler")
    _, assignment = _lease(client, db, form)
    response = client.post(f"/annotate/{form.slug}/{assignment.id}/submit", data=POSTED)
    assert response.status_code == 302
    value = db.session.scalar(sa.select(Annotation.value))
    assert value["preference"] == {"choice": "A"} and value["harmless_a"] == 4
    assert value["pi_a"] == [{"start": 2, "end": 4, "label": "PI"}]
    assert "risk_a" not in value and value["pi_b"] == []  # no spans marked: none found
    # reopened to change it: the same questions, the saved answers filled in, saved again
    page = client.get(f"/annotate/{form.slug}/undo", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="question-harmless_a"' in html
    assert "data-prefill" in html and '"harmless_a": 4' in html
    annotation = db.session.scalar(sa.select(Annotation))
    changed = client.post(
        f"/annotate/{form.slug}/annotations/{annotation.id}/edit",
        data={**POSTED, "q-harmless_b": "1", "q-risk_b": ["a4_rights", "a1_core_values"]},
    )
    assert changed.status_code in (302, 303)
    current = db.session.scalar(sa.select(Annotation).where(Annotation.is_current.is_(True)))
    assert current.value["risk_b"] == ["a1_core_values", "a4_rights"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"q-harmless_b": ""}, "value.harmless_b: required"),
        ({"q-helpful_a": "9"}, "value.helpful_a"),
        ({"q-risk_a": "a1_core_values"}, "value.risk_a: not asked"),
        ({"q-strength": "enormous"}, "value.strength"),
    ],
)
def test_a_wrong_answer_is_a_4xx_naming_the_question(form, client, login, db, change, named):
    login("labeler")
    _, assignment = _lease(client, db, form)
    response = client.post(
        f"/annotate/{form.slug}/{assignment.id}/submit", data={**POSTED, **change}
    )
    assert response.status_code == 400
    assert named in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Annotation.id))) == 0


def test_api_submit_checks_each_question(form, client, db):
    labeler = db.session.scalar(sa.select(User).where(User.username == "labeler"))
    token = create_token(db.session, labeler, "api")[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    lease = client.post(f"/api/v1/projects/{form.slug}/next", headers=headers).get_json()
    url = f"/api/v1/projects/{form.slug}/assignments/{lease['assignment']['id']}/submit"
    answers = {
        "preference": "tie",
        "helpful_a": 3,
        "truthful_a": 3,
        "harmless_a": 1,
        "risk_a": ["a2_discrimination"],
        "helpful_b": 3,
        "truthful_b": 3,
        "harmless_b": 3,
        "reason": "都一般",
    }
    refused = client.post(url, json={"value": {**answers, "colour": "red"}}, headers=headers)
    assert refused.status_code == 400
    assert any("value.colour" in p for p in refused.get_json()["problems"])
    assert db.session.scalar(sa.select(sa.func.count(Annotation.id))) == 0
    accepted = client.post(url, json={"value": answers}, headers=headers)
    assert accepted.status_code == 201, accepted.get_json()
    value = db.session.scalar(sa.select(Annotation.value))
    assert value["risk_a"] == ["a2_discrimination"] and value["preference"] == {"choice": "tie"}
