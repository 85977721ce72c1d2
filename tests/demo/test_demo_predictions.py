"""The demo imports a model's predictions for its sentiment project: the metrics CSV shows
scope ``model`` with gold accuracy, and the Label Studio export carries the predictions, so
re-importing it into a new project keeps them."""

from __future__ import annotations

import csv
import io
import json

import sqlalchemy as sa

from annotate.demo.predictions import MODEL, VERSION
from annotate.demo.seed import seed_demo
from annotate.models import ModelVersion, Prediction, Project
from annotate.services.data.export import iter_dataset
from annotate.services.data.formats import read_records
from annotate.services.data.imports import import_records
from annotate.services.projects.projects import create_project
from annotate.services.quality.metrics_csv import metrics_csv
from annotate.services.quality.report import ReportOptions, compute_report


def test_demo_model_in_the_metrics_csv_and_the_label_studio_round_trip(db):
    seed_demo(n_items=120)
    db.session.commit()
    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    label = f"{MODEL}@{VERSION}"
    report = compute_report(db.session, project, ReportOptions(bootstrap=0))
    rows = list(csv.DictReader(io.StringIO(metrics_csv(report))))
    gold = next(r for r in rows if r["scope"] == "model" and r["metric"] == "gold_accuracy")
    assert gold["scope_id"] == label and 0.5 < float(gold["value"]) <= 1
    assert float(gold["ci_low"]) < float(gold["value"]) <= float(gold["ci_high"])
    agreement = next(
        r for r in rows if r["scope"] == "model" and r["metric"] == "consensus_agreement"
    )
    assert float(agreement["value"]) > 0.5

    exported = "".join(iter_dataset(db.session, project, "labelstudio"))
    copy = create_project(
        db.session, "copy", "Copy", project.task_type, labels=[lab["key"] for lab in project.labels]
    )
    records, problems = read_records(exported.encode(), "labelstudio")
    result = import_records(
        db.session, copy, records, batch_name="again", source="export", parse_problems=problems
    )
    db.session.commit()
    assert result.counts()["predictions"] == result.inserted == 120
    models = db.session.scalars(
        sa.select(ModelVersion.name).where(ModelVersion.project_id == copy.id)
    ).all()
    assert models == [MODEL]
    kept = db.session.scalar(
        sa.select(sa.func.count(Prediction.id))
        .join(ModelVersion)
        .where(ModelVersion.project_id == copy.id)
    )
    assert kept == 120
    assert json.loads(exported)[0]["predictions"][0]["model_version"] == label
