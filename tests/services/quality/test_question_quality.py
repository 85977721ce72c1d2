"""Quality per question of a form project (issue 15 item 3), and one-question projects unchanged.

The form project of :func:`tests.form_factories.form_project` has thirteen questions of every
type, three annotators of known accuracy and gold items whose gold answers fix only the
questions that were asked (``risk_a`` only where ``harmless_a`` ≤ 2).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import krippendorff
import numpy as np
import pytest
import sqlalchemy as sa

from annotate.models import Annotation, Item, TaskType, User
from annotate.services.jobs.kinds import configured_report_options
from annotate.services.projects.questions import answer_of, questions_of
from annotate.services.quality.metrics_csv import metrics_csv
from annotate.services.quality.queries import canonical
from annotate.services.quality.report import ReportOptions, compute_report
from tests.factories import labelled_project
from tests.form_factories import form_project

GOLDEN = Path(__file__).parent / "golden" / "one_question_metrics.csv"
AT = datetime(2026, 12, 7, tzinfo=UTC)


@pytest.fixture
def form(db):
    project, items, truths = form_project(db.session, n_items=30)
    db.session.commit()
    return project


def _answers(db, project, key):
    """``{item_id: [answer, ...]}`` and ``{item_id: gold answer}`` of question ``key``."""
    rows = db.session.execute(
        sa.select(Annotation.item_id, Annotation.annotator_id, Annotation.value)
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == project.id, Annotation.is_current.is_(True))
    ).all()
    per_item: dict[int, dict[int, object]] = {}
    for item_id, annotator_id, value in rows:
        answer = answer_of(project, value, key)
        if answer is not None:
            per_item.setdefault(item_id, {})[annotator_id] = canonical(answer)
    gold = {
        item_id: canonical(answer_of(project, g, key))
        for item_id, g in db.session.execute(
            sa.select(Item.id, Item.gold_answer).where(
                Item.project_id == project.id, Item.gold_answer.is_not(None)
            )
        )
        if answer_of(project, g, key) is not None
    }
    return per_item, gold


def test_figures_per_question(db, form):
    """One report (it takes a while: thirteen questions), every per-question check."""
    report = compute_report(db.session, form, ReportOptions(bootstrap=20))
    _alpha_equals_the_krippendorff_package(db, form, report)
    _gold_counts_only_the_gold_that_fixes_the_question(db, form, report)
    _consensus_is_the_majority_vote(db, form, report)
    _metrics_csv_carries_the_questions(form, report)


def _alpha_equals_the_krippendorff_package(db, form, report):
    checked = 0
    for question in questions_of(form):
        if question.type in (TaskType.span, TaskType.text):
            figure = report.get("question", question.key, "krippendorff_alpha")
            assert figure.value is None and figure.method.startswith("undefined: ")
            continue
        per_item, _ = _answers(db, form, question.key)
        figure = report.get("question", question.key, "krippendorff_alpha")
        numeric = question.type == TaskType.rating
        codes = {
            v: i
            for i, v in enumerate(
                sorted({v for a in per_item.values() for v in a.values()}, key=str)
            )
        }
        annotators = sorted({a for answers in per_item.values() for a in answers})
        matrix = np.full((len(annotators), len(per_item)), np.nan)
        for col, answers in enumerate(per_item.values()):
            for ann, value in answers.items():
                matrix[annotators.index(ann), col] = value if numeric else codes[value]
        level = figure.level
        assert level == ("ordinal" if numeric else "nominal")
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
        assert figure.value == pytest.approx(expected, abs=1e-9), question.key
        assert figure.n_items == len(per_item)
        checked += 1
    assert checked == 10  # preference, strength, six ratings, two label sets


def _gold_counts_only_the_gold_that_fixes_the_question(db, form, report):
    partial = 0
    for question in questions_of(form):
        per_item, gold = _answers(db, form, question.key)
        pairs = [
            (v, gold[i]) for i, answers in per_item.items() if i in gold for v in answers.values()
        ]
        figure = report.get("question", question.key, "gold_accuracy")
        assert figure.n_annotations == len(pairs), question.key
        assert figure.value == pytest.approx(sum(v == g for v, g in pairs) / len(pairs))
        assert figure.ci_low < figure.value <= figure.ci_high
        partial += len(gold) < 6  # 30 items, every 5th gold
    assert partial >= 2  # the risk questions: gold only where harmlessness ≤ 2


def _consensus_is_the_majority_vote(db, form, report):
    for key in ("preference", "harmless_b", "risk_a"):
        per_item, _ = _answers(db, form, key)
        shared = [Counter(a.values()) for a in per_item.values() if len(a) >= 2]
        agreed = [c for c in shared if list(c.values()).count(max(c.values())) == 1]
        rate = report.get("question", key, "consensus_rate")
        assert (rate.n_items, rate.value) == (len(shared), pytest.approx(len(agreed) / len(shared)))
        support = report.get("question", key, "consensus_support")
        expected = np.mean([max(c.values()) / sum(c.values()) for c in agreed])
        assert support.value == pytest.approx(expected)
        assert support.ci_low <= support.value <= support.ci_high
    text = report.get("question", "reason", "consensus_rate")
    assert text.value is None and text.method == "undefined: no majority vote over free text"


def test_clause_analytics_per_question(db, form):
    fa3 = db.session.scalar(sa.select(User.id).where(User.username == "fa3"))
    for annotation in db.session.scalars(
        sa.select(Annotation).where(Annotation.annotator_id == fa3)
    ):
        annotation.clause_keys = ["R2"]
    db.session.commit()
    report = compute_report(db.session, form, ReportOptions(bootstrap=0))
    for key in ("preference", "helpful_a"):
        per_item, _ = _answers(db, form, key)
        disagreed = sum(1 for a in per_item.values() if fa3 in a and len(set(a.values())) > 1)
        figure = report.get("question_clause", f"{key}/R2", "disagreement_citations")
        assert figure.value == disagreed
    assert report.get("clause", "R2", "disagreement_citations") is None  # not form-wide


def _metrics_csv_carries_the_questions(form, report):
    rows = list(csv.DictReader(io.StringIO(metrics_csv(report))))
    keys = {q.key for q in questions_of(form)}
    assert {r["scope_id"] for r in rows if r["scope"] == "question"} == keys
    for r in rows:
        assert "nan" not in (r["value"] + r["ci_low"] + r["ci_high"]).lower()
        if r["scope"].startswith("question_"):
            assert r["scope"][9:] in (
                "batch",
                "rulebook_version",
                "label",
                "annotator",
                "annotator_pair",
                "clause",
            )
            assert r["scope_id"].split("/", 1)[0] in keys
        elif r["scope"] in ("project", "batch") and r["metric"] == "krippendorff_alpha":
            assert r["value"] == "" and "per question" in r["method"]
    speed = [r for r in rows if r["metric"] == "items_per_hour"]
    assert speed and all(r["scope"] in ("project", "annotator") for r in speed)
    assert not [r for r in rows if r["scope"] == "project" and r["metric"] == "gold_accuracy"]
    gold = {
        r["scope_id"]
        for r in rows
        if r["scope"] == "question_annotator" and r["metric"] == "gold_accuracy"
    }
    assert "preference/fa3" in gold


def _csv_cells(text: str) -> list[list[str | float]]:
    """Rows of a metrics CSV, a number cell as a float: the Dawid-Skene EM sums in an order
    the BLAS of the machine picks, so its last bit may differ from the golden file's."""

    def cell(value: str) -> str | float:
        try:
            return float(value) if value not in ("", "nan") else value
        except ValueError:
            return value

    return [[cell(v) for v in row] for row in csv.reader(io.StringIO(text))]


def test_one_question_csv_is_unchanged(db):
    """The CSV of main at 50e4c5e (before questions): a reader of one-question projects sees
    the same rows, columns, labels and line endings, every number equal to 1e-12 relative.
    Regenerate golden/ only for a deliberate change of a one-question figure."""
    project = labelled_project(db.session, n_items=120)
    report = compute_report(db.session, project, ReportOptions(bootstrap=30, seed=3))
    report.computed_at = AT
    text = metrics_csv(report)
    golden = GOLDEN.read_bytes().decode("utf-8")
    assert text.count("\r\n") == golden.count("\r\n") == len(text.splitlines())
    actual, expected = _csv_cells(text), _csv_cells(golden)
    assert [len(row) for row in actual] == [len(row) for row in expected]
    for got_row, want_row in zip(actual, expected, strict=True):
        for got, want in zip(got_row, want_row, strict=True):
            if isinstance(want, float):
                assert got == pytest.approx(want, rel=1e-12, abs=1e-300), want_row[:4]
            else:
                assert got == want, want_row[:4]


def test_dashboard_shows_alpha_per_question_with_intervals(db, form, make_user, client, login):
    make_user("boss", admin=True)
    login("boss")
    html = client.get(f"/reports/{form.slug}").get_data(as_text=True)
    assert 'id="question-table"' in html
    report = compute_report(db.session, form, configured_report_options())
    for key in ("preference", "harmless_a", "risk_b"):
        alpha = report.get("question", key, "krippendorff_alpha")
        row = html.split(f'id="question-{key}"', 1)[1].split("</tr>", 1)[0]
        assert f"{alpha.value:.3f}" in row and f"[{alpha.ci_low:.3f}, {alpha.ci_high:.3f}]" in row
    row = html.split('id="question-pi_a"', 1)[1].split("</tr>", 1)[0]
    assert "Span F1 (exact)" in row


def test_dossier_lists_the_figures_per_question(db, form, tmp_path):
    from annotate.services.quality.dossier.build import DossierRequest, build_dossier

    build_dossier(db.session, form, tmp_path, DossierRequest(options=ReportOptions(bootstrap=0)))
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    table = html.split('id="question-table"', 1)[1].split("</table>", 1)[0]
    assert "哪个回答更好？" in table and "<code>harmless_b</code>" in table
    assert table.count("<tr>") == 1 + len(questions_of(form))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "metrics.csv").read_text("utf-8"))))
    alpha = next(
        r
        for r in rows
        if (r["scope"], r["scope_id"]) == ("question", "preference")
        and r["metric"] == "krippendorff_alpha"
    )
    assert f"{float(alpha['value']):.3f}" in table


def test_questions_past_the_vector_budget_use_their_own_anonymous_cells(db, form, monkeypatch):
    """Many annotators with sparse overlap: each question falls back to the multiset cells
    and the annotator tables of its own answers (sparse.py), with the same figures."""
    import annotate.services.quality.question_cells as one_pass
    import annotate.services.quality.sql as sql

    monkeypatch.setattr(sql, "VECTOR_BUDGET", 5)
    monkeypatch.setattr(one_pass, "VECTOR_BUDGET", 5)
    report = compute_report(db.session, form, ReportOptions(bootstrap=0))
    for key in ("preference", "helpful_a", "risk_b"):
        assert "sparse overlap" in report.get("question", key, "cohen_kappa").method
    _alpha_equals_the_krippendorff_package(db, form, report)
    _gold_counts_only_the_gold_that_fixes_the_question(db, form, report)
