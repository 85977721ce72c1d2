"""The gold-promotion and attention-check settings through ``annotate project set``/``show``."""

from __future__ import annotations

import sqlalchemy as sa

from annotate.models import Project


def test_set_and_show_the_checks_settings(runner, db, make_project, make_user):
    make_project("p1")
    make_user("boss")
    shown = runner.invoke(args=["project", "show", "p1"]).output
    assert "attention_rate = 0" in shown and "gold_candidate_min_k = 3" in shown
    result = runner.invoke(
        args=[
            "project",
            "set",
            "p1",
            "attention_rate=0.05",
            "attention_block_below=0.5",
            "gold_candidate_min_k=4",
            "--by",
            "boss",
        ]
    )
    assert result.exit_code == 0, result.output
    project = db.session.scalar(sa.select(Project).where(Project.slug == "p1"))
    db.session.refresh(project)
    assert (project.attention_rate, project.attention_block_below) == (0.05, 0.5)
    assert project.gold_candidate_min_k == 4
    bad = runner.invoke(args=["project", "set", "p1", "gold_candidate_min_k=2", "--by", "boss"])
    assert bad.exit_code == 1 and "gold_candidate_min_k" in bad.output
    worse = runner.invoke(args=["project", "set", "p1", "attention_rate=1.5", "--by", "boss"])
    assert worse.exit_code == 1 and "attention_rate" in worse.output
