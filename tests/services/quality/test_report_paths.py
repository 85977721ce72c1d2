"""The report (SQL GROUP BYs, patterns) gives the in-memory oracle's figures.

Runs on SQLite and on PostgreSQL (``ANNOTATE_TEST_DATABASE_URL``): both are computed on the
same database and compared figure by figure — scope, id, metric, value (1e-9), the three n's,
rulebook version, level and method, the project's bootstrap intervals (the same draws) — plus
the trend, confusion matrix, clause ranking, Cohen matrix and every annotator's page.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import Annotation, Item
from annotate.services.quality.report import ReportOptions, compute_report
from tests.services.quality.report_paths import LABELS, build, compare


def test_single_label_project_matches_in_memory(db, make_project, make_user):
    project, users = build(
        db, make_project, make_user, "mix", "single_label", LABELS[:3], labels=LABELS
    )
    memory, agg = compare(db, project, users)
    scopes = {f.scope for f in agg.figures}
    assert {
        "project",
        "batch",
        "rulebook_version",
        "label",
        "annotator",
        "annotator_pair",
        "clause",
    } <= scopes
    assert set(agg.scope_ids("batch")) == {"b1", "b2", "b3"}
    assert agg.scope_ids("rulebook_version") == ["1.0.0", "2.0.0"]
    solo = agg.get("batch", "b2", "krippendorff_alpha")
    assert solo.value is None and solo.method.startswith("undefined: ")
    assert agg.get("batch", "b3", "percent_agreement").value is None
    assert agg.get("label", "odd", "krippendorff_alpha") is not None
    assert agg.get("project", "mix", "review_accuracy").n_annotations == 24  # one calibration
    assert {c.key for c in agg.extras["clauses"]} >= {"R1", "R2", "R3", "R4"}
    assert agg.data.n_cells < agg.data.n  # aggregated


@pytest.mark.parametrize("level", ["ordinal", "interval", "ratio"])
def test_rating_levels_match_and_equal_numbers_merge(db, make_project, make_user, level):
    project, users = build(
        db,
        make_project,
        make_user,
        f"rate-{level}",
        "rating",
        [1, 2, 3, 3.0, 4, 5, 2.5],
        labels=None,
        scale="1-5",
        measurement_level=level,
        seed=1,
    )
    memory, agg = compare(db, project, users)
    assert agg.level == memory.level == level
    assert agg.data.categories == [1, 2, 2.5, 3, 4, 5]  # 3 and 3.0 are one value


def test_multi_label_sets_in_any_order_match(db, make_project, make_user):
    project, users = build(
        db,
        make_project,
        make_user,
        "multi",
        "multi_label",
        [["a", "b"], ["b", "a"], ["a"], [], ["c"]],
        labels=["a", "b", "c"],
        seed=2,
    )
    _, agg = compare(db, project, users)
    assert ("a", "b") in agg.data.categories and ("b", "a") not in agg.data.categories


def test_without_gold_or_reviews_and_text_tasks(db, make_project, make_user):
    project, users = build(
        db,
        make_project,
        make_user,
        "plain",
        "single_label",
        LABELS,
        labels=LABELS,
        gold=False,
        reviews=False,
        seed=3,
    )
    _, agg = compare(db, project, users)
    gold = agg.get("project", "plain", "gold_accuracy")
    assert gold.value is None and gold.method == "undefined: no gold items were annotated"
    assert agg.get("project", "plain", "review_accuracy") is None
    assert agg.extras["confusion"] is None
    text, users = build(
        db, make_project, make_user, "free", "text", ["x", "y", "z"], seed=4, labels=None
    )
    _, agg = compare(db, text, users)
    assert agg.get("project", "free", "fleiss_kappa").method.startswith("undefined: agreement")


def test_empty_project(db, make_project):
    memory, agg = compare(db, make_project("void-proj"))
    assert agg.data.n == 0 and agg.extras["trends"] == [] and agg.pairwise.mean is None


def test_demo_project_matches(db):
    from annotate.demo.seed import seed_demo
    from annotate.services.projects.projects import get_project

    seed_demo(n_items=120)
    db.session.commit()
    compare(db, get_project(db.session, "demo"), bootstrap=30)
    _, ner = compare(db, get_project(db.session, "ner"), bootstrap=30)
    span = ner.get("project", "ner", "span_f1_overlap")
    assert span.value is not None and span.ci_low <= span.value <= span.ci_high


def test_aggregate_intervals_are_seeded_and_cover_the_estimate(db, make_project, make_user):
    project, _ = build(
        db, make_project, make_user, "ci", "single_label", LABELS[:3], labels=LABELS, seed=5
    )
    first = compute_report(db.session, project, ReportOptions(100, 7))
    again = compute_report(db.session, project, ReportOptions(100, 7))
    other = compute_report(db.session, project, ReportOptions(100, 8))
    assert [(f.ci_low, f.ci_high) for f in first.figures] == [
        (f.ci_low, f.ci_high) for f in again.figures
    ]
    assert [(f.ci_low, f.ci_high) for f in first.figures] != [
        (f.ci_low, f.ci_high) for f in other.figures
    ]
    for metric in (
        "krippendorff_alpha",
        "fleiss_kappa",
        "cohen_kappa",
        "gwet_ac1",
        "percent_agreement",
    ):
        f = first.get("project", "ci", metric)
        assert f.ci_low <= f.value <= f.ci_high, metric
        assert "bootstrap" in f.method


def test_pages_render_from_aggregates(app, db, client, login, make_user):
    from tests.factories import labelled_project

    labelled_project(db.session, n_items=150)
    login("manager", "demo")
    html = client.get("/reports/demo").get_data(as_text=True)
    assert 'id="agreement-table"' in html and html.count("<svg") >= 5
    ann = db.session.scalar(sa.select(Annotation.annotator_id).join(Item).limit(1))
    page = client.get(f"/reports/demo/annotators/{ann}")
    assert page.status_code == 200 and 'id="supervision-form"' in page.get_data(as_text=True)
    assert client.get("/reports/demo/dossier.zip").status_code == 200
    csv = client.get("/reports/demo/metrics.csv").get_data(as_text=True)
    assert csv.startswith("project,scope,scope_id,metric,") and "nan" not in csv.lower()
