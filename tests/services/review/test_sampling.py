"""Sample plans: the five methods, seeds that reproduce, security projects, bad batches, CLI."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from annotate.models import (
    AuditEvent,
    Batch,
    BatchStatus,
    Item,
    Project,
    RulebookKind,
    SampledAnnotation,
    SamplePlan,
    User,
)
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.review.sampling import draw_plan, lot_annotations
from tests.factories import labelled_project


@pytest.fixture
def demo(db):
    labelled_project(db.session, n_items=120)
    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    batch = db.session.scalar(sa.select(Batch).where(Batch.name == "reviews-2026-10"))
    return project, batch


def _sampled_ids(plan: SamplePlan) -> list[int]:
    return sorted(s.annotation_id for s in plan.sampled if not s.is_calibration)


def test_iso2859_plan_takes_n_ac_re_from_the_standard(db, demo):
    project, batch = demo
    lot = lot_annotations(db.session, batch)
    plan = draw_plan(db.session, batch, method="iso2859", aql=1.0, seed=7)
    from annotate.metrics import single_sampling_plan

    expected = single_sampling_plan(len(lot), 1.0, "II")
    assert plan.lot_size == len(lot)
    assert plan.sample_size == expected.sample_size == len(_sampled_ids(plan))
    assert (plan.accept_number, plan.reject_number) == (expected.accept, expected.reject)
    assert plan.code_letter == expected.code_letter
    assert plan.seed == 7 and plan.parameters["aql"] == 1.0
    assert set(_sampled_ids(plan)) <= {a.id for a in lot}
    assert batch.status == BatchStatus.in_review
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "sample.draw"))
    assert event.details["annotation_ids"] == _sampled_ids(plan)


def test_same_seed_same_sample_and_redraw_replaces_unreviewed_plan(db, demo):
    _, batch = demo
    first = draw_plan(db.session, batch, method="random_rate", rate=0.2, seed=42)
    second = draw_plan(db.session, batch, method="random_rate", rate=0.2, seed=42)
    third = draw_plan(db.session, batch, method="random_rate", rate=0.2, seed=43)
    assert _sampled_ids(first) == _sampled_ids(second)
    assert _sampled_ids(first) != _sampled_ids(third)
    assert first.round == second.round == 1
    assert [s.annotation_id for s in first.sampled] == [s.annotation_id for s in second.sampled]


def test_fixed_n_all_and_stratified(db, demo):
    project, batch = demo
    lot = lot_annotations(db.session, batch)
    fixed = draw_plan(db.session, batch, method="fixed_n", n=10, seed=1)
    assert fixed.sample_size == 10
    # Ac = ⌊n (1 − min_review_accuracy)⌋ for non-ISO methods.
    assert (fixed.accept_number, fixed.reject_number) == (0, 1)
    everything = draw_plan(db.session, batch, method="all", seed=1)
    assert _sampled_ids(everything) == sorted(a.id for a in lot)
    assert (everything.accept_number, everything.reject_number) == (0, 1)
    strat = draw_plan(
        db.session,
        batch,
        method="stratified",
        rate=0.05,
        seed=3,
        strata=["annotator"],
        min_per_stratum=3,
    )
    chosen = set(_sampled_ids(strat))
    per_annotator: dict[int, int] = {}
    for ann in lot:
        if ann.id in chosen:
            per_annotator[ann.annotator_id] = per_annotator.get(ann.annotator_id, 0) + 1
    assert len(per_annotator) == 3 and min(per_annotator.values()) >= 3
    by_label = draw_plan(
        db.session,
        batch,
        method="stratified",
        n=12,
        seed=3,
        strata=["annotator", "label"],
        min_per_stratum=1,
    )
    assert by_label.sample_size >= 12
    assert by_label.parameters["strata"] == ["annotator", "label"]


def test_calibration_annotations_are_gold_with_known_verdicts(db, demo):
    _, batch = demo
    plan = draw_plan(db.session, batch, method="fixed_n", n=20, seed=5, calibration=3)
    gold = [s for s in plan.sampled if s.is_calibration]
    assert len(gold) == 3
    for sampled in gold:
        item = sampled.annotation.item
        assert item.gold_answer is not None
        assert sampled.expected_verdict.value == (
            "correct" if sampled.annotation.value == item.gold_answer else "incorrect"
        )
    assert plan.sample_size == 20  # calibration does not count towards n


def test_security_project_defaults_to_all_and_refuses_sampling(db, demo):
    project, batch = demo
    project.rulebook_kind = RulebookKind.security
    plan = draw_plan(db.session, batch, seed=1)
    assert plan.method.value == "all"
    assert plan.sample_size == plan.lot_size
    with pytest.raises(InvalidInput, match="TC260-003"):
        draw_plan(db.session, batch, method="iso2859", seed=1)


def test_empty_void_and_reviewed_batches_refuse_a_draw(db, demo, make_user):
    project, batch = demo
    empty = Batch(project_id=project.id, name="empty")
    db.session.add(empty)
    db.session.flush()
    with pytest.raises(InvalidInput, match="no annotations"):
        draw_plan(db.session, empty, method="all")
    batch.status = BatchStatus.void
    with pytest.raises(Conflict, match="void"):
        draw_plan(db.session, batch, method="all")
    batch.status = BatchStatus.open
    with pytest.raises(InvalidInput, match="standard"):
        draw_plan(db.session, batch, method="iso2859", aql=1.3)
    with pytest.raises(InvalidInput, match="needs n"):
        draw_plan(db.session, batch, method="fixed_n")
    # NaN and infinity pass a form's NumberRange; the metric functions refuse them (4xx)
    for kwargs in (
        {"method": "random_rate", "rate": float("nan")},
        {"method": "random_rate", "rate": float("inf")},
        {"method": "iso2859", "aql": float("nan")},
        {"method": "fixed_n", "n": 2.5},
        {"method": "stratified", "rate": 0.1, "strata": ["annotator"], "min_per_stratum": 0.5},
    ):
        with pytest.raises(InvalidInput) as info:
            draw_plan(db.session, batch, **kwargs)
        assert any(
            word in str(info.value.__dict__)
            for word in ("rate", "aql", "AQL", "size", "min_per_stratum")
        ), kwargs
    assert db.session.scalar(sa.select(sa.func.count(SamplePlan.id))) == 0


def test_quarantined_items_are_left_out_of_the_lot(db, demo):
    _, batch = demo
    before = len(lot_annotations(db.session, batch))
    item = db.session.scalar(
        sa.select(Item).where(Item.batch_id == batch.id, Item.annotation_count > 0).limit(1)
    )
    item.quarantined = True
    assert len(lot_annotations(db.session, batch)) == before - item.annotation_count


# --- CLI -------------------------------------------------------------------------------


def _draw(runner, *args):
    return runner.invoke(
        args=["--as", "manager", "sample", "draw", "demo", "reviews-2026-10", *args]
    )


def test_cli_draw_prints_the_plan_and_the_same_seed_reproduces_it(runner, db, demo):
    first = _draw(runner, "--method", "iso2859", "--aql", "1.0", "--seed", "2024")
    assert first.exit_code == 0, first.output
    plan = json.loads(first.output)
    for key in (
        "plan_id",
        "method",
        "seed",
        "lot_size",
        "sample_size",
        "accept",
        "reject",
        "annotation_ids",
    ):
        assert key in plan
    assert plan["method"] == "iso2859" and plan["seed"] == 2024
    assert len(plan["annotation_ids"]) == plan["sample_size"]
    second = json.loads(
        _draw(runner, "--method", "iso2859", "--aql", "1.0", "--seed", "2024").output
    )
    assert second["annotation_ids"] == plan["annotation_ids"]
    assert second["plan_id"] != plan["plan_id"]


@pytest.mark.parametrize(
    "method, extra",
    [
        ("random_rate", ["--rate", "0.1"]),
        ("fixed_n", ["--n", "5"]),
        ("stratified", ["--rate", "0.1", "--strata", "annotator,label"]),
        ("all", []),
    ],
)
def test_cli_draw_every_method(runner, demo, method, extra):
    result = _draw(runner, "--method", method, "--seed", "9", *extra)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["method"] == method


@pytest.mark.parametrize(
    "args, message",
    [
        (["sample", "draw", "nope", "b"], "No project 'nope'"),
        (["sample", "draw", "demo", "nope"], "No batch nope"),
        (
            ["sample", "draw", "demo", "reviews-2026-10", "--method", "iso2859", "--aql", "2"],
            "not a standard value",
        ),
        (["sample", "draw", "demo", "reviews-2026-10", "--method", "fixed_n"], "needs n"),
        (["sample", "decide", "demo", "reviews-2026-10", "--by", "reviewer"], "no sample plan"),
    ],
)
def test_cli_errors_exit_non_zero_without_traceback(runner, demo, args, message):
    result = runner.invoke(args=["--as", "manager", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_draw_on_void_batch_and_decide(runner, db, demo):
    _, batch = demo
    assert (
        _draw(
            runner, "--method", "fixed_n", "--n", "3", "--seed", "1", "--calibration", "0"
        ).exit_code
        == 0
    )
    result = runner.invoke(args=["sample", "decide", "demo", batch.name, "--by", "reviewer"])
    assert result.exit_code == 1 and "not complete" in result.output
    result = runner.invoke(
        args=[
            "sample",
            "decide",
            "demo",
            batch.name,
            "--by",
            "reviewer",
            "--decision",
            "void",
            "--reason",
            "Found illegal content.",
        ]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "void"
    again = _draw(runner, "--method", "all")
    assert again.exit_code == 1 and "void" in again.output
    shown = json.loads(runner.invoke(args=["sample", "show", "demo", batch.name]).output)
    assert shown["status"] == "void" and shown["plan"]["decision"] == "void"
    assert db.session.scalar(sa.select(User).where(User.username == "reviewer"))
    assert db.session.scalar(sa.select(sa.func.count(SampledAnnotation.id))) == 3
