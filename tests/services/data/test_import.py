"""Importing items: three formats, every error at once, nothing written on failure, idempotent."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from annotate.models import (
    Annotation,
    AnnotationSource,
    Batch,
    BatchStatus,
    Item,
    ProjectRole,
    User,
)
from annotate.services.data.formats import read_records
from annotate.services.data.imports import import_records
from annotate.services.errors import InvalidInput
from tests.factories import free_slots_out_of_step


def _import(db, project, text, fmt="jsonl", batch="b1", **kwargs):
    records, problems = read_records(text.encode(), fmt)
    result = import_records(
        db.session, project, records, batch_name=batch, parse_problems=problems, **kwargs
    )
    db.session.commit()
    return result


def _count(db, model=Item):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_jsonl_import_keeps_provenance_gold_and_personal_info(db, make_project):
    project = make_project("p", labels=["pos", "neg"])
    text = "\n".join(
        json.dumps(row)
        for row in [
            {"id": "a1", "text": "good", "gold": "pos", "lang": "en"},
            {"id": "a2", "text": "bad", "personal_info": True},
            {"text": "no id"},
        ]
    )
    result = _import(db, project, text, source="crawl 2026-10", licence="CC-BY-4.0")
    assert result.inserted == 3 and not result.duplicates
    batch = db.session.scalar(sa.select(Batch))
    assert (batch.source, batch.licence, batch.status) == (
        "crawl 2026-10",
        "CC-BY-4.0",
        BatchStatus.open,
    )
    items = {i.external_id: i for i in db.session.scalars(sa.select(Item))}
    assert items["a1"].gold_answer == "pos" and items["a1"].payload == {
        "text": "good",
        "lang": "en",
    }
    assert items["a2"].has_personal_info and not items["a1"].has_personal_info
    assert any(ext.startswith("sha256:") for ext in items)


def test_every_error_is_reported_and_nothing_is_written(db, make_project):
    project = make_project("p", labels=["pos", "neg"])
    text = "\n".join(
        [
            json.dumps({"id": "ok", "text": "fine"}),
            json.dumps({"id": "e1"}),
            json.dumps({"id": "e2", "text": "x", "gold": "maybe"}),
            "{not json",
            json.dumps({"id": "e3", "text": 5}),
            json.dumps({"id": "e4", "text": "y", "personal_info": "perhaps"}),
            json.dumps(["a list"]),
        ]
    )
    with pytest.raises(InvalidInput) as caught:
        _import(db, project, text)
    problems = caught.value.problems
    assert len(problems) == 6
    assert problems[0] == "line 2: text: required for single_label items"
    assert "line 3: gold: 'maybe' is not a label" in problems[1]
    assert problems[2].startswith("line 4: malformed JSON")
    assert problems[3] == "line 5: text: must be a string"
    assert problems[4] == "line 6: personal_info: must be true or false"
    assert problems[5] == "line 7: must be a JSON object"
    db.session.rollback()
    assert _count(db) == 0 and _count(db, Batch) == 0


def test_reimport_is_idempotent_and_reports_duplicates(db, make_project):
    project = make_project("p", labels=["pos", "neg"])
    text = "\n".join(json.dumps({"id": f"i{n}", "text": f"t{n}"}) for n in range(5))
    assert _import(db, project, text).inserted == 5
    again = _import(db, project, text + "\n" + json.dumps({"id": "new", "text": "t-new"}))
    assert again.inserted == 1 and len(again.duplicates) == 5
    assert "duplicate of item 'i0'" in again.duplicates[0]
    assert _count(db) == 6
    renamed = _import(db, project, json.dumps({"id": "other", "text": "t1"}))
    assert renamed.inserted == 0 and renamed.duplicates
    with pytest.raises(InvalidInput, match="problem"):
        _import(db, project, json.dumps({"id": "i1", "text": "changed"}))


def test_same_id_twice_in_one_file_is_an_error(db, make_project):
    project = make_project("p", labels=["pos", "neg"])
    text = json.dumps({"id": "x", "text": "a"}) + "\n" + json.dumps({"id": "x", "text": "b"})
    with pytest.raises(InvalidInput) as caught:
        _import(db, project, text)
    assert "used twice" in caught.value.problems[0]


def test_csv_import_with_multi_label_gold(db, make_project):
    project = make_project("m", "multi_label", labels=["a", "b", "c"])
    text = "id,text,gold,personal_info\r\nc1,first,a|c,no\r\nc2,second,,yes\r\nc3,third,z,\r\n"
    with pytest.raises(InvalidInput) as caught:
        _import(db, project, text, "csv")
    assert caught.value.problems == ["line 4: gold: 'z' not in the label schema (a, b, c)"]
    db.session.rollback()
    result = _import(db, project, text.replace(",z,", ",b,"), "csv")
    assert result.inserted == 3
    items = {i.external_id: i for i in db.session.scalars(sa.select(Item))}
    assert items["c1"].gold_answer == ["a", "c"] and items["c2"].has_personal_info


def test_pairwise_and_span_payloads_are_checked(db, make_project):
    pairwise = make_project("pw", "pairwise")
    with pytest.raises(InvalidInput) as caught:
        _import(db, pairwise, json.dumps({"prompt": "p", "response_a": "a"}))
    assert caught.value.problems == ["line 1: response_b: required for pairwise items"]
    db.session.rollback()
    spans = make_project("ner", "span", labels=["PER", "ORG"])
    bad = [
        {"id": "s1", "text": "Ada Lovelace", "gold": [{"start": 0, "end": 30, "label": "PER"}]},
        {
            "id": "s2",
            "text": "Ada at IBM",
            "gold": [
                {"start": 0, "end": 3, "label": "PER"},
                {"start": 2, "end": 5, "label": "ORG"},
            ],
        },
        {"id": "s3", "text": "IBM", "gold": [{"start": 0, "end": 3, "label": "LOC"}]},
    ]
    with pytest.raises(InvalidInput) as caught:
        _import(db, spans, "\n".join(map(json.dumps, bad)))
    assert len(caught.value.problems) == 3
    assert "outside the text" in caught.value.problems[0]
    assert "overlap" in caught.value.problems[1]
    assert "'LOC' is not in the schema" in caught.value.problems[2]


def test_label_studio_tasks_with_annotations_become_imported_users(db, make_project):
    project = make_project("ls", labels=["pos", "neg"])
    tasks = [
        {
            "id": 11,
            "data": {"text": "great"},
            "annotations": [
                {
                    "completed_by": {"id": 7, "email": "someone@example.com"},
                    "lead_time": 3.5,
                    "created_at": "2026-01-02T03:04:05.000000Z",
                    "result": [
                        {
                            "type": "choices",
                            "value": {"choices": ["pos"]},
                            "from_name": "sentiment",
                            "to_name": "text",
                        }
                    ],
                },
                {"completed_by": 8, "result": [{"type": "choices", "value": {"choices": ["neg"]}}]},
                {"completed_by": 9, "was_cancelled": True, "result": []},
            ],
        },
        {"id": 12, "data": {"text": "awful"}, "annotations": []},
    ]
    result = _import(db, project, json.dumps(tasks), "labelstudio")
    assert result.inserted == 2 and result.annotations == 2
    assert sorted(result.users_created) == ["ls-7", "ls-8"]
    user = db.session.scalar(sa.select(User).where(User.username == "ls-7"))
    assert user.imported and user.password_hash is None
    annotations = db.session.scalars(sa.select(Annotation).order_by(Annotation.id)).all()
    assert [a.value for a in annotations] == ["pos", "neg"]
    assert all(a.source == AnnotationSource.imported for a in annotations)
    assert annotations[0].duration_ms == 3500 and annotations[0].submitted_at.year == 2026
    item = db.session.scalar(sa.select(Item).where(Item.external_id == "11"))
    assert item.annotation_count == 2
    assert free_slots_out_of_step(db.session) == []  # both slots of item 11 are taken
    again = _import(db, project, json.dumps(tasks), "labelstudio")
    assert again.inserted == 0 and _count(db, Annotation) == 2


def test_label_studio_errors_name_the_task(db, make_project):
    project = make_project("ls", labels=["pos", "neg"])
    tasks = [
        {
            "id": 1,
            "data": {"text": "x"},
            "annotations": [
                {"completed_by": 1, "result": [{"type": "choices", "value": {"choices": ["meh"]}}]}
            ],
        },
        {"id": 2, "nodata": True},
    ]
    with pytest.raises(InvalidInput) as caught:
        _import(db, project, json.dumps(tasks), "labelstudio")
    assert caught.value.problems[0].startswith("task 1: annotations[1].value: 'meh'")
    assert caught.value.problems[1] == "task 2: data: each task needs a 'data' object"
    with pytest.raises(InvalidInput):
        _import(db, project, '{"a": ', "labelstudio")


def test_void_batch_refuses_more_items(db, make_project):
    project = make_project("p", labels=["pos", "neg"])
    _import(db, project, json.dumps({"id": "1", "text": "a"}))
    db.session.scalar(sa.select(Batch)).status = BatchStatus.void
    db.session.commit()
    with pytest.raises(InvalidInput, match="void"):
        _import(db, project, json.dumps({"id": "2", "text": "b"}))


def test_cli_import_and_batch_list(runner, make_project, make_user, tmp_path):
    project = make_project("p", labels=["pos", "neg"])
    make_user("op", project=project, roles=[ProjectRole.manager])
    good = tmp_path / "october.jsonl"
    good.write_text("\n".join(json.dumps({"id": f"i{n}", "text": f"t{n}"}) for n in range(4)))
    result = runner.invoke(args=["--as", "op", "import", "p", str(good), "--licence", "CC0-1.0"])
    assert result.exit_code == 0, result.output
    assert "Imported 4 items into batch 'october'; 0 duplicates" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text\nx1,\nx2,fine\n")
    result = runner.invoke(args=["--as", "op", "import", "p", str(bad), "--batch", "b2"])
    assert result.exit_code == 1
    assert "line 2: text: required for single_label items" in result.output
    listed = runner.invoke(args=["batch", "list", "p"])
    rows = json.loads(listed.output)
    assert [(r["name"], r["status"], r["items"], r["licence"]) for r in rows] == [
        ("october", "open", 4, "CC0-1.0")
    ]
    assert runner.invoke(args=["batch", "list", "nope"]).exit_code == 1


def test_label_studio_task_with_two_annotations_by_one_annotator_is_refused(db, make_project):
    """One current annotation per annotator and item: a second one by the same Label Studio
    user on a task is reported, and nothing of the file is written."""
    project = make_project("ls", labels=["pos", "neg"])
    choice = {"type": "choices", "value": {"choices": ["pos"]}}
    tasks = [
        {"id": 1, "data": {"text": "fine"}},
        {
            "id": 2,
            "data": {"text": "twice"},
            "annotations": [
                {"completed_by": 7, "result": [choice]},
                {"completed_by": {"id": 7}, "result": [choice]},
            ],
        },
    ]
    with pytest.raises(InvalidInput) as caught:
        _import(db, project, json.dumps(tasks), "labelstudio")
    assert caught.value.problems == [
        "task 2: annotations[2]: a second annotation by the same annotator "
        "(one current annotation per annotator and item)"
    ]
    db.session.rollback()
    assert _count(db, Item) == 0 and _count(db, Annotation) == 0
