"""The quality-metrics CSV: exact header, parseable numbers, injection-safe, audited."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent
from annotate.services.quality.metrics_csv import HEADER, safe_text
from tests.factories import labelled_project

EXPECTED = (
    "project,scope,scope_id,metric,value,ci_low,ci_high,n_items,n_annotations,"
    "n_annotators,rulebook_version,level,method,computed_at"
)


@pytest.fixture
def demo(db):
    labelled_project(db.session, n_items=120)


def _parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_cli_export_header_and_rows(runner, demo, db, tmp_path):
    out = tmp_path / "m.csv"
    result = runner.invoke(args=["export", "metrics", "demo", "-o", str(out), "--bootstrap", "30"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == EXPECTED == ",".join(HEADER)
    rows = _parse(text)
    scopes = {r["scope"] for r in rows}
    assert {
        "project",
        "batch",
        "label",
        "annotator",
        "annotator_pair",
        "rulebook_version",
    } <= scopes
    metrics = {r["metric"] for r in rows}
    assert {
        "krippendorff_alpha",
        "fleiss_kappa",
        "cohen_kappa",
        "gwet_ac1",
        "percent_agreement",
        "gold_accuracy",
        "items_per_hour",
    } <= metrics
    for r in rows:
        if r["value"]:
            float(r["value"])
        else:
            assert r["method"].startswith("undefined: ") and not r["ci_low"]
        assert "nan" not in (r["value"] + r["ci_low"] + r["ci_high"]).lower()
    alpha = next(r for r in rows if r["scope"] == "project" and r["metric"] == "krippendorff_alpha")
    assert float(alpha["ci_low"]) < float(alpha["value"]) < float(alpha["ci_high"])
    assert alpha["level"] == "nominal" and alpha["rulebook_version"] == "1.0.0"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "export.metrics_csv")
    )
    assert event is not None and event.details["rows"] == len(rows)


def test_same_seed_same_csv_apart_from_the_timestamp(runner, demo):
    first = runner.invoke(args=["export", "metrics", "demo", "--bootstrap", "20"]).output
    second = runner.invoke(args=["export", "metrics", "demo", "--bootstrap", "20"]).output
    strip = [[c for c in row[:-1]] for row in csv.reader(io.StringIO(first))]
    assert strip == [[c for c in row[:-1]] for row in csv.reader(io.StringIO(second))]


def test_unknown_project_exits_non_zero(runner, db):
    result = runner.invoke(args=["export", "metrics", "nope"])
    assert result.exit_code != 0
    assert "nope" in result.output


def test_formula_injection_is_neutralised(db, demo, runner):
    from annotate.models import Batch

    batch = db.session.scalar(sa.select(Batch).limit(1))
    batch.name = '=HYPERLINK("http://x")'
    db.session.commit()
    rows = _parse(runner.invoke(args=["export", "metrics", "demo", "--bootstrap", "0"]).output)
    names = {r["scope_id"] for r in rows if r["scope"] == "batch"}
    assert '\'=HYPERLINK("http://x")' in names
    assert safe_text("-1") == "'-1" and safe_text("@a") == "'@a" and safe_text("ok") == "ok"
    negative = [r for r in rows if r["value"].startswith("-")]
    assert all(not r["value"].startswith("'") for r in negative)


def test_download_from_the_dashboard(client, login, demo, db):
    login("manager", "demo")
    response = client.get("/reports/demo/metrics.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True).splitlines()[0] == EXPECTED
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "export.metrics_csv")
        )
        == 1
    )
