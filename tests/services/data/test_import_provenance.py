"""Imported annotations carry their provenance: tool and file, time, and the rulebook version
the importer named — or they are counted apart as "no rulebook version"."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from annotate.models import Annotation, AnnotationSource, ProjectRole
from annotate.services.data.export import iter_dataset
from annotate.services.data.formats import read_records
from annotate.services.data.imports import import_records, list_batches
from annotate.services.errors import InvalidInput, NotFound
from annotate.services.rulebooks.parsing import parse_rulebook
from annotate.services.rulebooks.versions import import_rulebook
from tests.factories import MINIMAL, publish_rulebook

TASKS = [
    {
        "id": n,
        "data": {"text": f"text {n}"},
        "annotations": [
            {
                "completed_by": {"username": "lsuser"},
                "result": [
                    {
                        "type": "choices",
                        "from_name": "l",
                        "to_name": "t",
                        "value": {"choices": ["yes"]},
                    }
                ],
            }
        ],
    }
    for n in range(3)
]


def _import(db, project, batch, **kwargs):
    records, problems = read_records(json.dumps(TASKS).encode(), "labelstudio")
    result = import_records(
        db.session,
        project,
        records,
        batch_name=batch,
        source="ls-export.json",
        parse_problems=problems,
        **kwargs,
    )
    db.session.commit()
    return result


def test_imported_annotations_are_marked_and_stamped(db, make_project):
    project = make_project("p")
    version = publish_rulebook(db.session, project)
    db.session.commit()
    result = _import(db, project, "b1", rulebook_version=version.version)
    assert result.annotations == 3 and result.annotations_without_version == 0
    rows = db.session.scalars(sa.select(Annotation)).all()
    assert {(a.source, a.rulebook_version_id) for a in rows} == {
        (AnnotationSource.imported, version.id)
    }
    assert all(a.imported_from == "Label Studio: ls-export.json" and a.imported_at for a in rows)
    text = "".join(iter_dataset(db.session, project, "jsonl"))
    first = json.loads(text.splitlines()[0])["annotations"][0]
    assert first["rulebook_version"] == version.version
    assert first["imported_from"] == "Label Studio: ls-export.json" and first["imported_at"]


def test_without_a_version_they_are_counted_apart(db, make_project, runner):
    project = make_project("p")
    result = _import(db, project, "b1")
    assert result.annotations_without_version == 3
    assert result.counts()["annotations_without_rulebook_version"] == 3
    (batch,) = list_batches(db.session, project)
    assert batch["imported_annotations"] == 3 and batch["imported_without_rulebook_version"] == 3


def test_an_unknown_or_draft_version_is_refused(db, make_project):
    project = make_project("p")
    with pytest.raises(NotFound):
        _import(db, project, "b1", rulebook_version="9.9.9")
    db.session.rollback()
    version = import_rulebook(db.session, project, parse_rulebook(MINIMAL))
    db.session.flush()
    with pytest.raises(InvalidInput, match="draft"):
        _import(db, project, "b1", rulebook_version=version.version)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Annotation.id))) == 0


def test_cli_and_page_show_the_rulebook_version(
    db, make_project, make_user, runner, tmp_path, client, login
):
    project = make_project("p")
    version = publish_rulebook(db.session, project)
    db.session.commit()
    make_user("importer", admin=True)
    runner.env = {"ANNOTATE_ACTOR": "importer"}  # a CLI change names who makes it
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(TASKS))
    out = runner.invoke(args=["import", "p", str(path)])
    assert out.exit_code == 0, out.output
    assert "3 imported annotations have no rulebook version" in out.output
    path.write_text(
        json.dumps([dict(t, id=t["id"] + 10, data={"text": f"other {t['id']}"}) for t in TASKS])
    )
    out = runner.invoke(
        args=["import", "p", str(path), "--batch", "b2", "--rulebook-version", version.version]
    )
    assert out.exit_code == 0 and "no rulebook version" not in out.output
    make_user("boss", project=project, roles=[ProjectRole.manager])
    login("boss")
    page = client.get("/admin/data/p").get_data(as_text=True)
    assert 'data-unversioned="3"' in page and page.count("data-unversioned") == 1
