"""The project report: figures match annotate.metrics, scopes, exclusions, dashboards, access."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.metrics import cohen_matrix, krippendorff_alpha
from annotate.models import (
    Annotation,
    Batch,
    BatchStatus,
    Item,
    ProjectRole,
    User,
)
from annotate.services.projects.projects import get_project
from annotate.services.quality.competence import confusion_table
from annotate.services.quality.report import ReportOptions, compute_report
from tests.factories import labelled_project


@pytest.fixture
def demo(db):
    labelled_project(db.session, n_items=150)
    return get_project(db.session, "demo")


def _rows(db, project):
    return db.session.execute(
        sa.select(Annotation.item_id, Annotation.annotator_id, Annotation.value)
        .join(Item, Item.id == Annotation.item_id)
        .join(Batch, Batch.id == Item.batch_id)
        .where(
            Item.project_id == project.id,
            Annotation.is_current.is_(True),
            Item.quarantined.is_(False),
            Batch.status != BatchStatus.void,
        )
    ).all()


def test_alpha_equals_metrics_on_the_same_rows(db, demo):
    report = compute_report(db.session, demo, ReportOptions(bootstrap=50))
    items, anns, values = zip(*_rows(db, demo), strict=True)
    expected = krippendorff_alpha(list(items), list(anns), list(values)).value
    figure = report.get("project", "demo", "krippendorff_alpha")
    assert figure.value == pytest.approx(expected, abs=1e-12)
    assert figure.ci_low < figure.value < figure.ci_high
    assert figure.n_annotations == len(items)
    assert report.get("project", "demo", "cohen_kappa").value == pytest.approx(
        cohen_matrix(list(items), list(anns), list(values)).mean
    )


def test_gold_accuracy_orders_the_demo_annotators(db, demo):
    report = compute_report(db.session, demo, ReportOptions(bootstrap=0))
    ann1 = report.get("annotator", "ann1", "gold_accuracy")
    ann3 = report.get("annotator", "ann3", "gold_accuracy")
    assert ann1.value > ann3.value
    assert 0 <= ann1.ci_low <= ann1.value <= ann1.ci_high <= 1
    assert "Wilson" in ann1.method
    assert report.get("annotator_pair", "ann1|ann2", "cohen_kappa") is not None
    assert {"demo"} == set(report.scope_ids("project"))
    assert set(report.scope_ids("batch")) == {"reviews-2026-10", "reviews-2026-11"}
    assert report.scope_ids("rulebook_version") == ["1.0.0"]
    assert set(report.scope_ids("label")) == {"positive", "negative", "neutral", "mixed"}


def test_only_counted_annotations_count(db, demo):
    before = compute_report(db.session, demo, ReportOptions(bootstrap=0))
    n = before.get("project", "demo", "percent_agreement").n_annotations
    batch = db.session.scalar(sa.select(Batch).where(Batch.name == "reviews-2026-11"))
    in_batch = db.session.scalar(
        sa.select(sa.func.count(Annotation.id)).join(Item).where(Item.batch_id == batch.id)
    )
    batch.status = BatchStatus.void
    item = db.session.scalar(
        sa.select(Item).join(Annotation).where(Item.batch_id != batch.id).limit(1)
    )
    item.quarantined = True
    on_item = db.session.scalar(
        sa.select(sa.func.count(Annotation.id)).where(Annotation.item_id == item.id)
    )
    other = db.session.scalar(
        sa.select(Annotation)
        .join(Item)
        .where(Item.batch_id != batch.id, Item.id != item.id)
        .limit(1)
    )
    other.is_current = False
    db.session.commit()
    after = compute_report(db.session, demo, ReportOptions(bootstrap=0))
    assert (
        after.get("project", "demo", "percent_agreement").n_annotations
        == n - in_batch - on_item - 1
    )
    assert "reviews-2026-11" not in after.scope_ids("batch")


def test_single_annotator_without_gold_is_undefined_with_reason(db, make_project, make_user):
    project = make_project("solo")
    user = make_user("solo-ann", project=project, roles=[ProjectRole.annotator])
    batch = Batch(project_id=project.id, name="b1")
    db.session.add(batch)
    db.session.flush()
    for i in range(5):
        item = Item(
            project_id=project.id,
            batch_id=batch.id,
            external_id=f"i{i}",
            payload={"text": "x"},
            content_hash=f"{i:064d}",
        )
        db.session.add(item)
        db.session.flush()
        db.session.add(Annotation(item_id=item.id, annotator_id=user.id, value="yes"))
    db.session.commit()
    report = compute_report(db.session, project, ReportOptions(bootstrap=20))
    alpha = report.get("project", "solo", "krippendorff_alpha")
    assert alpha.value is None and alpha.ci_low is None
    assert alpha.method.startswith("undefined: ")
    gold = report.get("project", "solo", "gold_accuracy")
    assert gold.value is None and "gold" in gold.method
    assert report.extras["confusion"] is None


def test_dashboard_renders_charts_and_links(db, demo, client, login):
    login("manager", "demo")
    response = client.get("/reports/demo")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<svg") >= 5
    for anchor in (
        'id="agreement-table"',
        'id="annotator-table"',
        "Confusion matrix",
        'action="/reports/demo/metrics"',  # both start a job (its page offers the file)
        'action="/reports/demo/dossier"',
    ):
        assert anchor in html
    assert "http://" not in html.split("<svg", 1)[1].replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_empty_project_dashboard_says_what_to_do_next(db, make_project, make_user, client, login):
    from tests.factories import import_batch, publish_rulebook, qualify

    project = make_project("empty")
    make_user("boss", admin=True)
    login("boss")

    def page():
        response = client.get("/reports/empty")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "undefined" not in html and "<svg" not in html
        return html

    assert 'data-step="rulebook"' in page()
    version = publish_rulebook(db.session, project)
    db.session.commit()
    assert 'data-step="items"' in page()
    import_batch(db.session, project, n_items=30)
    db.session.commit()
    html = page()
    assert 'data-step="annotators"' in html and 'data-count="items">30<' in html
    ann = make_user("ann", project=project, roles=[ProjectRole.annotator])
    assert 'data-step="training"' in page()
    qualify(db.session, project, [ann], version)
    db.session.commit()
    assert 'data-step="labeling"' in page()


def test_manager_sees_only_managed_projects(db, demo, make_project, make_user, client, login):
    other = make_project("other")
    make_user("other-mgr", project=other, roles=[ProjectRole.manager])
    login("other-mgr")
    assert client.get("/reports/demo").status_code == 403
    assert client.get("/reports/demo/metrics.csv").status_code == 403
    assert client.get("/reports/nope").status_code == 404
    assert client.get("/reports/other").status_code == 200


def test_annotator_pages(db, demo, client, login):
    ann3 = db.session.scalar(sa.select(Annotation.annotator_id).join(Item).limit(1))
    login("manager", "demo")
    response = client.get(f"/reports/demo/annotators/{ann3}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="supervision-form"' in page
    # MACE competence and the DS confusion matrix, one row and column per answer
    user = db.session.get(User, ann3)
    report = compute_report(db.session, demo, ReportOptions(0))
    mace_fig = report.get("annotator", user.username, "mace_competence")
    assert mace_fig is not None and f"{mace_fig.value:.3f}" in page
    assert 'id="ds-confusion"' in page
    n_answers = len(confusion_table(report, user.username)[0])
    table = page.split('id="ds-confusion"')[1].split("</table>")[0]
    assert table.count("<tr>") == n_answers + 1 and n_answers >= 2
    client.post("/logout")
    login("ann1", "demo")
    own = client.get("/annotate/quality/demo")
    assert own.status_code == 200
    text = own.get_data(as_text=True)
    assert "Gold accuracy" in text and 'id="supervision-form"' not in text
    assert 'id="competence"' not in text  # managers only
    assert client.get("/reports/demo").status_code == 403
