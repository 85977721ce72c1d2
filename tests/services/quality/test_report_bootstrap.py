"""One bootstrap: ``annotate agreement`` and the dashboard give the same intervals for the same
ratings, seed and number of resamples."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from click.testing import CliRunner

from annotate.cli.metrics_cmds import agreement_command
from annotate.models import Annotation, Batch, Item

AGREEMENT = ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa", "gwet_ac1", "percent_agreement")
LABELS = ["pos", "neg", "neu"]


def test_cli_and_dashboard_intervals_are_equal(
    app, db, make_project, make_user, client, login, tmp_path
):
    project = make_project("same-ci", labels=LABELS)
    # user ids in another order than the names: the draw must not depend on either
    users = [make_user(name) for name in ("zoe", "amy", "kim", "bob")]
    batches = [Batch(project_id=project.id, name=name) for name in ("b1", "b2")]
    db.session.add_all(batches)
    db.session.flush()
    rng = np.random.default_rng(4)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    rows = [("item", "annotator", "label")]
    for n in range(80):
        truth = LABELS[int(rng.integers(0, 3))]
        item = Item(
            project_id=project.id,
            batch_id=batches[n % 2].id,
            external_id=f"i{n}",
            payload={"text": "x"},
            content_hash=f"c{n}".ljust(64, "0"),
            gold_answer=truth if n % 5 == 0 else None,
        )
        db.session.add(item)
        db.session.flush()
        for user in users:
            if rng.random() < 0.7:
                value = truth if rng.random() < 0.75 else LABELS[int(rng.integers(0, 3))]
                db.session.add(
                    Annotation(
                        item_id=item.id,
                        annotator_id=user.id,
                        value=value,
                        submitted_at=start + timedelta(days=int(rng.integers(0, 30))),
                    )
                )
                rows.append((item.external_id, user.username, value))
    db.session.commit()
    path = tmp_path / "ratings.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)

    result = CliRunner().invoke(agreement_command, [str(path), "--bootstrap", "60", "--seed", "5"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)

    app.config.update(REPORT_BOOTSTRAP=60, REPORT_SEED=5)
    make_user("boss", admin=True)
    login("boss")
    text = client.get("/reports/same-ci/metrics.csv").get_data(as_text=True)
    web = {
        row["metric"]: row for row in csv.DictReader(io.StringIO(text)) if row["scope"] == "project"
    }
    for metric in AGREEMENT:
        # equal up to the order of a float sum (Cohen's pairs: by name here, by id there)
        assert float(web[metric]["value"]) == pytest.approx(cli[metric], abs=1e-12), metric
        ci = (float(web[metric]["ci_low"]), float(web[metric]["ci_high"]))
        assert ci == pytest.approx(tuple(cli["ci"][metric]), abs=1e-12), metric
        assert "60 resamples, seed 5" in web[metric]["method"]
    other = json.loads(
        CliRunner()
        .invoke(agreement_command, [str(path), "--bootstrap", "60", "--seed", "6"])
        .stdout
    )
    assert other["ci"]["fleiss_kappa"] != cli["ci"]["fleiss_kappa"]
