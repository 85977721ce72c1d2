"""Tabular exports for analysts: Parquet and the long format (one row per annotation) in CSV
and Parquet, read back with pandas; declared column types; streamed; empty projects."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from annotate.models import (
    Annotation,
    AuditEvent,
    Item,
    ProjectRole,
    Review,
    SampledAnnotation,
    SampleMethod,
    SamplePlan,
    User,
    Verdict,
)
from annotate.services.data.export import CSV_COLUMNS, iter_dataset
from annotate.services.data.long_rows import LONG_COLUMNS, pseudonym
from annotate.services.data.tabular import LONG_SCHEMA, WIDE_SCHEMA, iter_parquet
from tests.factories import labelled_project

SECRET = b"k" * 32
LONG_NAMES = [name for name, _ in LONG_COLUMNS]


def _export(db, project, fmt, **kwargs) -> bytes:
    chunks = list(iter_dataset(db.session, project, fmt, secret=SECRET, **kwargs))
    return b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)


@pytest.fixture
def project(db):
    """The demo-like project, with one superseded annotation and a reviewed one."""
    project = labelled_project(db.session, n_items=30, n_unlabelled=10)
    first, second = db.session.scalars(sa.select(Annotation).order_by(Annotation.id).limit(2))
    redo = Annotation(
        item_id=first.item_id,
        annotator_id=first.annotator_id,
        value="negative",
        rulebook_version_id=first.rulebook_version_id,
        duration_ms=1200,
    )
    db.session.add(redo)
    db.session.flush()
    first.is_current, first.superseded_by_id = False, redo.id
    item = db.session.get(Item, second.item_id)
    plan = SamplePlan(
        batch_id=item.batch_id, method=SampleMethod.fixed_n, seed=1, lot_size=10, sample_size=1
    )
    db.session.add(plan)
    db.session.flush()
    sampled = SampledAnnotation(plan_id=plan.id, annotation_id=second.id)
    db.session.add(sampled)
    db.session.flush()
    reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
    db.session.add(
        Review(sampled_annotation_id=sampled.id, reviewer_id=reviewer.id, verdict=Verdict.incorrect)
    )
    db.session.commit()
    return project


def _annotations(db):
    return db.session.scalar(sa.select(sa.func.count(Annotation.id)))


def test_long_parquet_has_one_typed_row_per_annotation(db, project):
    data = _export(db, project, "long-parquet")
    assert pq.read_schema(io.BytesIO(data)) == LONG_SCHEMA
    frame = pd.read_parquet(io.BytesIO(data))
    assert list(frame.columns) == LONG_NAMES and len(frame) == _annotations(db)
    assert str(frame["submitted_at"].dtype).startswith("datetime64") and "UTC" in str(
        frame["submitted_at"].dtype
    )
    assert frame["is_current"].dtype == bool and frame["item_id"].dtype == "int64"
    assert frame["is_current"].sum() == len(frame) - 1
    assert frame["review_verdict"].dropna().tolist() == ["incorrect"]
    assert (
        set(frame["rulebook_version"]) == {"1.0.0"}
        and frame["rulebook_sha256"].str.len().eq(64).all()
    )
    assert frame["round"].dropna().eq(1).all() and frame["duration_ms"].notna().all()
    assert set(frame["value"].str.strip('"')) <= {"positive", "negative", "neutral", "mixed"}
    names = db.session.scalars(sa.select(User.username)).all()
    assert not set(frame["annotator"]) & set(names)
    assert all(a.startswith("ann-") and len(a) == 16 for a in frame["annotator"])


def test_long_csv_matches_the_parquet(db, project):
    csv_frame = pd.read_csv(
        io.BytesIO(_export(db, project, "long-csv")),
        parse_dates=["submitted_at", "imported_at"],
        dtype={"round": "Int32", "duration_ms": "Int64"},
    )
    parquet_frame = pd.read_parquet(io.BytesIO(_export(db, project, "long-parquet")))
    assert list(csv_frame.columns) == LONG_NAMES and len(csv_frame) == len(parquet_frame)
    for column in ("item_id", "annotation_id", "annotator", "value", "is_current"):
        assert csv_frame[column].tolist() == parquet_frame[column].tolist(), column
    assert (csv_frame["submitted_at"] == parquet_frame["submitted_at"]).all()


def test_annotators_named_or_pseudonymised_stably(db, project):
    one = pd.read_parquet(io.BytesIO(_export(db, project, "long-parquet")))
    two = pd.read_parquet(io.BytesIO(_export(db, project, "long-parquet")))
    assert one["annotator"].tolist() == two["annotator"].tolist()
    named = pd.read_parquet(io.BytesIO(_export(db, project, "long-parquet", annotators="name")))
    assert set(named["annotator"]) <= {"ann1", "ann2", "ann3", "ann4", "ann5"}
    assert pseudonym(SECRET, 1, 5) != pseudonym(SECRET, 2, 5) != pseudonym(b"other", 1, 5)
    with pytest.raises(Exception, match="naming"):
        iter_dataset(db.session, project, "long-csv", annotators="everyone")


def test_wide_parquet_has_the_csv_columns(db, project):
    data = _export(db, project, "parquet")
    assert pq.read_schema(io.BytesIO(data)) == WIDE_SCHEMA
    frame = pd.read_parquet(io.BytesIO(data))
    wide_csv = pd.read_csv(io.BytesIO(_export(db, project, "csv")))
    assert list(frame.columns) == list(CSV_COLUMNS) and len(frame) == len(wide_csv) == 30
    assert frame["n_annotations"].sum() == _annotations(db) - 1  # current ones only
    assert frame["item_id"].tolist() == wide_csv["item_id"].tolist()
    assert list(frame["rulebook_versions"].iloc[0]) == ["1.0.0"]


@pytest.mark.parametrize("fmt", ["parquet", "long-parquet", "long-csv"])
def test_an_empty_project_gives_a_valid_empty_file(db, make_project, fmt):
    empty = make_project("empty")
    data = _export(db, empty, fmt)
    if fmt == "long-csv":
        frame = pd.read_csv(io.BytesIO(data))
        assert list(frame.columns) == LONG_NAMES and frame.empty
    else:
        schema = LONG_SCHEMA if fmt == "long-parquet" else WIDE_SCHEMA
        assert pq.read_schema(io.BytesIO(data)) == schema
        assert pd.read_parquet(io.BytesIO(data)).empty


def test_parquet_is_written_by_row_groups_as_it_streams():
    rows = ((n, f"e{n}") for n in range(95))
    import pyarrow as pa

    schema = pa.schema([("n", pa.int64()), ("e", pa.string())])
    chunks = list(iter_parquet(rows, schema, row_group=10))
    assert len(chunks) >= 10  # a chunk per row group, then the footer
    parquet = pq.ParquetFile(io.BytesIO(b"".join(chunks)))
    assert parquet.metadata.num_row_groups == 10 and parquet.metadata.num_rows == 95


def test_download_cli_and_audit(db, project, make_user, client, login, runner, tmp_path):
    make_user("boss", project=project, roles=[ProjectRole.manager])
    login("boss")
    page = client.get(f"/admin/data/{project.slug}").get_data(as_text=True)
    assert 'id="export-tables"' in page
    choice = client.get(f"/admin/data/{project.slug}/export?format=long-parquet&annotators=name")
    assert choice.status_code == 302
    response = client.get(choice.headers["Location"])
    assert response.status_code == 200 and response.mimetype == "application/vnd.apache.parquet"
    assert "demo-dataset.long.parquet" in response.headers["Content-Disposition"]
    assert len(pd.read_parquet(io.BytesIO(response.data))) == _annotations(db)
    assert client.get(f"/admin/data/{project.slug}/export/long-csv?annotators=x").status_code == 404
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.details["format"] == "long-parquet" and event.details["annotators"] == "name"
    out = tmp_path / "long.parquet"
    result = runner.invoke(
        args=["export", "dataset", project.slug, "--format", "long-parquet", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out)) == _annotations(db)


def test_api_exports_the_long_formats(db, project, client):
    from annotate.services.accounts.tokens import create_token

    manager = db.session.scalar(sa.select(User).where(User.username == "manager"))
    secret = create_token(db.session, manager, "ci")[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/projects/{project.slug}/export"
    response = client.get(f"{url}?format=long-parquet", headers=headers)
    assert response.status_code == 200, response.data[:200]
    assert response.mimetype == "application/vnd.apache.parquet"
    frame = pd.read_parquet(io.BytesIO(response.data))
    assert len(frame) == _annotations(db) and frame["annotator"].str.startswith("ann-").all()
    bad = client.get(f"{url}?format=long-csv&annotators=everyone", headers=headers)
    assert bad.status_code == 400 and "naming" in bad.get_json()["error"]
    assert client.get(f"{url}?format=xml", headers=headers).status_code == 400
