"""Model predictions come in with items (Label Studio ``predictions``, a ``prediction`` object
in JSONL or CSV) or as a file for existing items, stored per model version; a file naming
unknown items or labels outside the schema is refused whole, lines named, nothing written."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent, Item, ModelVersion, Prediction
from annotate.services.data.export import iter_dataset
from annotate.services.data.formats import read_records
from annotate.services.data.imports import import_records
from annotate.services.data.prediction_import import PredictionsRefused, import_predictions
from annotate.services.data.results import ImportRefused


def _items(db, project, lines, fmt="jsonl", batch="b1"):
    data = lines if isinstance(lines, bytes) else "\n".join(map(json.dumps, lines)).encode()
    records, problems = read_records(data, fmt)
    result = import_records(
        db.session, project, records, batch_name=batch, source="t", parse_problems=problems
    )
    db.session.commit()
    return result


def _predictions(db, project, data, fmt="jsonl", **kwargs):
    if not isinstance(data, bytes):
        data = "\n".join(map(json.dumps, data)).encode()
    records, problems = read_records(data, fmt)
    try:
        result = import_predictions(
            db.session, project, records, source="preds.jsonl", parse_problems=problems, **kwargs
        )
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def _stored(db):
    return db.session.execute(
        sa.select(Item.external_id, ModelVersion.name, ModelVersion.version)
        .add_columns(Prediction.value, Prediction.score)
        .join(Prediction, Prediction.item_id == Item.id)
        .join(ModelVersion, ModelVersion.id == Prediction.model_version_id)
        .order_by(Item.external_id, ModelVersion.version)
    ).all()


def test_jsonl_items_with_a_prediction_object(db, make_project):
    project = make_project("p")
    pred = {"model": "bert", "version": "3", "value": "yes", "score": 0.7}
    result = _items(
        db, project, [{"id": "a", "text": "one", "prediction": pred}, {"id": "b", "text": "two"}]
    )
    assert result.inserted == 2 and result.counts()["predictions"] == 1
    assert _stored(db) == [("a", "bert", "3", "yes", 0.7)]
    item = db.session.scalar(sa.select(Item).where(Item.external_id == "a"))
    assert "prediction" not in item.payload and item.prediction_score == 0.7


def test_csv_items_with_a_prediction_cell(db, make_project):
    project = make_project("p")
    cell = json.dumps({"model": "m", "version": "1", "value": "no"}).replace('"', '""')
    data = f'id,text,prediction\na,one,"{cell}"\nb,two,\n'.encode()
    assert _items(db, project, data, "csv").counts()["predictions"] == 1
    assert _stored(db) == [("a", "m", "1", "no", None)]


def test_label_studio_predictions_are_kept_and_exported_back(db, make_project):
    project = make_project("p")
    result_ = [{"type": "choices", "value": {"choices": ["yes"]}}]
    tasks = [
        {
            "id": 1,
            "data": {"text": "one"},
            "predictions": [
                {"model_version": "bert@3", "score": 0.4, "result": result_},
                {"model_version": "consensus-majority_vote", "score": 1, "result": result_},
            ],
        }
    ]
    _items(db, project, json.dumps(tasks).encode(), "labelstudio")
    assert _stored(db) == [("1", "bert", "3", "yes", 0.4)]
    exported = json.loads("".join(iter_dataset(db.session, project, "labelstudio")))
    models = [p["model_version"] for p in exported[0]["predictions"]]
    assert models == ["bert@3"]
    # the round trip: the export imported into another project keeps the prediction
    other = make_project("q")
    _items(db, other, json.dumps(exported).encode(), "labelstudio")
    assert len(_stored(db)) == 2


def test_items_with_a_prediction_outside_the_schema_are_refused(db, make_project):
    project = make_project("p")
    lines = [
        {"id": "a", "text": "one", "prediction": {"model": "m", "version": "1", "value": "maybe"}},
        {"id": "b", "text": "two", "prediction": {"model": "m", "value": "yes", "score": 2}},
    ]
    with pytest.raises(ImportRefused) as refused:
        _items(db, project, lines)
    db.session.rollback()
    text = "\n".join(refused.value.problems)
    assert "line 1: prediction.value: 'maybe' is not a label" in text
    assert "line 2: prediction.version" in text and "line 2: prediction.score" in text
    assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 0


def test_a_file_of_predictions_for_existing_items(db, make_project, make_user):
    project = make_project("p")
    _items(db, project, [{"id": f"i{n}", "text": f"t{n}"} for n in range(4)])
    lines = [
        {"id": "i0", "prediction": {"model": "bert", "version": "1", "value": "yes", "score": 0.9}},
        {"id": "i1", "model": "bert", "version": "1", "value": "no", "score": 0.2},
        {"id": "i2", "value": "no"},
    ]
    result = _predictions(db, project, lines, model="bert", version="1")
    assert result.counts() == {"read": 3, "imported": 3, "refused": 0}
    assert result.by_model == {"bert@1": 3}
    assert [r[0] for r in _stored(db)] == ["i0", "i1", "i2"]
    scores = dict(db.session.execute(sa.select(Item.external_id, Item.prediction_score)).all())
    assert scores == {"i0": 0.9, "i1": 0.2, "i2": None, "i3": None}
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "predictions.import")
    )
    assert event.details["imported"] == 3
    # a second version of the model is another model version; the same one again is refused
    newer = [{"id": "i0", "value": "no", "score": 0.1}]
    _predictions(db, project, newer, model="bert", version="2")
    score = sa.select(Item.prediction_score).where(Item.external_id == "i0")
    assert db.session.scalar(score) == 0.1
    with pytest.raises(PredictionsRefused) as again:
        _predictions(db, project, [{"id": "i0", "value": "no"}], model="bert", version="2")
    assert "already has a prediction of bert 2" in again.value.problems[0]


def test_a_csv_file_of_predictions(db, make_project):
    project = make_project("p", task_type="multi_label")
    _items(db, project, [{"id": "a", "text": "x"}])
    data = b"id,model,version,value,score\na,m,1,yes|no,0.5\n"
    _predictions(db, project, data, "csv")
    assert _stored(db) == [("a", "m", "1", ["yes", "no"], 0.5)]


def test_unknown_items_and_labels_refuse_the_whole_file(db, make_project):
    project = make_project("p")
    _items(db, project, [{"id": "i0", "text": "t0"}, {"id": "i1", "text": "t1"}])
    lines = [
        {"id": "i0", "value": "yes"},
        {"id": "ghost", "value": "yes"},
        {"id": "i1", "value": "perhaps"},
        {"id": "i0", "value": "no"},
        {"value": "no"},
        {"id": "i1"},
    ]
    with pytest.raises(PredictionsRefused) as refused:
        _predictions(db, project, lines, model="m", version="1")
    problems = refused.value.problems
    assert problems[0] == "line 2: id: no item 'ghost' in this project"
    assert problems[1].startswith("line 3: prediction.value: 'perhaps' is not a label")
    assert problems[2].startswith("line 4: prediction: item 'i0' and m 1 twice in this file")
    assert problems[3] == "line 5: id: the item's id is required"
    assert problems[4].startswith("line 6: prediction: none given")
    assert refused.value.counts == {"read": 6, "imported": 0, "refused": 5}
    assert db.session.scalar(sa.select(sa.func.count(Prediction.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ModelVersion.id))) == 0


def test_an_empty_or_malformed_predictions_file_is_refused(db, make_project):
    project = make_project("p")
    with pytest.raises(PredictionsRefused) as empty:
        _predictions(db, project, b"", model="m", version="1")
    assert "holds no items" in empty.value.problems[0]
    with pytest.raises(PredictionsRefused) as broken:
        _predictions(db, project, b'{"id": "a"\n', model="m", version="1")
    assert broken.value.problems[0].startswith("line 1: malformed JSON")
