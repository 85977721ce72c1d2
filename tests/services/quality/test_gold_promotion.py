"""Gold that grows: candidates (unanimous ≥ k, Dawid–Skene posterior), promotion by a manager
(audited, once, marked as promoted), counted apart in the report; a PostgreSQL race."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from annotate import create_app
from annotate.config import TestConfig
from annotate.database import utcnow
from annotate.models import AuditEvent, GoldSource, Item, Project, ProjectRole, User
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next
from annotate.services.quality.dossier.handling import content_handling
from annotate.services.quality.dossier.period import make_period
from annotate.services.quality.gold import POSTERIOR, UNANIMOUS, candidates, promote
from annotate.services.quality.metrics_csv import metrics_csv
from annotate.services.quality.report import ReportOptions, compute_report
from tests.factories import free_slots_out_of_step, make_ready

pytestmark = pytest.mark.truncate


def _work(db, project, users, answers):
    """Every annotator takes every item; ``answers(user index, item external id)``."""
    for n, user in enumerate(users):
        while (claim := claim_next(db.session, user, project)) is not None:
            item = claim.assignment.item
            submit_annotation(
                db.session, claim.assignment.id, user, project, answers(n, item.external_id)
            )
            db.session.commit()


@pytest.fixture
def agreed(db, make_project, make_user):
    """Six items, three annotators each: b1-0…b1-3 unanimous, b1-4 and b1-5 split 2:1."""
    project = make_project("grow", redundancy_k=3, overlap_share=1.0, gold_rate=0.0)
    manager = make_user("boss", project=project, roles=[ProjectRole.manager])
    users = [make_user(f"a{n}", project=project, roles=[ProjectRole.annotator]) for n in range(3)]
    make_ready(db, project, users, n_items=6)
    split = {"b1-4", "b1-5"}
    _work(db, project, users, lambda n, ext: "no" if ext in split and n == 2 else "yes")
    return project, manager, users


def test_unanimous_items_are_candidates_and_split_ones_are_not(db, agreed):
    project, _, _ = agreed
    found = candidates(db.session, project)
    assert [c.external_id for c in found] == ["b1-0", "b1-1", "b1-2", "b1-3"]
    assert {c.reason for c in found} == {UNANIMOUS} and {c.answer for c in found} == {"yes"}
    assert all(c.n_annotations == 3 for c in found)
    project.gold_candidate_min_k = 4  # more than any item holds
    assert all(c.reason == POSTERIOR for c in candidates(db.session, project))


def test_a_low_posterior_threshold_adds_split_items(db, agreed):
    project, _, _ = agreed
    project.gold_candidate_min_posterior = 0.5
    found = {c.external_id: c for c in candidates(db.session, project)}
    assert found["b1-4"].reason == POSTERIOR and found["b1-4"].answer == "yes"
    assert 0.5 < found["b1-4"].posterior <= 1


def test_promotion_marks_audits_and_happens_once(db, agreed):
    project, manager, _ = agreed
    ids = [c.item_id for c in candidates(db.session, project)][:2]
    split = db.session.scalar(sa.select(Item.id).where(Item.external_id == "b1-4"))
    done = promote(db.session, project, [*ids, split], actor=manager)
    db.session.commit()
    assert sorted(c.item_id for c in done) == sorted(ids)  # the split item is no candidate
    for item_id in ids:
        item = db.session.get(Item, item_id)
        assert item.gold_answer == "yes" and item.gold_source == GoldSource.promoted
        assert item.gold_promoted_by_id == manager.id and item.gold_promoted_at is not None
    assert db.session.get(Item, split).gold_answer is None
    assert promote(db.session, project, ids, actor=manager) == []  # already gold
    db.session.commit()
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "item.gold_promote")
    ).all()
    assert sorted(int(e.subject_id) for e in events) == sorted(ids)
    assert all(e.actor_id == manager.id for e in events)
    assert free_slots_out_of_step(db.session) == []
    assert not {c.item_id for c in candidates(db.session, project)} & set(ids)


def test_the_report_counts_promoted_gold_apart(db, agreed):
    project, manager, _ = agreed
    promote(
        db.session, project, [c.item_id for c in candidates(db.session, project)], actor=manager
    )
    db.session.commit()
    report = compute_report(db.session, project, ReportOptions(bootstrap=0))
    assert report.get("project", "grow", "gold_items_promoted").value == 4
    assert report.get("project", "grow", "gold_items_imported").value == 0
    assert "gold_items_promoted" in metrics_csv(report)
    period = make_period(project, utcnow())
    handling = content_handling(db.session, project, period, 0)
    assert (handling.gold_items, handling.gold_promoted) == (4, 4)  # the dossier's count


def test_promoted_gold_accuracy_leaves_out_the_promoters(db, agreed, make_user, client, login):
    from datetime import timedelta

    from statsmodels.stats.proportion import proportion_confint

    from annotate.models import Annotation

    project, manager, users = agreed
    promote(
        db.session, project, [c.item_id for c in candidates(db.session, project)], actor=manager
    )
    db.session.commit()
    items = {i.external_id: i for i in db.session.scalars(sa.select(Item))}
    later = items["b1-0"].gold_promoted_at + timedelta(minutes=5)
    late = make_user("late")

    def add(user, ext, value):
        db.session.add(
            Annotation(item_id=items[ext].id, annotator_id=user.id, value=value, submitted_at=later)
        )

    add(late, "b1-0", "yes")  # independent, right
    add(late, "b1-1", "no")  # independent, wrong
    # a promoter re-annotating after the promotion took part in it: left out
    db.session.execute(
        sa.update(Annotation)
        .where(Annotation.item_id == items["b1-2"].id, Annotation.annotator_id == users[0].id)
        .values(is_current=False)
    )
    add(users[0], "b1-2", "no")
    db.session.commit()
    report = compute_report(db.session, project, ReportOptions(bootstrap=0))
    fig = report.get("project", "grow", "gold_accuracy_promoted")
    assert fig.value == 0.5 and (fig.n_items, fig.n_annotations, fig.n_annotators) == (2, 2, 1)
    assert (fig.ci_low, fig.ci_high) == pytest.approx(proportion_confint(1, 2, method="wilson"))
    assert "left out" in fig.method
    assert report.get("annotator", "late", "gold_accuracy_promoted").value == 0.5
    assert report.get("annotator", users[0].username, "gold_accuracy_promoted") is None
    # the mark stays, and the plain gold accuracy still counts every annotation on gold
    assert report.get("project", "grow", "gold_items_promoted").value == 4
    assert report.get("project", "grow", "gold_accuracy").n_annotations == 3 * 4 + 2
    assert "gold_accuracy_promoted" in metrics_csv(report)
    login("boss")
    for lang, words in (("en", "50.0% (95% interval 9.5–90.5%)"), ("zh", "50.0%（95% 区间")):
        page = client.get("/reports/grow", headers={"Accept-Language": lang})
        page = page.get_data(as_text=True)
        assert 'id="gold-promoted-accuracy"' in page and words in page


def test_two_managers_promoting_at_once_make_one_promotion(db, agreed):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs PostgreSQL (SQLite serialises writers)")
    project, manager, _ = agreed
    other = User(username="boss2", display_name="")
    db.session.add(other)
    db.session.commit()
    target = candidates(db.session, project)[0].item_id
    project_id, actors = project.id, [manager.id, other.id]
    results: dict[int, int] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(2, timeout=30)
    race_app = create_app({"CONFIG_CLASS": TestConfig})

    def work(actor_id: int) -> None:
        try:
            with race_app.app_context():
                session = db.session
                actor, proj = session.get(User, actor_id), session.get(Project, project_id)
                start.wait()
                results[actor_id] = len(promote(session, proj, [target], actor=actor))
                session.commit()
                session.remove()
        except BaseException as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(a,)) for a in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with race_app.app_context():
        db.engine.dispose()
    assert not errors, errors
    assert sorted(results.values()) == [0, 1]
    promoted = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "item.gold_promote")
    )
    assert promoted == 1
