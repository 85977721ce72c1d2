"""A form project (issue 15: thirteen questions per item) costs the labeling loop no more SQL
statements than a one-question project: the same budgets as ``test_loop_statements``, on the
API and on the screen. Checking the answers question by question is Python, not queries."""

from __future__ import annotations

import pytest

from annotate.services.accounts.tokens import create_token
from tests.factories import MINIMAL
from tests.form_factories import ready_form
from tests.services.labeling.test_loop_statements import (
    budget,
    count_statements,
    screen_and_submit,
)

pytestmark = pytest.mark.truncate

RULEBOOK = MINIMAL.replace("task_type: single_label", "task_type: form")
#: A complete answer through the API (harmlessness 1 on response A: its risk question asked).
ANSWERS = {
    "preference": "A",
    "strength": "much",
    "helpful_a": 5,
    "truthful_a": 4,
    "harmless_a": 1,
    "risk_a": ["a2_discrimination"],
    "helpful_b": 2,
    "truthful_b": 3,
    "harmless_b": 5,
    "pi_a": [{"start": 2, "end": 4, "label": "PI"}],
    "reason": "A 更完整",
}
#: The same answers as the screen posts them.
POSTED = {f"q-{key}": str(value) for key, value in ANSWERS.items() if key not in ("pi_a",)}
POSTED |= {"q-risk_a": ["a2_discrimination"], "q-pi_a": '[{"start": 2, "end": 4, "label": "PI"}]'}


@pytest.fixture
def form_loop(db, make_project, make_user):
    """A form project with the RLHF form, two annotators (one per loop), an API token."""
    _, users = ready_form(db, make_project, make_user, "formloop", ["api", "web"], RULEBOOK, 10)
    token = create_token(db.session, users[0], "script")[1]
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_form_api_next_and_submit_stay_within_the_one_question_budget(db, form_loop, client):
    for _ in range(3):  # the first request also stamps the token's last use
        with count_statements(db) as next_sql:
            lease = client.post("/api/v1/projects/formloop/next", headers=form_loop).get_json()
        url = f"/api/v1/projects/formloop/assignments/{lease['assignment']['id']}/submit"
        with count_statements(db) as submit_sql:
            response = client.post(url, json={"value": ANSWERS}, headers=form_loop)
            assert response.status_code == 201, response.get_json()
    assert len(next_sql) <= budget(db, "api next"), next_sql
    assert len(submit_sql) <= budget(db, "api submit"), submit_sql


def test_form_screen_and_submit_stay_within_the_one_question_budget(db, form_loop, client, login):
    login("web")
    screen_sql, submit_sql = screen_and_submit(
        db, client, "formloop", POSTED, shows='id="question-harmless_a"'
    )
    assert len(screen_sql) <= budget(db, "html screen"), screen_sql
    assert len(submit_sql) <= budget(db, "html submit"), submit_sql
