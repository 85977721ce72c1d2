"""Projects built for the report-path comparisons and the comparison itself: the report (SQL
GROUP BYs, patterns) against the in-memory oracle, figure by figure."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from annotate.models import (
    Annotation,
    Batch,
    BatchStatus,
    Item,
    Review,
    Rulebook,
    RulebookVersion,
    SampledAnnotation,
    SampleMethod,
    SamplePlan,
    User,
    Verdict,
)
from annotate.services.quality.annotator import annotator_quality
from annotate.services.quality.model_figures import is_model_figure
from annotate.services.quality.report import ReportOptions, compute_report
from annotate.services.quality.sparse import NO_COHEN_CI
from tests.services.quality import oracle

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday


def make_version(db, project, rulebook, number: str) -> RulebookVersion:
    major, minor, patch = (int(x) for x in number.split("."))
    version = RulebookVersion(
        rulebook_id=rulebook.id,
        version=number,
        major=major,
        minor=minor,
        patch=patch,
        title=number,
        body=f"# {number}",
        sha256=hashlib.sha256(number.encode()).hexdigest(),
    )
    db.session.add(version)
    db.session.flush()
    return version


def build(
    db,
    make_project,
    make_user,
    slug: str,
    task_type: str,
    values: list,
    *,
    gold: bool = True,
    reviews: bool = True,
    seed: int = 0,
    **kw,
):
    """A project with batches b1 (overlap, two versions), b2 (one annotator), b3 (no overlap),
    a void batch, a quarantined item, superseded and null annotations, gold items (one only in
    gold), durations None/0/positive over six weeks, clause citations and reviews."""
    rng = np.random.default_rng(seed)
    project = make_project(slug, task_type, **kw)
    users = [make_user(f"{slug}-a{i}") for i in range(4)]
    reviewer = make_user(f"{slug}-rev")
    rulebook = Rulebook(project_id=project.id, key=f"{slug}-rb", title="rules")
    db.session.add(rulebook)
    db.session.flush()
    versions = [
        make_version(db, project, rulebook, "1.0.0"),
        make_version(db, project, rulebook, "2.0.0"),
        None,
    ]
    batches = {name: Batch(project_id=project.id, name=name) for name in ("b1", "b2", "b3", "bv")}
    batches["bv"].status = BatchStatus.void
    db.session.add_all(batches.values())
    db.session.flush()
    anns: list[Annotation] = []

    def item(batch: str, n: int, gold_value=None, quarantined: bool = False) -> Item:
        it = Item(
            project_id=project.id,
            batch_id=batches[batch].id,
            external_id=f"{batch}-{n}",
            payload={"text": "x"},
            content_hash=f"{batch}{n}".ljust(64, "0"),
            gold_answer=gold_value,
            quarantined=quarantined,
        )
        db.session.add(it)
        db.session.flush()
        return it

    def annotate(it: Item, user: User, value, **extra) -> Annotation:
        day = int(rng.integers(0, 42))
        ann = Annotation(
            item_id=it.id,
            annotator_id=user.id,
            value=value,
            rulebook_version_id=(v.id if (v := versions[int(rng.integers(0, 3))]) else None),
            submitted_at=START + timedelta(days=day, seconds=int(rng.integers(0, 86400))),
            duration_ms=[None, 0, int(rng.integers(2000, 60000))][int(rng.integers(0, 3))],
            clause_keys=[[], ["R1"], ["R2", "R1"], [""], ["R3", "R3"]][int(rng.integers(0, 5))],
            **extra,
        )
        db.session.add(ann)
        anns.append(ann)
        return ann

    truth = [values[int(rng.integers(0, len(values)))] for _ in range(40)]
    for n in range(40):
        gold_value = truth[n] if gold and n % 4 == 0 else None
        it = item("b1", n, gold_value)
        for user in users:
            if rng.random() < 0.75:
                right = rng.random() < 0.7
                annotate(it, user, truth[n] if right else values[int(rng.integers(0, len(values)))])
    tie = item("b1", 99)
    for user, value in zip(users, (values[0], values[0], values[1], values[1]), strict=True):
        annotate(tie, user, value)
    if gold:
        item("b1", 100, values[-1])  # a gold item nobody annotated
    for n in range(6):
        annotate(
            item("b2", n, values[0] if gold and n == 0 else None), users[0], values[n % len(values)]
        )
        annotate(item("b3", n), users[n % 4], values[(n + 1) % len(values)])
    for n in range(3):
        it = item("bv", n)
        annotate(it, users[0], values[0])
        annotate(it, users[1], values[0])
    hidden = item("b1", 200, quarantined=True)
    annotate(hidden, users[0], values[0])
    annotate(hidden, users[1], values[0])
    old = annotate(tie, users[0], values[-1], is_current=False)
    annotate(item("b1", 201), users[2], None)  # JSON null: no value
    db.session.flush()
    old.superseded_by_id = anns[-3].id
    if reviews:
        plan = SamplePlan(
            batch_id=batches["b1"].id,
            method=SampleMethod.random_rate,
            seed=1,
            lot_size=40,
            sample_size=20,
        )
        db.session.add(plan)
        db.session.flush()
        for i, ann in enumerate(anns[:25]):
            sampled = SampledAnnotation(
                plan_id=plan.id, annotation_id=ann.id, position=i, is_calibration=i == 3
            )
            db.session.add(sampled)
            db.session.flush()
            db.session.add(
                Review(
                    sampled_annotation_id=sampled.id,
                    reviewer_id=reviewer.id,
                    verdict=[Verdict.correct, Verdict.incorrect, Verdict.prohibited][i % 3],
                    clause_key=[None, "R1", "R4", ""][i % 4],
                )
            )
    db.session.commit()
    return project, users


def compare(db, project, users=(), bootstrap: int = 40, anonymous: bool = False):
    """The oracle's and the report's figures; ``anonymous``: the report must use multiset
    cells, whose Cohen's kappa figures have no interval (and say why)."""
    memory = oracle.compute_memory_report(db.session, project, ReportOptions(bootstrap, 3))
    agg = compute_report(db.session, project, ReportOptions(bootstrap, 3))
    # scope "model" (imported predictions) is recounted in tests/services/predictions
    agg.figures = [f for f in agg.figures if f.scope != "model"]
    assert agg.data.anonymous == anonymous
    if anonymous:  # multiset cells keep no annotator per value: MACE only (sparse_mace.py)
        agg.extras["mace"] = {f.scope_id: f for f in agg.figures if f.metric == "mace_competence"}
        agg.figures = [f for f in agg.figures if f.metric != "mace_competence"]
        assert not any(is_model_figure(f.metric) for f in agg.figures)
        memory.extras["mace"] = {
            f.scope_id: f for f in memory.figures if f.metric == "mace_competence"
        }
        memory.figures = [f for f in memory.figures if not is_model_figure(f.metric)]
    assert [(f.scope, f.scope_id, f.metric) for f in agg.figures] == [
        (f.scope, f.scope_id, f.metric) for f in memory.figures
    ]
    for m, a in zip(memory.figures, agg.figures, strict=True):
        where = (m.scope, m.scope_id, m.metric)
        if m.value is None:
            assert a.value is None and a.ci_low is None, where
        else:
            assert a.value == pytest.approx(m.value, abs=1e-9), where
        method = m.method
        if anonymous and m.metric == "cohen_kappa" and m.value is not None:
            method = f"{m.method.split('; ')[0]}; {NO_COHEN_CI}"
            assert a.ci_low is None, where
        assert (
            a.n_items,
            a.n_annotations,
            a.n_annotators,
            a.rulebook_version,
            a.level,
            a.method,
        ) == (m.n_items, m.n_annotations, m.n_annotators, m.rulebook_version, m.level, method), (
            where
        )
        if a.ci_low is not None:
            assert a.ci_low <= a.ci_high, where
        boot = m.scope in ("project", "batch", "rulebook_version", "label", "annotator_pair")
        # the project's bootstrap draws are the same (over its rating patterns) unless the
        # cells are multisets; sub-scopes split them among cells and items differently
        cohen_sparse = anonymous and m.metric == "cohen_kappa"  # no interval: see above
        if not cohen_sparse and (
            not boot or (not anonymous and m.scope in ("project", "label", "annotator_pair"))
        ):
            if m.metric == "items_per_hour" and m.ci_low is not None:  # float sums in SQL
                assert (a.ci_low, a.ci_high) == pytest.approx((m.ci_low, m.ci_high)), where
            else:
                assert (a.ci_low, a.ci_high) == (m.ci_low, m.ci_high), where
    assert agg.data.n == memory.data.n and agg.data.n_annotators == memory.data.n_annotators
    for tm, ta in zip(memory.extras["trends"], agg.extras["trends"], strict=True):
        assert (ta.alpha is None) == (tm.alpha is None)
        if tm.alpha is not None:
            assert ta.alpha == pytest.approx(tm.alpha, abs=1e-9)
        assert (
            ta.week,
            ta.n_items,
            ta.gold_accuracy,
            ta.gold_low,
            ta.gold_high,
            ta.n_gold,
            ta.n_annotations,
        ) == (
            tm.week,
            tm.n_items,
            tm.gold_accuracy,
            tm.gold_low,
            tm.gold_high,
            tm.n_gold,
            tm.n_annotations,
        )
    assert len(agg.extras["trends"]) == len(memory.extras["trends"])
    if memory.extras["confusion"] is None:
        assert agg.extras["confusion"] is None
    else:
        assert agg.extras["confusion"][0] == memory.extras["confusion"][0]
        assert np.array_equal(agg.extras["confusion"][1], memory.extras["confusion"][1])
    assert agg.extras["clauses"] == memory.extras["clauses"]
    if memory.pairwise is not None:
        assert agg.pairwise.annotators == memory.pairwise.annotators
        assert agg.pairwise.n_common == memory.pairwise.n_common
        np.testing.assert_allclose(
            np.array(agg.pairwise.values, float), np.array(memory.pairwise.values, float), atol=1e-9
        )
    for user in users:
        weeks, n_annotations = oracle.annotator_weeks(memory.data, user.id)
        qa = annotator_quality(db.session, agg, user)
        assert qa.weeks == weeks and qa.n_annotations == n_annotations
        expected = {m: memory.get("annotator", user.username, m) for m in qa.figures}
        if anonymous and expected.get("cohen_kappa"):  # same value, no interval (see above)
            kappa = qa.figures["cohen_kappa"]
            assert kappa.value == pytest.approx(expected.pop("cohen_kappa").value, abs=1e-9)
            assert kappa.ci_low is None and qa.figures.pop("cohen_kappa")
        rate, want = qa.figures.pop("items_per_hour"), expected.pop("items_per_hour")
        assert (rate is None) == (want is None)
        if rate is not None:  # its interval comes from float sums (SQL vs numpy)
            assert (rate.value, rate.ci_low, rate.ci_high) == pytest.approx(
                (want.value, want.ci_low, want.ci_high)
            ) and rate.method == want.method
        assert qa.figures == expected
    return memory, agg


LABELS = ["pos", "neg", "neu", "odd"]


def build_sparse(
    db, make_project, make_user, slug: str, n_ann: int = 30, per_item: int = 3, n_items: int = 240
):
    """Many annotators, each item rated by a random ``per_item`` of them (sparse overlap),
    over two batches and two rulebook versions, with gold items and durations."""
    rng = np.random.default_rng(9)
    project = make_project(slug, "single_label", labels=LABELS)
    users = [make_user(f"{slug}-a{i}") for i in range(n_ann)]
    rulebook = Rulebook(project_id=project.id, key=f"{slug}-rb", title="rules")
    db.session.add(rulebook)
    db.session.flush()
    versions = [
        make_version(db, project, rulebook, "1.0.0"),
        make_version(db, project, rulebook, "2.0.0"),
    ]
    batches = [Batch(project_id=project.id, name=name) for name in ("s1", "s2")]
    db.session.add_all(batches)
    db.session.flush()
    for n in range(n_items):
        truth = LABELS[int(rng.integers(0, 4))]
        it = Item(
            project_id=project.id,
            batch_id=batches[n % 2].id,
            external_id=f"s-{n}",
            payload={"text": "x"},
            content_hash=f"s{n}".ljust(64, "0"),
            gold_answer=truth if n % 5 == 0 else None,
        )
        db.session.add(it)
        db.session.flush()
        for a in rng.permutation(n_ann)[:per_item].tolist():
            right = rng.random() < 0.6 + a / (3 * n_ann)
            value = truth if right else LABELS[int(rng.integers(0, 4))]
            db.session.add(
                Annotation(
                    item_id=it.id,
                    annotator_id=users[a].id,
                    value=value,
                    rulebook_version_id=versions[int(rng.integers(0, 2))].id,
                    submitted_at=START + timedelta(days=int(rng.integers(0, 30))),
                    duration_ms=int(rng.integers(0, 30000)),
                    clause_keys=[],
                )
            )
    db.session.commit()
    return project, users
