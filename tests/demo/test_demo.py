"""The demo seed: accounts, project, published rulebook, realistic overlapping annotations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.demo.seed import DEMO_USERS, seed_demo
from annotate.models import (
    Annotation,
    Item,
    Project,
    Rulebook,
    RulebookVersion,
    User,
    VersionStatus,
)
from annotate.services.audit_checks import verify_chain
from tests.factories import free_slots_out_of_step


@pytest.fixture
def demo(db):
    seed_demo(n_items=120)
    db.session.commit()
    return db


def test_demo_has_accounts_project_rulebook_and_work(demo):
    session = demo.session
    assert set(session.scalars(sa.select(User.username))) == set(DEMO_USERS)
    project = session.scalar(sa.select(Project).where(Project.slug == "demo"))
    assert [label["key"] for label in project.labels] == [
        "positive",
        "negative",
        "neutral",
        "mixed",
    ]
    version = session.scalar(  # the demo project's first version (not another project's)
        sa.select(RulebookVersion)
        .join(Rulebook)
        .where(Rulebook.project_id == project.id)
        .order_by(RulebookVersion.id)
    )
    assert version.status == VersionStatus.published and len(version.sha256) == 64
    assert len(version.clauses) >= 8
    items = session.scalar(sa.select(sa.func.count(Item.id)).where(Item.project_id == project.id))
    assert items == 120
    per_item = session.execute(
        sa.select(Annotation.item_id, sa.func.count()).group_by(Annotation.item_id)
    ).all()
    assert any(count == 3 for _, count in per_item), "no overlapping items for agreement"
    assert all(count <= project.redundancy_k for _, count in per_item)
    annotators = set(session.scalars(sa.select(Annotation.annotator_id).distinct()))
    assert len(annotators) == 3
    assert (
        session.scalar(sa.select(sa.func.count(Item.id)).where(Item.gold_answer.is_not(None))) > 0
    )
    assert all(
        a.rulebook_version_id == version.id
        for a in session.scalars(
            sa.select(Annotation).join(Item).where(Item.project_id == project.id)
        )
    )
    assert verify_chain(session).broken_at is None
    assert free_slots_out_of_step(session) == []


def test_demo_annotators_differ_in_accuracy(demo):
    session = demo.session
    rows = session.execute(
        sa.select(User.username, Annotation.value, Item.gold_answer, Item.id)
        .join(Annotation, Annotation.annotator_id == User.id)
        .join(Item, Item.id == Annotation.item_id)
        .join(Project, Project.id == Item.project_id)
        .where(Project.slug == "demo")  # the sentiment project (ner has span annotations too)
    ).all()
    assert len({value for _, value, _, _ in rows}) == 4
    from annotate.demo import seed as demo_module

    # Agreement with the generator's truth is recoverable from gold items only; check that
    # the simulated accuracies are ordered on all overlapping work via pairwise agreement.
    by_item: dict[int, dict[str, str]] = {}
    for username, value, _, item_id in rows:
        by_item.setdefault(item_id, {})[username] = value
    agree = {name: [0, 0] for name in demo_module.DEMO_ACCURACY}
    for labels in by_item.values():
        if len(labels) == 3:
            for name, value in labels.items():
                others = [v for n, v in labels.items() if n != name]
                agree[name][0] += sum(v == value for v in others)
                agree[name][1] += len(others)
    rate = {name: hits / total for name, (hits, total) in agree.items() if total}
    assert rate["ann1"] > rate["ann3"]


@pytest.mark.parametrize(
    "username, home",
    [
        ("admin", "/admin/"),
        ("manager", "/reports/"),
        ("reviewer", "/review/"),
        ("ann1", "/annotate/"),
        ("ann2", "/annotate/"),
        ("ann3", "/annotate/"),
    ],
)
def test_every_demo_account_logs_in_to_its_home(demo, client, username, home):
    response = client.post("/login", data={"username": username, "password": "demo"})
    assert response.headers["Location"] == home
    page = client.get(home)
    assert page.status_code == 200
    assert b"Product-review sentiment" in page.data


def test_demo_has_a_pairwise_and_a_span_project_with_waiting_work(demo):
    from annotate.services.labeling.assignment import claim_next
    from annotate.services.rulebooks.versions import current_version

    session = demo.session
    ann1 = session.scalar(sa.select(User).where(User.username == "ann1"))
    for slug, task in (("helpfulness", "pairwise"), ("ner", "span")):
        project = session.scalar(sa.select(Project).where(Project.slug == slug))
        assert project.task_type.value == task and current_version(session, project)
        assert (
            session.scalar(sa.select(sa.func.count(Item.id)).where(Item.project_id == project.id))
            >= 30
        )
        assert claim_next(session, ann1, project) is not None
    ner = session.scalar(sa.select(Project).where(Project.slug == "ner"))
    for item in session.scalars(
        sa.select(Item).where(Item.project_id == ner.id, Item.gold_answer.is_not(None))
    ):
        for span in item.gold_answer:
            assert (
                item.payload["text"][span["start"] : span["end"]].strip()
                == item.payload["text"][span["start"] : span["end"]]
            )


def test_demo_seeds_from_the_rulebooks_it_is_given(db, app, tmp_path):
    """The caller passes the rulebook directory (the CLI its GUIDELINES_DIR); the seed reads no
    configuration, and by default finds the shipped copy (checkout or installed package)."""
    import shutil

    from annotate.config import shipped_guidelines_dir

    assert (shipped_guidelines_dir() / "sentiment" / "v1.0.0.md").is_file()
    given = tmp_path / "guidelines"
    shutil.copytree(shipped_guidelines_dir(), given)
    source = given / "sentiment" / "v1.0.0.md"
    source.write_text(
        source.read_text(encoding="utf-8").replace(
            "title: Product-review sentiment\n", "title: Sentiment from elsewhere\n", 1
        ),
        encoding="utf-8",
    )
    app.config["GUIDELINES_DIR"] = str(tmp_path / "nowhere")
    seed_demo(n_items=20, guidelines=given)
    db.session.commit()
    demo_project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    titles = {
        v.version: v.title
        for v in db.session.scalars(sa.select(RulebookVersion))
        if v.rulebook.project_id == demo_project.id
    }
    assert titles["1.0.0"] == "Sentiment from elsewhere"


def test_demo_has_the_rlhf_form_with_answers_per_question(demo):
    from annotate.services.labeling.assignment import claim_next
    from annotate.services.labeling.clauses import published_clauses
    from annotate.services.projects.questions import questions_of
    from annotate.services.projects.values import normalise_value
    from annotate.services.rulebooks.clause_questions import clause_questions
    from annotate.services.rulebooks.versions import current_version

    session = demo.session
    project = session.scalar(sa.select(Project).where(Project.slug == "rlhf-full"))
    assert project.task_type.value == "form" and len(questions_of(project)) == 13
    version = current_version(session, project)
    named = {k for c in published_clauses(session, version) for k in clause_questions(c.text)}
    assert {"preference", "harmless_a", "pi_b"} <= named
    rows = session.execute(
        sa.select(Annotation.value, Item.payload).join(Item).where(Item.project_id == project.id)
    ).all()
    assert len(rows) >= 30
    for value, payload in rows:  # every seeded answer passes the submit's check
        assert normalise_value(project, value, payload)[1] == []
    asked = {key for value, _ in rows for key in value}
    assert {"strength", "pi_a", "pi_b", "reason"} <= asked
    assert any("risk_a" in v or "risk_b" in v for v, _ in rows)
    ann1 = session.scalar(sa.select(User).where(User.username == "ann1"))
    assert claim_next(session, ann1, project) is not None
