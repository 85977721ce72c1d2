"""Task-type figures in the report (issue 17 item 1): each equals the pure function of
:mod:`annotate.metrics.taskwise` run on every counted annotation, with its interval, and the
aggregate report equals the in-memory oracle (intervals included)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.metrics.taskwise import gold_closeness, gold_span_f1, jaccard, text_agreement
from annotate.services.quality.report import ReportOptions, compute_report
from annotate.services.quality.span_figures import _spans
from tests.services.quality.oracle_data import load_project_data
from tests.services.quality.report_paths import build, compare


def _long(db, project):
    data = load_project_data(db.session, project)
    values = [data.categories[v] for v in data.value.tolist()]
    names = [data.users.get(a, str(a)) for a in data.annotator.tolist()]
    gold = {item: data.categories[code] for item, code in data.gold.items()}
    return data, data.item.tolist(), names, values, gold


def _check_interval(fig):
    assert fig.ci_low is not None and fig.ci_low <= fig.value <= fig.ci_high, fig
    assert "bootstrap" in fig.method or "Wilson" in fig.method


def test_multi_label_set_overlap_with_gold(db, make_project, make_user):
    sets = [["a"], ["a", "b"], ["b"], ["a", "b", "c"], []]
    project, users = build(
        db, make_project, make_user, "tml", "multi_label", sets, labels=["a", "b", "c"]
    )
    compare(db, project, users)
    report = compute_report(db.session, project, ReportOptions(60, 1))
    data, items, names, values, gold = _long(db, project)
    pure = gold_closeness(items, values, gold, jaccard)
    fig = report.get("project", "tml", "gold_set_overlap")
    assert pure is not None and fig.value == pytest.approx(pure, abs=1e-12)
    _check_interval(fig)
    for user in users:
        mine = [i for i, n in enumerate(names) if n == user.username]
        own = gold_closeness([items[i] for i in mine], [values[i] for i in mine], gold, jaccard)
        got = report.get("annotator", user.username, "gold_set_overlap")
        assert (got.value is None) == (own is None)
        if own is not None:
            assert got.value == pytest.approx(own, abs=1e-12)
    # per-label alpha: one row per label of the schema
    assert {f.scope_id for f in report.figures if f.scope == "label"} == {"a", "b", "c"}


def test_rating_mean_absolute_deviation_from_gold(db, make_project, make_user):
    project, users = build(
        db,
        make_project,
        make_user,
        "trt",
        "rating",
        [1, 2, 3, 4, 5],
        labels=None,
        scale="1-5",
        measurement_level="ordinal",
    )
    compare(db, project, users)
    report = compute_report(db.session, project, ReportOptions(60, 1))
    _, items, _, values, gold = _long(db, project)
    pure = gold_closeness(items, values, gold, lambda a, g: abs(a - g))
    fig = report.get("project", "trt", "gold_mean_abs_deviation")
    assert pure is not None and pure > 0 and fig.value == pytest.approx(pure, abs=1e-12)
    _check_interval(fig)


def test_span_gold_f1(db, make_project, make_user):
    per = {"start": 0, "end": 4, "label": "PER"}
    spans = [
        [per],
        [{"start": 0, "end": 3, "label": "PER"}],
        [per, {"start": 5, "end": 9, "label": "LOC"}],
        [],
    ]
    project, users = build(db, make_project, make_user, "tsp", "span", spans, labels=["PER", "LOC"])
    compare(db, project, users)
    report = compute_report(db.session, project, ReportOptions(60, 1))
    _, items, _, values, gold = _long(db, project)
    gold_spans = {i: _spans(g) for i, g in gold.items()}
    for mode in ("exact", "overlap"):
        pure = gold_span_f1(items, [_spans(v) for v in values], gold_spans, mode)
        fig = report.get("project", "tsp", f"gold_span_f1_{mode}")
        assert pure is not None and fig.value == pytest.approx(pure, abs=1e-12)
        _check_interval(fig)


def test_free_text_exact_match_and_similarity(db, make_project, make_user):
    texts = ["The cat sat.", "the  cat sat.", "ＴＨＥ cat sat.", "A dog ran.", "a dog ran"]
    project, users = build(db, make_project, make_user, "ttx", "text", texts, labels=None)
    compare(db, project, users)
    report = compute_report(db.session, project, ReportOptions(60, 1))
    _, items, names, values, _ = _long(db, project)
    pure = text_agreement(items, names, values)
    for key in ("exact_match", "char_similarity"):
        fig = report.get("project", "ttx", f"text_{key}")
        assert pure[key] is not None and fig.value == pytest.approx(pure[key], abs=1e-12)
        assert fig.method.startswith("descriptive")
        _check_interval(fig)
    assert report.get("project", "ttx", "text_char_similarity").value >= pure["exact_match"]


def test_pairwise_position_bias_counts_the_shown_position(db, make_project, make_user):
    from statsmodels.stats.proportion import proportion_confint

    from annotate.metrics.taskwise import position_counts
    from annotate.models import Annotation
    from annotate.services.quality.queries import counted_values, joined

    choices = [{"choice": "A"}, {"choice": "A"}, {"choice": "B"}, {"choice": "tie"}]
    project, users = build(db, make_project, make_user, "tpw", "pairwise", choices, labels=None)
    rows = db.session.scalars(sa.select(Annotation).order_by(Annotation.id)).all()
    for n, row in enumerate(rows):  # shown swapped, not, or not recorded (an API answer)
        row.swapped = (True, False, None)[n % 3]
    db.session.commit()
    compare(db, project, users)
    report = compute_report(db.session, project, ReportOptions(0))
    counted = db.session.scalars(joined(Annotation).where(*counted_values(project.id))).all()
    first, second, unknown = position_counts(
        [r.value["choice"] for r in counted], [r.swapped for r in counted]
    )
    assert first and second and unknown
    fig = report.get("project", "tpw", "position_bias_a")
    assert fig.value == pytest.approx(first / (first + second))
    assert fig.n_annotations == first + second
    assert (fig.ci_low, fig.ci_high) == pytest.approx(
        proportion_confint(first, first + second, alpha=0.05, method="wilson")
    )
    assert "random order" in fig.method and f"{unknown} answers with no recorded" in fig.method
    # content ("A" in the item) and position now differ: the old share of A is another number
    a = sum(r.value["choice"] == "A" for r in counted if r.swapped is not None)
    assert a / (first + second) != pytest.approx(fig.value)
    for user in users:
        mine = [r for r in counted if r.annotator_id == user.id]
        own = position_counts([r.value["choice"] for r in mine], [r.swapped for r in mine])
        got = report.get("annotator", user.username, "position_bias_a")
        assert got.value == (pytest.approx(own[0] / (own[0] + own[1])) if sum(own[:2]) else None)
    # pairwise answers are objects: their per-label alpha reads the choice
    assert report.get("label", "A", "krippendorff_alpha").value is not None


def test_span_f1_per_annotator_and_per_label(db, make_project, make_user):
    from itertools import combinations

    from annotate.metrics.taskwise import span_counts

    per = {"start": 0, "end": 4, "label": "PER"}
    loc = {"start": 5, "end": 9, "label": "LOC"}
    spans = [[per], [{"start": 0, "end": 3, "label": "PER"}], [per, loc], [loc], []]
    project, users = build(db, make_project, make_user, "tsd", "span", spans, labels=["PER", "LOC"])
    compare(db, project, users)
    report = compute_report(db.session, project, ReportOptions(60, 1))
    _, items, names, values, _ = _long(db, project)
    by_item: dict = {}
    for item, name, value in zip(items, names, values, strict=True):
        by_item.setdefault(item, {})[name] = _spans(value)
    for mode in ("exact", "overlap"):
        for label in ("PER", "LOC"):
            inter = size = 0
            for given in by_item.values():
                for a, b in combinations(sorted(given), 2):
                    sa = [s for s in given[a] if s[2] == label]
                    sb = [s for s in given[b] if s[2] == label]
                    i, n = span_counts(sa, sb, mode)
                    inter, size = inter + i, size + n
            fig = report.get("label", label, f"span_f1_{mode}")
            assert fig.value == pytest.approx(2 * inter / size, abs=1e-12)
            _check_interval(fig)
        for user in users:
            inter = size = 0
            for given in by_item.values():
                for other in given:
                    if user.username in given and other != user.username:
                        i, n = span_counts(given[user.username], given[other], mode)
                        inter, size = inter + i, size + n
            fig = report.get("annotator", user.username, f"span_f1_{mode}")
            assert fig.value == pytest.approx(2 * inter / size, abs=1e-12)


def test_dossier_shows_the_task_type_figures(app, runner, db, make_project, make_user, tmp_path):
    from annotate.services.quality.dossier.signing import generate_key

    app.config["SIGNING_KEY"] = generate_key()[0]
    sets = [["a"], ["a", "b"], ["b"], []]
    build(db, make_project, make_user, "dml", "multi_label", sets, labels=["a", "b"])
    out = tmp_path / "dossier"
    result = runner.invoke(args=["dossier", "dml", "-o", str(out), "--bootstrap", "20"])
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text(encoding="utf-8")
    table = html[html.index('id="task-table"') :]
    table = table[: table.index("</table>")]
    assert "MASI" in table and "Jaccard" in table and table.count("<strong>") >= 2
    assert "审核员引用该条款判错的比例" in html  # the clause table's error rate (zh by default)
