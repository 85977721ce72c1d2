"""Rulebook lifecycle: directory imports (all or nothing, with quizzes), the legal module,
drafts, clause-aware diffs, the CLI (import/publish/diff/list, export training)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from annotate.models import (
    ProjectRole,
    Qualification,
    RulebookVersion,
    TrainingModule,
    VersionStatus,
)
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.rulebooks.diff import diff_versions, render_text
from annotate.services.rulebooks.parsing import parse_rulebook_file
from annotate.services.rulebooks.versions import (
    find_version,
    new_draft_from,
    publish_version,
    update_draft,
)
from annotate.services.training.modules import module_for_version
from annotate.services.training.publishing import import_path
from tests.factories import MINIMAL

GUIDELINES = Path(__file__).resolve().parents[3] / "guidelines"


def test_legal_module_parses_without_task_type_or_labels():
    parsed = parse_rulebook_file(GUIDELINES / "legal-awareness" / "module.md")
    assert parsed.front_matter["kind"] == "legal"
    assert [c.key for c in parsed.clauses][:2] == ["L1", "L2"]


def test_sentiment_directory_imports_both_versions_with_quizzes(db, make_project):
    project = make_project("senti")
    result = import_path(db.session, GUIDELINES / "sentiment", project)
    assert [v.version for v in result.versions] == ["1.0.0", "2.0.0"]
    for version in result.versions:
        assert version.status == VersionStatus.draft
        module = module_for_version(db.session, version)
        clause_keys = {c.key for c in version.clauses}
        assert module.questions and all(q.clause_key in clause_keys for q in module.questions)
    with pytest.raises(Conflict, match="already exists"):
        import_path(db.session, GUIDELINES / "sentiment" / "v1.0.0.md", project)


def test_directory_import_is_all_or_nothing(db, make_project, tmp_path):
    project = make_project("aon")
    shutil.copy(GUIDELINES / "sentiment" / "v1.0.0.md", tmp_path / "v1.0.0.md")
    broken = MINIMAL.replace("1.0.0", "1.1.0").replace('labels: ["yes", "no"]\n', "")
    (tmp_path / "v1.1.0.md").write_text(broken.replace("## Method\nm\n", ""))
    (tmp_path / "v1.0.0.quiz.yaml").write_text(
        "rulebook: sentiment\nversion: 1.0.0\nquestions:\n  - {key: q1}\n"
    )
    with pytest.raises(InvalidInput) as info:
        import_path(db.session, tmp_path, project)
    problems = info.value.problems
    assert f"{tmp_path}/v1.1.0.md:2: front matter lacks 'labels'" in problems
    assert f"{tmp_path}/v1.1.0.md: missing required section '## Method'" in problems
    assert any(p.startswith(f"{tmp_path}/v1.0.0.quiz.yaml:4: question 1 lacks") for p in problems)
    assert db.session.scalar(sa.select(sa.func.count(RulebookVersion.id))) == 0


def test_edit_draft_then_publish_and_diff(db, make_project):
    project = make_project("edit")
    result = import_path(db.session, GUIDELINES / "sentiment", project)
    v1, v2 = result.versions
    publish_version(db.session, v1)
    with pytest.raises(InvalidInput, match="version must stay"):
        update_draft(db.session, v2, v2.body.replace("version: 2.0.0", "version: 3.0.0"))
    edited = v2.body.replace("### R3.1 When to skip", "### R3.1 When to skip an item")
    update_draft(db.session, v2, edited)
    diff = diff_versions(v1, v2)
    assert diff.bump == "major"
    status = {c.key: c.status for c in diff.clauses}
    assert status["R1.6"] == "added" and status["R1.1"] == "changed"
    assert status["R3.1"] == "changed" and status["R2.1"] == "unchanged"
    assert diff.front_matter == []  # labels unchanged; the change note is shown apart
    text = render_text(diff)
    assert "[added] R1.6 Product versus service" in text
    publish_version(db.session, v2)
    assert v2.requires_retraining
    with pytest.raises(Conflict, match="not newer"):
        publish_version(db.session, new_draft_from(db.session, v1, "1.1.0"))


def test_cli_import_publish_diff_list_and_errors(app, db, runner, make_project, make_user):
    make_project("cli")
    make_user("editor", admin=True)
    runner.env = {"ANNOTATE_ACTOR": "editor"}
    result = runner.invoke(
        args=["rulebook", "import", str(GUIDELINES / "sentiment"), "--project", "cli"]
    )
    assert result.exit_code == 0, result.output
    assert "Imported sentiment 2.0.0 as a draft" in result.output
    result = runner.invoke(args=["rulebook", "import", str(GUIDELINES / "legal-awareness")])
    assert result.exit_code == 0 and "Installed training module legal-awareness" in (result.output)
    result = runner.invoke(args=["rulebook", "publish", "cli", "1.0.0"])
    assert result.exit_code == 0 and "must pass its quiz" in result.output
    result = runner.invoke(args=["rulebook", "publish", "cli", "1.0.0"])
    assert result.exit_code == 1 and "never change" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(args=["rulebook", "diff", "cli", "1.0.0", "2.0.0"])
    assert result.exit_code == 0 and "[added] R1.6" in result.output
    result = runner.invoke(args=["rulebook", "diff", "cli", "1.0.0", "9.9.9"])
    assert result.exit_code == 1 and "No rulebook version '9.9.9'" in result.output
    result = runner.invoke(args=["rulebook", "list", "cli"])
    assert "2.0.0\tdraft" in result.output and "1.0.0\tpublished" in result.output
    result = runner.invoke(args=["rulebook", "import", str(GUIDELINES / "sentiment")])
    assert result.exit_code == 1 and "needs a target project" in result.output
    result = runner.invoke(args=["rulebook", "import", "/nonexistent", "--project", "cli"])
    assert result.exit_code == 1 and "no such file" in result.output
    assert db.session.scalar(sa.select(sa.func.count(TrainingModule.id))) == 3


def test_export_training_csv(app, db, runner, make_project, make_user, tmp_path):
    from datetime import timedelta

    from annotate.database import utcnow
    from annotate.services.training.attempts import submit_attempt
    from annotate.services.training.qualification import revoke_qualification

    project = make_project("tr")
    user = make_user("worker", project=project, roles=[ProjectRole.annotator])
    v1 = import_path(db.session, GUIDELINES / "sentiment" / "v1.0.0.md", project).versions[0]
    publish_version(db.session, v1)
    module = module_for_version(db.session, v1)
    right = {q.key: q.answer for q in module.questions}
    first = utcnow() - timedelta(hours=3)
    submit_attempt(
        db.session,
        user,
        module,
        {k: (v + 1) % 4 for k, v in right.items()},
        token="t1",
        started_at=first - timedelta(minutes=9),
        now=first,
    )
    later = first + timedelta(hours=2)
    submit_attempt(
        db.session,
        user,
        module,
        right,
        token="t2",
        started_at=later - timedelta(minutes=5),
        now=later,
    )
    revoke_qualification(
        db.session, db.session.scalar(sa.select(Qualification)), "-1 gold accuracy"
    )
    db.session.commit()
    out = tmp_path / "training.csv"
    result = runner.invoke(args=["export", "training", "tr", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["event"] for r in rows] == ["attempt", "attempt", "qualification", "revocation"]
    assert rows[0]["passed"] == "false" and rows[1]["passed"] == "true"
    assert rows[1]["attempt"] == "2" and rows[1]["pass_mark"] == "0.8000"
    assert rows[2]["expires_at"] and rows[3]["reason"] == "'-1 gold accuracy"
    result = runner.invoke(args=["export", "training", "nope"])
    assert result.exit_code == 1 and "No project 'nope'" in result.output
    assert find_version(db.session, project, "1.0.0").sha256 == v1.sha256
