"""Scope ``model``: each model version's agreement with the human consensus, its gold
accuracy with Wilson and Clopper–Pearson intervals and its confusion matrix, as rows of the
metrics CSV (metric names, no new columns), recomputed here from the rows themselves."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter

import pytest
import sqlalchemy as sa

from annotate.metrics import clopper_pearson_interval, wilson_interval
from annotate.models import Annotation, Item
from annotate.services.data.formats import Record
from annotate.services.data.prediction_import import import_predictions
from annotate.services.quality.metrics_csv import HEADER, metrics_csv
from annotate.services.quality.report import ReportOptions, compute_report
from tests.factories import SENTIMENTS, labelled_project


@pytest.fixture
def predicted(db):
    project = labelled_project(db.session, n_items=120)
    rng = random.Random(3)
    items = db.session.scalars(sa.select(Item).order_by(Item.id)).all()
    records = []
    for n, item in enumerate(items):
        truth = item.gold_answer
        value = truth if truth is not None and rng.random() < 0.8 else rng.choice(SENTIMENTS)
        records.append(
            Record(f"line {n + 1}", {"id": item.external_id, "value": value, "score": rng.random()})
        )
    import_predictions(db.session, project, records, source="t", model="clf", version="1")
    db.session.commit()
    return project


def _majority(db):
    votes: dict[int, Counter] = {}
    for item_id, value in db.session.execute(
        sa.select(Annotation.item_id, Annotation.value).where(Annotation.is_current.is_(True))
    ):
        votes.setdefault(item_id, Counter())[value] += 1
    out = {}
    for item_id, counter in votes.items():
        top = counter.most_common(2)
        if len(top) == 1 or top[0][1] > top[1][1]:
            out[item_id] = top[0][0]
    return out


def test_model_scope_figures_match_a_recount(db, predicted):
    report = compute_report(db.session, predicted, ReportOptions(bootstrap=0))
    assert report.scope_ids("model") == ["clf@1"]
    rows = db.session.execute(
        sa.select(Item.id, Item.gold_answer, Item.suggestion).order_by(Item.id)
    ).all()
    predicted_value = {i: s["value"] for i, _, s in rows}
    majority = _majority(db)
    hits = sum(predicted_value[i] == v for i, v in majority.items())
    agreement = report.get("model", "clf@1", "consensus_agreement")
    assert agreement.n_items == len(majority) > 0
    assert agreement.value == pytest.approx(hits / len(majority))
    assert (agreement.ci_low, agreement.ci_high) == pytest.approx(
        wilson_interval(hits, len(majority))
    )
    gold = [(g, predicted_value[i]) for i, g, _ in rows if g is not None]
    right = sum(g == v for g, v in gold)
    wilson = report.get("model", "clf@1", "gold_accuracy")
    exact = report.get("model", "clf@1", "gold_accuracy_clopper_pearson")
    assert wilson.value == exact.value == pytest.approx(right / len(gold))
    assert (wilson.ci_low, wilson.ci_high) == pytest.approx(wilson_interval(right, len(gold)))
    assert (exact.ci_low, exact.ci_high) == pytest.approx(
        clopper_pearson_interval(right, len(gold))
    )
    assert "Clopper" in exact.method and "Wilson" in wilson.method
    confusion = {f.metric: f.value for f in report.figures if f.metric.startswith("confusion:")}
    expected = Counter(f"confusion:{v}:{predicted_value[i]}" for i, v in majority.items())
    assert confusion == {k: float(n) for k, n in expected.items()}
    kappa = report.get("model", "clf@1", "consensus_kappa")
    assert kappa.value is not None and kappa.ci_low is None
    assert [m.label for m in report.extras["models"]] == ["clf@1"]


def test_the_csv_carries_the_model_scope_in_its_fixed_columns(db, predicted):
    report = compute_report(db.session, predicted, ReportOptions(bootstrap=0))
    rows = list(csv.DictReader(io.StringIO(metrics_csv(report))))
    assert tuple(rows[0]) == HEADER
    model = [r for r in rows if r["scope"] == "model"]
    metrics = {r["metric"] for r in model}
    assert {
        "consensus_agreement",
        "consensus_kappa",
        "gold_accuracy",
        "gold_accuracy_clopper_pearson",
    } <= metrics
    assert any(m.startswith("confusion:") for m in metrics)
    gold = next(r for r in model if r["metric"] == "gold_accuracy")
    assert gold["scope_id"] == "clf@1" and float(gold["ci_low"]) <= float(gold["value"])


def test_no_model_no_model_scope(db):
    project = labelled_project(db.session, n_items=40, n_unlabelled=10)
    report = compute_report(db.session, project, ReportOptions(bootstrap=0))
    assert report.scope_ids("model") == [] and "models" not in report.extras


def test_dashboard_and_dossier_list_the_model(db, predicted, client, login, tmp_path):
    from annotate.services.quality.dossier.build import build_dossier

    login("manager", "demo")
    html = client.get("/reports/demo").get_data(as_text=True)
    assert 'id="model-table"' in html and "clf@1" in html
    assert 'class="table table-sm table-bordered w-auto small model-confusion"' in html
    files = build_dossier(db.session, predicted, tmp_path / "d")
    db.session.rollback()
    page = next(p for p in files if p.suffix == ".html").read_text(encoding="utf-8")
    assert 'id="model-table"' in page and "clf@1" in page
    metrics = next(p for p in files if p.name == "metrics.csv").read_text(encoding="utf-8")
    assert ",model,clf@1,gold_accuracy," in metrics
