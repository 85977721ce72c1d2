"""The labeling loop stays cheap and exact: a handful of SQL statements per request, nothing
about the gate cached across requests, the immutable clause cache keyed by content.

The statement budgets are a little above what the loop needs today (``bench/http_loop.py``
measures the speed); a change that brings back an N+1 or a per-request reload fails here.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from annotate.database import utcnow
from annotate.models import (
    Acknowledgement,
    Annotation,
    Assignment,
    AssignmentStatus,
    Membership,
    ProjectRole,
    Qualification,
)
from annotate.services.accounts.tokens import create_token, revoke_token
from annotate.services.errors import InvalidInput
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next
from annotate.services.labeling.clauses import published_clauses
from annotate.services.labeling.fastpath import commit_keeping_loaded
from annotate.services.rulebooks.parsing import parse_rulebook
from annotate.services.rulebooks.versions import current_version, import_rulebook, update_draft
from annotate.services.training.gate import NotQualified
from annotate.services.training.publishing import publish_with_training
from annotate.services.training.qualification import revoke_qualification
from tests.factories import MINIMAL, make_ready

#: Real commits: a rolled-back test would count its SAVEPOINT statements.
pytestmark = pytest.mark.truncate

#: Statements per request, at most. Today: next 5 (token with the project and roles; the gate
#: with the membership lock, the live lease and whether any lease is overdue; slot; lease;
#: count served; the token's last use is stamped once a minute), submit 4 (token with the
#: project; the lease with the gate; lease closed; annotation; a re-annotation also
#: supersedes), the screen 6 (project; gate with the live lease; slot; lease; count served;
#: progress) and its submit 4 (project; lease with the gate; lease closed; annotation). The
#: test client keeps the logged-in user loaded; a server loads it (one more).
#: Each submit is also an audit event: on PostgreSQL it is written in the annotation's
#: INSERT (one statement, annotate/services/labeling/recording.py); SQLite has no
#: data-modifying CTEs, so there it costs one INSERT more (SQLITE_EXTRA).
BUDGET = {"api next": 5, "api submit": 4, "html screen": 6, "html submit": 4}
SQLITE_EXTRA = {"api submit": 1, "html submit": 1}


def budget(db, name: str) -> int:
    """The budget of request ``name`` on the test database's dialect."""
    extra = SQLITE_EXTRA.get(name, 0) if db.engine.dialect.name == "sqlite" else 0
    return BUDGET[name] + extra


@contextmanager
def count_statements(db):
    """Count the SQL statements sent while the block runs, from a fresh session (as a new
    request in production: nothing in the identity map)."""
    db.session.remove()
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def loop(db, make_project, make_user):
    """A ready project (k=2, some overlap and gold), two annotators, API tokens."""
    project = make_project("loop", redundancy_k=2, overlap_share=0.5, gold_rate=0.2)
    users = [make_user(f"ann{n}", project=project, roles=[ProjectRole.annotator]) for n in range(2)]
    make_ready(db, project, users, n_items=20, gold=range(0, 20, 5))
    tokens = [create_token(db.session, user, "script")[1] for user in users]
    db.session.commit()
    return project, users, [{"Authorization": f"Bearer {t}"} for t in tokens]


def _next(client, auth):
    return client.post("/api/v1/projects/loop/next", headers=auth)


def _submit(client, auth, assignment_id, value="yes"):
    return client.post(
        f"/api/v1/projects/loop/assignments/{assignment_id}/submit",
        json={"value": value},
        headers=auth,
    )


def test_api_next_and_submit_stay_within_their_statement_budget(db, loop, client):
    _, _, (auth, _) = loop
    for _ in range(3):  # the first request also stamps the token's last use
        with count_statements(db) as next_sql:
            lease = _next(client, auth).get_json()["assignment"]
        with count_statements(db) as submit_sql:
            assert _submit(client, auth, lease["id"]).status_code == 201
    assert len(next_sql) <= budget(db, "api next"), next_sql
    assert len(submit_sql) <= budget(db, "api submit"), submit_sql
    assert submit_sql[-1].lstrip().startswith(("INSERT INTO audit_events", "WITH"))
    assert not [s for s in next_sql + submit_sql if s.lstrip().startswith("SELECT clauses")]


def screen_and_submit(db, client, slug: str, data: dict, shows: str | None = None):
    """Label three items through the labeling screen of ``slug`` (posting ``data``; each
    screen must show ``shows`` when given) and return the statements of the last screen and
    of its submit: the first rounds warm the caches."""
    for _ in range(3):
        with count_statements(db) as screen_sql:
            page = client.get(f"/annotate/{slug}").get_data(as_text=True)
        if shows is not None:
            assert shows in page
        action = re.search(r'id="answer-form" action="([^"]+)"', page)[1]
        with count_statements(db) as submit_sql:
            assert client.post(action, data=data).status_code == 302
    return screen_sql, submit_sql


def test_html_screen_and_submit_stay_within_their_statement_budget(db, loop, client, login):
    login("ann0")
    screen_sql, submit_sql = screen_and_submit(db, client, "loop", {"label": "yes"})
    assert len(screen_sql) <= budget(db, "html screen"), screen_sql
    assert len(submit_sql) <= budget(db, "html submit"), submit_sql


def test_the_page_after_the_claim_shows_the_lease_it_wrote(db, loop, client, login):
    project, (alice, _), _ = loop
    login("ann0")
    page = client.get("/annotate/loop").get_data(as_text=True)
    lease = db.session.scalar(sa.select(Assignment).where(Assignment.annotator_id == alice.id))
    assert f"/annotate/loop/{lease.id}/submit" in page and 'id="R1.1"' in page
    assert client.get("/annotate/loop").get_data(as_text=True).count(f"/{lease.id}/submit")
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 1


def test_revoked_qualification_blocks_the_very_next_claim_and_submit(db, loop, client):
    project, (alice, _), (auth, _) = loop
    lease = _next(client, auth).get_json()["assignment"]
    qualification = db.session.scalar(
        sa.select(Qualification).where(Qualification.user_id == alice.id)
    )
    revoke_qualification(db.session, qualification, "retrain", actor=None)
    db.session.commit()
    refused = _submit(client, auth, lease["id"])
    assert refused.status_code == 403 and refused.get_json()["step"] == "training"
    again = _next(client, auth)
    assert again.status_code == 403 and again.get_json()["step"] == "training"
    assert db.session.scalar(sa.select(sa.func.count(Annotation.id))) == 0


def test_suspension_and_token_revocation_apply_on_the_next_request(db, loop, client):
    project, (alice, bob), (auth, bob_auth) = loop
    lease = _next(client, auth).get_json()["assignment"]
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == alice.id))
    membership.suspended_at, membership.suspended_reason = utcnow(), "gold accuracy"
    db.session.commit()
    refused = _submit(client, auth, lease["id"])
    assert refused.status_code == 403 and refused.get_json()["step"] == "suspended"
    assert _next(client, auth).get_json()["step"] == "suspended"
    assert _next(client, bob_auth).status_code == 200
    token = bob.api_tokens[0]
    revoke_token(db.session, bob, token.id)
    db.session.commit()
    assert _next(client, bob_auth).status_code == 401


def test_a_new_major_version_needs_training_at_once(db, loop, client):
    project, _, (auth, _) = loop
    assert _next(client, auth).status_code == 200
    publish_with_training(
        db.session,
        import_rulebook(db.session, project, parse_rulebook(MINIMAL.replace("1.0.0", "2.0.0"))),
    )
    db.session.commit()
    refused = _next(client, auth)
    assert refused.status_code == 403 and refused.get_json()["step"] == "training"


def test_cited_clauses_are_checked_against_the_version_of_the_day(db, loop):
    project, (alice, bob), _ = loop
    v1 = current_version(db.session, project)
    assert [c.key for c in published_clauses(db.session, v1)] == ["R1.1"]
    claim = claim_next(db.session, alice, project)
    db.session.commit()
    with pytest.raises(InvalidInput, match="R1.2"):
        submit_annotation(
            db.session, claim.assignment.id, alice, project, "yes", clause_keys=["R1.2"]
        )
    db.session.rollback()
    text = MINIMAL.replace("1.0.0", "1.1.0") + "### R1.2 Second rule\nMore.\n"
    v11 = publish_with_training(
        db.session, import_rulebook(db.session, project, parse_rulebook(text))
    )
    for user in (alice, bob):  # a minor version: acknowledged, still qualified
        db.session.add(
            Acknowledgement(user_id=user.id, rulebook_version_id=v11.id, sha256=v11.sha256)
        )
    db.session.commit()
    assert [c.key for c in published_clauses(db.session, v11)] == ["R1.1", "R1.2"]
    assert [c.key for c in published_clauses(db.session, v1)] == ["R1.1"]
    annotation = submit_annotation(
        db.session, claim.assignment.id, alice, project, "yes", clause_keys=["R1.2"]
    )
    assert annotation.rulebook_version_id == v11.id and annotation.clause_keys == ["R1.2"]


def test_drafts_are_never_cached(db, make_project):
    project = make_project("drafts")
    draft = import_rulebook(db.session, project, parse_rulebook(MINIMAL))
    assert [c.key for c in published_clauses(db.session, draft)] == ["R1.1"]
    update_draft(db.session, draft, MINIMAL.replace("R1.1 First", "R9.9 Other"))
    assert [c.key for c in published_clauses(db.session, draft)] == ["R9.9"]


def test_a_reannotation_supersedes_the_loaded_annotation_in_the_same_session(db, loop):
    project, (alice, _), _ = loop
    claim = claim_next(db.session, alice, project)
    first = submit_annotation(db.session, claim.assignment.id, alice, project, "yes")
    again = Assignment(
        item_id=claim.assignment.item_id,
        annotator_id=alice.id,
        round=2,
        lease_expires_at=utcnow() + timedelta(minutes=5),
    )
    db.session.add(again)
    db.session.flush()
    second = submit_annotation(db.session, again.id, alice, project, "no")
    assert first.is_current is False and first.superseded_by_id == second.id
    assert claim.assignment.status == AssignmentStatus.submitted
    assert again.status == AssignmentStatus.submitted


def test_commit_keeping_loaded_restores_expiry(db, loop):
    project, (alice, _), _ = loop
    claim = claim_next(db.session, alice, project)
    commit_keeping_loaded(db.session)
    assert "status" in claim.assignment.__dict__  # still loaded: no reload to read it
    db.session.commit()
    assert "status" not in claim.assignment.__dict__  # a plain commit expires again


def test_the_gate_refuses_before_anything_is_written(db, loop):
    project, (alice, _), _ = loop
    db.session.scalar(
        sa.select(Membership).where(Membership.user_id == alice.id)
    ).suspended_at = utcnow()
    with pytest.raises(NotQualified):
        claim_next(db.session, alice, project)
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


def test_the_count_of_items_served_grows_by_one_per_new_lease(db, loop):
    project, (alice, _), _ = loop
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == alice.id))
    first = claim_next(db.session, alice, project)
    db.session.commit()
    assert claim_next(db.session, alice, project).resumed
    db.session.commit()
    db.session.refresh(membership)
    assert membership.served == 1
    submit_annotation(db.session, first.assignment.id, alice, project, "yes")
    claim_next(db.session, alice, project)
    db.session.commit()
    db.session.refresh(membership)
    assert (
        membership.served
        == 2
        == db.session.scalar(
            sa.select(sa.func.count(Assignment.id)).where(Assignment.annotator_id == alice.id)
        )
    )


def _caller() -> str:
    """The innermost frame of annotate's own code on the stack."""
    import traceback

    for frame in reversed(traceback.extract_stack()):
        if "/annotate/" in frame.filename:
            return f"{frame.filename.rsplit('/annotate/', 1)[1]}:{frame.lineno}"
    return "?"


@contextmanager
def count_built_statements(monkeypatch):
    """Record every SELECT, INSERT, UPDATE and EXISTS constructed while the block runs: the
    labeling loop builds its statements once, since building one (and working out its cache
    key) costs more in Python than the database takes to run it."""
    from sqlalchemy.sql import dml, selectable

    built: list[str] = []
    for cls in (selectable.Select, selectable.Exists, dml.Insert, dml.Update):
        original = cls.__init__

        def counting(self, *args, __original=original, __name=cls.__name__, **kwargs):
            built.append(f"{__name} at {_caller()}")
            __original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__init__", counting)
    yield built
    monkeypatch.undo()


def _fresh(request, *args, **kwargs):
    """Send a request as a server would: a new session, no user loaded yet (the tests' app
    context outlives a request; a server's does not)."""
    from flask import g

    from annotate.database import db

    db.session.remove()
    g.pop("_login_user", None)
    return request(*args, **kwargs)


def test_the_loop_builds_no_statement_per_request(db, loop, client, login, monkeypatch):
    _, _, (auth, _) = loop
    login("ann1")
    from annotate.services.labeling.assignment import _slot_statement

    for gold in (True, False):  # built once each, on the first claim that wants it
        _slot_statement(gold)
    for _ in range(2):  # the first round builds what is built once
        with count_built_statements(monkeypatch) as built:
            lease = _fresh(_next, client, auth).get_json()["assignment"]
            assert _fresh(_submit, client, auth, lease["id"]).status_code == 201
            page = _fresh(client.get, "/annotate/loop").get_data(as_text=True)
            action = re.search(r'id="answer-form" action="([^"]+)"', page)[1]
            assert _fresh(client.post, action, data={"label": "yes"}).status_code == 302
    assert built == [], built
