"""No silent drops: duplicates by external id only; shared content imported and listed (or
skipped and listed with ``dedupe="content"``); every result counts what it read."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from annotate.models import Item, ProjectRole
from annotate.services.accounts.tokens import create_token
from annotate.services.data.export import iter_dataset
from annotate.services.data.formats import read_records
from annotate.services.data.imports import import_records
from annotate.services.data.results import ImportRefused
from annotate.services.projects.projects import create_project
from tests.factories import import_batch, labelled_project


def _import(db, project, data: bytes, fmt="jsonl", batch="b1", **kwargs):
    records, problems = read_records(data, fmt)
    result = import_records(
        db.session, project, records, batch_name=batch, parse_problems=problems, **kwargs
    )
    db.session.commit()
    return result


def _items(db, project):
    return db.session.scalar(sa.select(sa.func.count(Item.id)).where(Item.project_id == project.id))


def _balanced(result):
    counts = result.counts()
    return counts["read"] == (
        counts["imported"]
        + counts["skipped_duplicate_id"]
        + counts["skipped_duplicate_content"]
        + counts["refused"]
    )


@pytest.fixture
def exported(db):
    """A small equivalent of the demo: annotated items, plus 6 items whose text other items
    already have (different ids), exported as Label Studio JSON."""
    project = labelled_project(db.session, n_items=30, n_unlabelled=10)
    texts = db.session.scalars(
        sa.select(Item.payload).where(Item.project_id == project.id).order_by(Item.id).limit(6)
    ).all()
    import_batch(db.session, project, "copies", n_items=6, payload=lambda n: texts[n])
    db.session.commit()
    data = "".join(iter_dataset(db.session, project, "labelstudio")).encode()
    return project, data, _items(db, project)


def test_reimporting_a_label_studio_export_loses_nothing(db, exported):
    source, data, n = exported
    target = create_project(db.session, "copy", "Copy", source.task_type, labels=["x"])
    target.label_schema = source.label_schema
    db.session.commit()
    result = _import(db, target, data, "labelstudio")
    assert result.read == n == result.inserted == _items(db, target)
    assert len(result.shared_content) == 6 and not result.duplicates
    assert all("same content as 'reviews-2026-10-" in line for line in result.shared_content)
    assert "6 items share content with existing items" in result.summary()
    assert _balanced(result)
    # Into the same project again: every record is a duplicate id, none lost or refused.
    again = _import(db, target, data, "labelstudio", batch="again")
    assert (again.read, again.inserted, len(again.duplicates)) == (n, 0, n)
    assert not again.shared_content and _balanced(again)


def test_dedupe_content_skips_shared_content_but_lists_it(db, exported):
    source, data, n = exported
    target = create_project(db.session, "c2", "C2", source.task_type, labels=["x"])
    target.label_schema = source.label_schema
    db.session.commit()
    result = _import(db, target, data, "labelstudio", dedupe="content")
    assert result.inserted == n - 6 == _items(db, target)
    assert len(result.duplicate_content) == 6 and not result.shared_content
    assert "skipped: same content as" in result.duplicate_content[0]
    assert result.counts()["skipped_duplicate_content"] == 6 and _balanced(result)


def test_shared_content_within_one_file_and_with_the_project(db, make_project):
    project = make_project("p", labels=["pos", "neg"])
    rows = [{"id": "a", "text": "same"}, {"id": "b", "text": "same"}, {"id": "a", "text": "same"}]
    data = "\n".join(json.dumps(r) for r in rows).encode()
    result = _import(db, project, data)
    assert (result.inserted, result.duplicates, result.shared_content) == (
        2,
        ["line 3: same id and content as 'a' at line 1"],
        ["line 2: 'b' imported; same content as 'a' earlier in this file"],
    )
    later = _import(db, project, json.dumps({"id": "c", "text": "same"}).encode(), batch="b2")
    assert later.shared_content == [
        "line 1: 'c' imported; same content as 'a' (already in the project)"
    ]
    skipped = _import(
        db, project, json.dumps({"id": "d", "text": "same"}).encode(), dedupe="content"
    )
    assert skipped.inserted == 0 and skipped.duplicate_content and _items(db, project) == 3


def test_refused_import_counts_records_and_writes_nothing(db, make_project):
    project = make_project("p", labels=["pos", "neg"])
    rows = [{"id": "a", "text": "one"}, {"id": "b"}, {"id": "a", "text": "two"}, "{oops"]
    data = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows).encode()
    with pytest.raises(ImportRefused) as caught:
        _import(db, project, data)
    db.session.rollback()
    assert caught.value.counts["read"] == 4 and caught.value.counts["refused"] == 3
    assert caught.value.counts["imported"] == 0 and _items(db, project) == 0
    assert "3 of 4 record(s)" in caught.value.args[0]


def test_unknown_dedupe_rule_is_refused(db, make_project):
    project = make_project("p", labels=["pos", "neg"])
    with pytest.raises(Exception, match="duplicate rule"):
        _import(db, project, b'{"text": "x"}', dedupe="fuzzy")


def test_cli_dedupe_content(runner, make_project, make_user, tmp_path):
    make_project("p", labels=["pos", "neg"])
    make_user("importer", admin=True)
    runner.env = {"ANNOTATE_ACTOR": "importer"}  # a CLI change names who makes it
    path = tmp_path / "f.jsonl"
    path.write_text('{"id": "a", "text": "t"}\n{"id": "b", "text": "t"}\n')
    out = runner.invoke(args=["import", "p", str(path), "--dedupe", "content"])
    assert out.exit_code == 0, out.output
    assert "skipped (duplicate content): line 2: 'b' skipped" in out.output
    assert "imported 1 items" in out.output and "skipped 0 duplicate ids and 1" in out.output
    path.write_text('{"id": "c", "text": "t"}\n')
    out = runner.invoke(args=["import", "p", str(path), "--batch", "b2"])
    assert "1 items share content with existing items." in out.output


def test_web_import_shows_the_report_and_api_takes_dedupe(
    db, client, login, make_user, make_project
):
    project = make_project("p", labels=["pos", "neg"])
    boss = make_user("boss", project=project, roles=[ProjectRole.manager])
    login("boss")
    assert b'name="dedupe"' in client.get("/admin/data/p").data
    body = b'{"id": "a", "text": "t"}\n{"id": "b", "text": "t"}\n{"id": "c", "text": "u"}\n'
    response = client.post(
        "/admin/data/p",
        data={"fmt": "jsonl", "dedupe": "content", "file": (io.BytesIO(body), "f.jsonl")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303  # to the import job's page
    html = client.get(response.location).get_data(as_text=True)
    assert 'data-count="read">3<' in html and 'data-count="imported">2<' in html
    assert 'data-count="skipped_duplicate_content">1<' in html and "import-content" in html
    refused = client.post(
        "/admin/data/p",
        data={"fmt": "jsonl", "file": (io.BytesIO(b'{"id": "z"}\n'), "g.jsonl")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 303
    assert b"import-refused-counts" in client.get(refused.location).data
    secret = create_token(db.session, boss, "ci")[1]
    db.session.commit()
    api = client.post(
        "/api/v1/projects/p/items?batch=api&dedupe=id",
        data=b'{"id": "d", "text": "u"}\n',
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert api.status_code == 202, api.get_json()
    answer = api.get_json()["result"]
    assert answer["counts"]["imported"] == 1 and len(answer["listed"]["shared"]) == 1
    bad = client.post(
        "/api/v1/projects/p/items?batch=api&dedupe=fuzzy",
        data=b'{"id": "e", "text": "v"}\n',
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert bad.status_code == 400 and "duplicate rule" in bad.get_json()["error"]
