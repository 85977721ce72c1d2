"""Major/minor is checked, not declared: a minor or patch version that changes labels, the
task type or a clause's decision is refused at publication; acknowledge-only versions must
carry the project's labels."""

from __future__ import annotations

import pytest

from annotate.models import VersionStatus
from annotate.services.errors import InvalidInput
from annotate.services.rulebooks.versions import current_version
from annotate.services.training.publishing import publish_preview, publish_with_training
from tests.factories import MINIMAL, import_with_quiz, publish_rulebook


@pytest.fixture
def published(db, make_project):
    project = make_project("bump")
    version = publish_rulebook(db.session, project)
    db.session.commit()
    return project, version


def _draft(db, project, number, text=MINIMAL):
    return import_with_quiz(db.session, project, text.replace("1.0.0", number))


ADD_LABEL = MINIMAL.replace('labels: ["yes", "no"]', 'labels: ["yes", "no", "maybe"]')
RENAME_LABEL = MINIMAL.replace('labels: ["yes", "no"]', 'labels: ["yes", "nope"]')
TASK = MINIMAL.replace("task_type: single_label", "task_type: multi_label")
DECISION = MINIMAL.replace("something → `yes`", "something → `no`")
NEW_CLAUSE = MINIMAL + "\n### R1.2 Second rule\nMore.\n\n**Example:** x → `yes`\n"
REMOVED_CLAUSE = MINIMAL.replace("### R1.1 First rule", "### R1.2 Renumbered rule")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (ADD_LABEL, "adds the label(s) maybe"),
        (RENAME_LABEL, "adds the label(s) nope; it removes the label(s) no"),
        (TASK, "changes the task type from single_label to multi_label"),
        (DECISION, "changes the decision of clause(s) R1.1"),
        (REMOVED_CLAUSE, "removes the clause(s) R1.1"),
    ],
)
@pytest.mark.parametrize("number", ["1.1.0", "1.0.1"])
def test_a_minor_or_patch_number_is_refused_for_a_major_change(db, published, text, reason, number):
    project, v1 = published
    draft = _draft(db, project, number, text)
    db.session.commit()
    preview = publish_preview(db.session, draft)
    assert not preview.retraining and any(reason in p for p in preview.problems)
    with pytest.raises(InvalidInput, match="must be a major version \\(2.0.0\\)") as refused:
        publish_with_training(db.session, draft)
    assert reason in str(refused.value)
    db.session.rollback()
    assert current_version(db.session, project).id == v1.id
    assert db.session.get(type(draft), draft.id).status == VersionStatus.draft


def test_clarifications_may_be_minor_and_label_changes_major(db, published):
    project, _ = published
    wording = MINIMAL.replace("Text of the rule.", "Text of the rule, clarified.")
    example = MINIMAL.replace(
        "**Example:** something → `yes`",
        "**Example:** something → `yes`\n\n**Example:** another thing → `yes`",
    )
    minor = publish_with_training(db.session, _draft(db, project, "1.1.0", wording))
    assert minor.status == VersionStatus.published and not minor.requires_retraining
    patch = publish_with_training(db.session, _draft(db, project, "1.1.1", example))
    assert not patch.requires_retraining
    added = publish_with_training(db.session, _draft(db, project, "1.2.0", NEW_CLAUSE))
    assert not added.requires_retraining  # a new clause that changes no existing decision
    # The same label change as a major version is accepted, with re-training; the project's
    # labels are then only a warning (the manager changes them with the version).
    draft = _draft(db, project, "2.0.0", ADD_LABEL + "\n")
    preview = publish_preview(db.session, draft)
    assert preview.retraining and not preview.problems
    assert any("not in the project: maybe" in w for w in preview.warnings)
    major = publish_with_training(db.session, draft)
    assert major.requires_retraining


def test_acknowledge_only_version_must_carry_the_projects_labels(db, make_project):
    project = make_project("lbl", labels=["yes", "no", "maybe"])
    # v1 as published before labels were checked: it lacks "maybe" (major: a warning only).
    v1 = publish_rulebook(db.session, project)
    assert v1.requires_retraining
    draft = _draft(db, project, "1.1.0", MINIMAL.replace("Text of the rule.", "Clearer."))
    with pytest.raises(InvalidInput, match="missing from the rulebook: maybe"):
        publish_with_training(db.session, draft)


def test_the_cli_refuses_a_minor_version_that_adds_a_label(db, runner, published, tmp_path):
    project, _ = published
    path = tmp_path / "v1.1.0.md"
    path.write_text(ADD_LABEL.replace("1.0.0", "1.1.0"), encoding="utf-8")
    assert runner.invoke(args=["rulebook", "import", str(path), "--project", "bump"]).exit_code == 0
    result = runner.invoke(args=["rulebook", "publish", "bump", "1.1.0"])
    assert result.exit_code == 1 and "must be a major version (2.0.0)" in result.output
    assert "adds the label(s) maybe" in result.output and "Traceback" not in result.output
    db.session.expire_all()
    assert current_version(db.session, project).version == "1.0.0"
