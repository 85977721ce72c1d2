"""Files of projects with several questions: a column or control per question, all ways."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest
import sqlalchemy as sa

from annotate.models import Annotation, Item, TaskType
from annotate.services.data.export import iter_dataset
from annotate.services.data.formats import read_records
from annotate.services.data.imports import import_records
from annotate.services.data.long_rows import LONG_COLUMNS
from annotate.services.data.results import ImportRefused
from annotate.services.projects.projects import create_project
from annotate.services.projects.questions import questions_of
from annotate.services.projects.rlhf_form import rlhf_full_schema
from tests.form_factories import form_payload, form_project

#: A Label Studio project with two controls on one text: a choice and a rating.
TWO_CONTROLS = {
    "fields": ["text"],
    "questions": [
        {
            "key": "sentiment",
            "type": "single_label",
            "labels": [{"key": "pos", "hotkey": "1"}, {"key": "neg", "hotkey": "2"}],
        },
        {"key": "quality", "type": "rating", "scale": {"min": 1, "max": 5, "step": 1}},
    ],
}


def _form(db, slug):
    return create_project(db.session, slug, "x", TaskType.form, label_schema=rlhf_full_schema())


def _export(db, project, fmt):
    return "".join(iter_dataset(db.session, project, fmt))


def _import(db, project, data: bytes, fmt: str, batch="in"):
    records, problems = read_records(data, fmt)
    result = import_records(db.session, project, records, batch_name=batch, parse_problems=problems)
    db.session.flush()
    return result


def _annotations(db, project):
    return sorted(
        (ext, json.dumps(value, sort_keys=True))
        for ext, value in db.session.execute(
            sa.select(Item.external_id, Annotation.value)
            .join(Item, Item.id == Annotation.item_id)
            .where(Item.project_id == project.id)
        )
    )


def test_csv_export_has_a_gold_and_a_consensus_column_per_question(db):
    project, items, truths = form_project(db.session, n_items=5, gold_every=2)
    rows = list(csv.DictReader(io.StringIO(_export(db, project, "csv"))))
    keys = [q.key for q in questions_of(project)]
    assert list(rows[0])[-2 * len(keys) :] == [f"gold.{k}" for k in keys] + [
        f"consensus.{k}" for k in keys
    ]
    by_id = {row["external_id"]: row for row in rows}
    first = by_id[items[0].external_id]
    assert json.loads(first["gold.preference"]) == truths[items[0].id]["preference"]
    assert first["gold.helpful_a"] == str(truths[items[0].id]["helpful_a"])
    assert first["consensus_method"] == "majority_vote_per_question"
    # The consensus of a question is its majority answer among the three annotators.
    votes = Counter(
        a.value["helpful_a"]
        for a in db.session.scalars(sa.select(Annotation).where(Annotation.item_id == items[1].id))
    )
    top, n = votes.most_common(1)[0]
    consensus = json.loads(by_id[items[1].external_id]["confidence"])
    assert consensus["helpful_a"] == pytest.approx(n / 3, abs=1e-6)
    if n > 1:
        assert by_id[items[1].external_id]["consensus.helpful_a"] == str(top)
    assert "reason" not in json.loads(by_id[items[1].external_id]["consensus"])  # free text


def test_csv_gold_comes_one_column_per_question(db):
    project = _form(db, "f")
    payload = form_payload(1)
    cells = f"{payload['prompt']},{payload['response_a']},{payload['response_b']}"
    text = (
        "id,prompt,response_a,response_b,gold.preference,gold.helpful_a,gold.risk_a\n"
        f"g1,{cells},B,5,a1_core_values|a4_rights\n"
        f"g2,{cells},,,\n"
    )
    assert _import(db, project, text.encode(), "csv").inserted == 2
    gold = dict(
        db.session.execute(
            sa.select(Item.external_id, Item.gold_answer).where(Item.project_id == project.id)
        ).all()
    )
    assert gold == {
        "g1": {
            "preference": {"choice": "B"},
            "helpful_a": 5,
            "risk_a": ["a1_core_values", "a4_rights"],
        },
        "g2": None,
    }


def test_a_csv_naming_an_unknown_question_or_a_wrong_answer_is_refused_whole(db):
    project = _form(db, "f")
    payload = form_payload(1)
    header = "id,prompt,response_a,response_b,gold.helpful_a,gold.nope\n"
    good = f"ok,{payload['prompt']},{payload['response_a']},{payload['response_b']},4,\n"
    bad = f"bad,{payload['prompt']},{payload['response_a']},x,9,\n"
    with pytest.raises(ImportRefused) as caught:
        _import(db, project, (header + good + bad).encode(), "csv")
    assert "line 2: gold.nope: 'nope' is not a question of this project" in (caught.value.problems)
    header = header.replace(",gold.nope", "")
    with pytest.raises(ImportRefused) as caught:
        _import(db, project, (header + good[:-2] + "\n" + bad[:-2] + "\n").encode(), "csv")
    assert caught.value.problems == ["line 3: gold.helpful_a: 9 is outside the scale 1-5"]
    assert caught.value.counts["imported"] == 0 and caught.value.counts["refused"] == 1


def test_partial_gold_fixes_only_some_questions(db):
    project = _form(db, "f")
    row = dict(form_payload(1), id="g1", gold={"helpful_a": 5, "preference": "B"})
    _import(db, project, json.dumps(row).encode(), "jsonl")
    item = db.session.scalar(sa.select(Item).where(Item.project_id == project.id))
    assert item.gold_answer == {"helpful_a": 5, "preference": {"choice": "B"}}


def test_label_studio_round_trip_of_the_rlhf_form(db):
    source, items, truths = form_project(db.session, n_items=4)
    exported = _export(db, source, "labelstudio")
    task = json.loads(exported)[0]
    controls = {r["from_name"] for a in task["annotations"] for r in a["result"]}
    assert {"preference", "helpful_a", "harmless_b", "reason"} <= controls
    target = create_project(
        db.session, "again", "x", TaskType.form, label_schema=rlhf_full_schema()
    )
    result = _import(db, target, exported.encode(), "labelstudio")
    assert result.inserted == 4 and result.annotations == 12
    assert _annotations(db, target) == _annotations(db, source)


def test_a_two_control_label_studio_project_round_trips(db):
    project = create_project(db.session, "ls", "x", TaskType.form, label_schema=TWO_CONTROLS)
    tasks = [
        {
            "id": n,
            "data": {"text": f"text {n}"},
            "annotations": [
                {
                    "completed_by": {"username": who},
                    "result": [
                        {
                            "from_name": "sentiment",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": [label]},
                        },
                        {
                            "from_name": "quality",
                            "to_name": "text",
                            "type": "rating",
                            "value": {"rating": stars},
                        },
                    ],
                }
                for who, label, stars in (("alice", "pos", 4), ("bob", "neg", 2))
            ],
        }
        for n in range(3)
    ]
    result = _import(db, project, json.dumps(tasks).encode(), "labelstudio")
    assert result.annotations == 6
    stored = _annotations(db, project)
    assert json.loads(stored[0][1]) in (
        {"sentiment": "pos", "quality": 4},
        {"sentiment": "neg", "quality": 2},
    )
    exported = _export(db, project, "labelstudio")
    again = create_project(db.session, "ls2", "x", TaskType.form, label_schema=TWO_CONTROLS)
    _import(db, again, exported.encode(), "labelstudio")
    assert _annotations(db, again) == stored
    # A control that is not a question is named, and nothing is written.
    tasks[0]["annotations"][0]["result"][1]["from_name"] = "stars"
    third = create_project(db.session, "ls3", "x", TaskType.form, label_schema=TWO_CONTROLS)
    with pytest.raises(ImportRefused) as caught:
        _import(db, third, json.dumps(tasks).encode(), "labelstudio")
    assert any("control 'stars' is not a question" in p for p in caught.value.problems)


def test_the_long_export_has_a_row_per_answered_question(db):
    project, items, _ = form_project(db.session, n_items=3)
    rows = list(csv.DictReader(io.StringIO(_export(db, project, "long-csv"))))
    assert list(rows[0]) == [name for name, _ in LONG_COLUMNS]
    answered = sum(len(a.value) for a in db.session.scalars(sa.select(Annotation)))
    assert len(rows) == answered
    first = next(r for r in rows if r["question"] == "helpful_a")
    annotation = db.session.get(Annotation, int(first["annotation_id"]))
    assert json.loads(first["value"]) == annotation.value["helpful_a"]


def test_a_one_question_project_keeps_one_long_row_per_annotation(db, make_project):
    project = make_project("one")
    _import(db, project, b'{"id": "a", "text": "t"}', "jsonl")
    rows = list(csv.DictReader(io.StringIO(_export(db, project, "long-csv"))))
    assert rows == []  # no annotations yet; the header still names the column
    header = _export(db, project, "long-csv").splitlines()[0]
    assert header.endswith(",question")
