"""Who ran a command: ``--as USERNAME`` / ``ANNOTATE_ACTOR``; a change without one is refused
outside the demo's database, and the actor lands in the rows and the audit events."""

from __future__ import annotations

import os
import subprocess
import sys

import sqlalchemy as sa

from annotate.models import (
    AuditEvent,
    Batch,
    BatchDecision,
    Project,
    RulebookVersion,
    SamplePlan,
    SupervisionEvent,
    User,
)
from annotate.services.audit import record_event
from tests.factories import MINIMAL, labelled_project

CREATE = ["project", "create", "senti", "--name", "S", "--task-type", "single_label"]
LABELS = ["--labels", "pos,neg"]


def _count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_change_without_an_actor_is_refused_with_the_way_out(runner, db, make_user):
    make_user("root", admin=True)
    result = runner.invoke(args=[*CREATE, *LABELS])
    assert result.exit_code == 1
    assert "--as USERNAME" in result.output and "ANNOTATE_ACTOR" in result.output
    assert "Traceback" not in result.output
    assert _count(db, Project) == 0
    unknown = runner.invoke(args=["--as", "nobody", *CREATE, *LABELS])
    assert unknown.exit_code == 1 and "no active account 'nobody'" in unknown.output
    assert _count(db, Project) == 0


def test_as_and_the_environment_name_the_actor(runner, db, make_user):
    root = make_user("root", admin=True)
    ok = runner.invoke(args=["--as", "root", *CREATE, *LABELS])
    assert ok.exit_code == 0, ok.output
    runner.env = {"ANNOTATE_ACTOR": "root"}
    made = runner.invoke(args=["user", "create", "bob", "--password-stdin"], input="pw-1234\n")
    assert made.exit_code == 0, made.output
    bob = db.session.scalar(sa.select(User).where(User.username == "bob"))
    created = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "user.create", AuditEvent.subject_id == str(bob.id)
        )
    )
    project_event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "project.create")
    )
    assert created.actor_id == root.id and project_event.actor_id == root.id


def test_the_first_account_needs_no_actor_the_second_does(runner, db):
    first = runner.invoke(
        args=["user", "create", "root", "--admin", "--password-stdin"], input="pw-12345\n"
    )
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["user", "create", "eve", "--password-stdin"], input="pw-12345\n")
    assert second.exit_code == 1 and "--as USERNAME" in second.output
    assert _count(db, User) == 1


def test_the_demo_database_needs_no_actor(runner, db, make_user):
    record_event(db.session, "demo.seed", "demo", "")
    db.session.commit()
    make_user("boss")
    result = runner.invoke(args=[*CREATE, *LABELS, "--manager", "boss"])
    assert result.exit_code == 0, result.output


def test_cli_changes_record_their_actor_in_the_rows(runner, db, tmp_path):
    labelled_project(db.session, n_items=120)
    manager = db.session.scalar(sa.select(User).where(User.username == "manager"))
    manager_id = manager.id
    runner.env = {"ANNOTATE_ACTOR": "manager"}
    data = tmp_path / "more.jsonl"
    data.write_text('{"id": "x1", "text": "new"}\n', encoding="utf-8")
    steps = [
        ["import", "demo", str(data), "--batch", "cli-batch"],
        ["sample", "draw", "demo", "reviews-2026-10", "--method", "all", "--calibration", "0"],
        ["sample", "decide", "demo", "reviews-2026-10", "--decision", "void", "--reason", "test"],
        ["supervise", "demo"],
    ]
    for args in steps:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    db.session.expire_all()
    batch = db.session.scalar(sa.select(Batch).where(Batch.name == "cli-batch"))
    assert batch.imported_by_id == manager_id
    plan = db.session.scalar(sa.select(SamplePlan))
    assert plan.created_by_id == manager_id
    assert db.session.scalar(sa.select(BatchDecision)).decided_by_id == manager_id
    alerts = db.session.scalars(sa.select(SupervisionEvent)).all()
    assert all(a.created_by_id == manager_id for a in alerts)
    events = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action.in_(["batch.import", "sample.draw", "batch.decide"])
        )
    ).all()
    assert events and all(e.actor_id == manager_id for e in events)


def test_cli_publish_fills_published_by(runner, db, make_project, make_user, tmp_path):
    make_project("rb")
    editor = make_user("editor", admin=True)
    rulebook = tmp_path / "v1.0.0.md"
    rulebook.write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "v1.0.0.quiz.yaml").write_text(
        "rulebook: demo\nversion: 1.0.0\nquestions:\n"
        "  - key: q1\n    clause: R1.1\n    prompt: Which?\n"
        "    choices: [yes, no]\n    answer: 0\n    explanation: R1.1 says so.\n",
        encoding="utf-8",
    )
    runner.env = {"ANNOTATE_ACTOR": "editor"}
    assert (
        runner.invoke(args=["rulebook", "import", str(rulebook), "--project", "rb"]).exit_code == 0
    )
    published = runner.invoke(args=["rulebook", "publish", "rb", "1.0.0"])
    assert published.exit_code == 0, published.output
    version = db.session.scalar(sa.select(RulebookVersion))
    assert version.created_by_id == editor.id and version.published_by_id == editor.id


def test_the_console_script_takes_as_before_the_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOTATE_")}
    env["ANNOTATE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'as.sqlite'}"

    def annotate(*args, stdin=None):
        return subprocess.run(
            [sys.executable, "-m", "annotate.cli", *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert annotate("init").returncode == 0
    assert (
        annotate(
            "user", "create", "root", "--admin", "--password-stdin", stdin="pw-12345\n"
        ).returncode
        == 0
    )
    refused = annotate(*CREATE, *LABELS)
    assert refused.returncode == 1 and "--as USERNAME" in refused.stderr
    done = annotate("--as", "root", *CREATE, *LABELS)
    assert done.returncode == 0, done.stderr
