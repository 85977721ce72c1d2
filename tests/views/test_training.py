"""Training pages (annotator) and rulebook/transcript pages (manager) over HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent, ProjectRole, TrainingAttempt
from annotate.services.training.modules import module_for_version
from annotate.services.training.publishing import import_path, publish_with_training

GUIDELINES = Path(__file__).resolve().parents[2] / "guidelines"


@pytest.fixture
def world(db, make_project, make_user):
    project = make_project(
        "senti", labels=["positive", "negative", "neutral", "mixed"], training_cooldown_minutes=0
    )
    other = make_project("other")
    users = {
        "ann": make_user("ann", project=project, roles=[ProjectRole.annotator]),
        "mgr": make_user("mgr", project=project, roles=[ProjectRole.manager]),
        "outsider_mgr": make_user("omgr", project=other, roles=[ProjectRole.manager]),
    }
    result = import_path(db.session, GUIDELINES / "sentiment", project)
    publish_with_training(db.session, result.versions[0])
    db.session.commit()
    return project, users, result.versions


def _quiz_post(client, module_id, answers):
    page = client.get(f"/annotate/training/modules/{module_id}/quiz")
    assert page.status_code == 200
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.text)[1]
    data = {"token": token, **{f"q_{k}": str(v) for k, v in answers.items()}}
    return token, client.post(f"/annotate/training/modules/{module_id}/quiz", data=data)


def test_quiz_flow_fail_then_pass(db, client, login, world):
    project, users, (v1, _) = world
    login("ann")
    page = client.get("/annotate/training/")
    assert 'data-step="training"' in page.text and "pass its quiz" in page.text
    module = module_for_version(db.session, v1)
    read = client.get(f"/annotate/training/modules/{module.id}")
    assert 'id="clause-R1.1"' in read.text and "Start the quiz" in read.text
    right = {q.key: q.answer for q in module.questions}
    wrong = {k: (v + 1) % 4 for k, v in right.items()}
    token, response = _quiz_post(client, module.id, wrong)
    assert response.status_code == 302
    result = client.get(response.headers["Location"])
    assert "Not passed." in result.text and "Clauses to re-read" in result.text
    # After a failed attempt with attempts left: which questions were wrong, not the answers.
    assert module.questions[0].explanation.split("(")[0].strip()[:30] not in result.text
    assert 'id="answers-hidden"' in result.text and "data-answer" not in result.text
    again = client.post(
        f"/annotate/training/modules/{module.id}/quiz",
        data={"token": token, **{f"q_{k}": "0" for k in right}},
        follow_redirects=True,
    )
    assert "already submitted" in again.text
    assert db.session.scalar(sa.select(sa.func.count(TrainingAttempt.id))) == 1
    _, response = _quiz_post(client, module.id, right)
    result = client.get(response.headers["Location"])
    assert "Passed." in result.text and "You may annotate in" in result.text
    assert module.questions[0].explanation.split("(")[0].strip()[:30] in result.text
    assert "You may annotate." in client.get("/annotate/training/").text


def test_quiz_form_errors_are_400_and_tampering_refused(db, client, login, world):
    _, _, (v1, _) = world
    login("ann")
    module = module_for_version(db.session, v1)
    page = client.get(f"/annotate/training/modules/{module.id}/quiz")
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.text)[1]
    partial = client.post(
        f"/annotate/training/modules/{module.id}/quiz", data={"token": token, "q_q1": "0"}
    )
    assert partial.status_code == 400 and "Answer every question" in partial.text
    forged = client.post(
        f"/annotate/training/modules/{module.id}/quiz", data={"token": token + "x"}
    )
    assert forged.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(TrainingAttempt.id))) == 0


def test_minor_revision_acknowledgement_page(db, client, login, world, tmp_path):
    project, users, (v1, _) = world
    module = module_for_version(db.session, v1)
    login("ann")
    _, response = _quiz_post(client, module.id, {q.key: q.answer for q in module.questions})
    minor_text = v1.body.replace("version: 1.0.0", "version: 1.1.0").replace(
        "change_note: First published version.", "change_note: Clarified R2.7 examples."
    )
    minor_text = minor_text.replace(
        '"凑合" — are `neutral`.', '"凑合", "马马虎虎" — are `neutral`.'
    )
    (tmp_path / "v1.1.0.md").write_text(minor_text)
    minor = import_path(db.session, tmp_path / "v1.1.0.md", project).versions[0]
    publish_with_training(db.session, minor)
    db.session.commit()
    assert 'data-step="acknowledge"' in client.get("/annotate/training/").text
    page = client.get("/annotate/training/projects/senti/acknowledge")
    assert "Clarified R2.7 examples." in page.text and 'id="diff-R2.7"' in page.text
    unticked = client.post(
        "/annotate/training/projects/senti/acknowledge", data={"sha256": minor.sha256}
    )
    assert unticked.status_code == 400 and "Tick the box" in unticked.text
    stale = client.post(
        "/annotate/training/projects/senti/acknowledge", data={"sha256": v1.sha256, "confirm": "y"}
    )
    assert stale.status_code == 409 and "differs" in stale.text
    signed = client.post(
        "/annotate/training/projects/senti/acknowledge",
        data={"sha256": minor.sha256, "confirm": "y"},
        follow_redirects=True,
    )
    assert "you acknowledged" in signed.text and "You may annotate." in signed.text


def test_manager_pages_are_per_project(db, client, login, world):
    login("omgr")
    assert client.get("/admin/projects/senti/rulebooks/").status_code == 403
    assert client.get("/admin/projects/senti/training/").status_code == 403
    assert client.get("/admin/projects/nope/rulebooks/").status_code == 404
    client.post("/logout")
    login("mgr")
    history = client.get("/admin/projects/senti/rulebooks/")
    assert history.status_code == 200 and "2.0.0" in history.text
    diff = client.get("/admin/projects/senti/rulebooks/diff?a=1.0.0&b=2.0.0")
    assert 'id="diff-R1.6"' in diff.text and "major" in diff.text
    assert client.get("/admin/projects/senti/rulebooks/1.0.0/edit").status_code == 302


def test_edit_draft_refuses_bad_input_and_renders_inert_html(db, client, login, world):
    _, _, (_, v2) = world
    login("mgr")
    broken = v2.body.replace("## Method", "## Methods")
    bad_version = client.post(
        "/admin/projects/senti/rulebooks/2.0.0/edit",
        data={"body": v2.body.replace("2.0.0", "2.0.1", 1)},
    )
    assert bad_version.status_code == 400 and "version must stay" in bad_version.text
    evil = broken.replace(
        "## Goal\n",
        "## Goal\n<script>alert(1)</script>"
        '<img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>\n',
    )
    saved = client.post("/admin/projects/senti/rulebooks/2.0.0/edit", data={"body": evil})
    assert saved.status_code == 302
    page = client.get("/admin/projects/senti/rulebooks/2.0.0")
    assert "<script>alert(1)" not in page.text and "onerror" not in page.text
    assert "javascript:" not in page.text
    assert "the required section(s) ## Method are missing" in page.text  # warned on save
    confirm = client.get("/admin/projects/senti/rulebooks/2.0.0/publish")
    assert confirm.status_code == 200 and "missing required section" in confirm.text
    db.session.rollback()
    v2_sha = db.session.get(type(v2), v2.id).sha256
    refused = client.post(
        "/admin/projects/senti/rulebooks/2.0.0/publish", data={"sha256": v2_sha, "confirm": "y"}
    )
    # a failed publish goes back to the confirmation page (GET), the error shown there
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/2.0.0/publish")
    assert "missing required section" in client.get(refused.headers["Location"]).text
    db.session.rollback()
    fixed = client.post(
        "/admin/projects/senti/rulebooks/2.0.0/edit",
        data={"body": evil.replace("## Methods", "## Method")},
    )
    assert fixed.status_code == 302
    db.session.rollback()
    v2_sha = db.session.get(type(v2), v2.id).sha256
    unconfirmed = client.post(
        "/admin/projects/senti/rulebooks/2.0.0/publish", data={"sha256": v2_sha}
    )
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
    published = client.post(
        "/admin/projects/senti/rulebooks/2.0.0/publish",
        data={"sha256": v2_sha, "confirm": "y"},
        follow_redirects=True,
    )
    assert "major version" in published.text
    again = client.post(
        "/admin/projects/senti/rulebooks/2.0.0/publish", data={"sha256": v2_sha, "confirm": "y"}
    )
    assert again.status_code == 303  # already published: back to the version, nothing changes
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"rulebook.edit", "rulebook.publish"} <= actions


def test_transcript_page_revoke_and_csv(db, client, login, world):
    _, _, (v1, _) = world
    module = module_for_version(db.session, v1)
    login("ann")
    _quiz_post(client, module.id, {q.key: q.answer for q in module.questions})
    client.post("/logout")
    login("mgr")
    page = client.get("/admin/projects/senti/training/")
    assert page.status_code == 200 and "transcript-ann" in page.text
    qid = re.search(r"/training/qualifications/(\d+)/revoke", page.text)[1]
    empty = client.post(
        f"/admin/projects/senti/training/qualifications/{qid}/revoke", data={"reason": ""}
    )
    assert empty.status_code == 400
    done = client.post(
        f"/admin/projects/senti/training/qualifications/{qid}/revoke",
        data={"reason": "review accuracy 0.81"},
        follow_redirects=True,
    )
    assert "review accuracy 0.81" in done.text
    csv_text = client.get("/admin/projects/senti/training.csv").text
    assert csv_text.splitlines()[0].startswith("project,annotator,event,module")
    assert "revocation" in csv_text and "review accuracy 0.81" in csv_text
