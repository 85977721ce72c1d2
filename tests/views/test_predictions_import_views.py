"""The web form and the CLI import a file of model predictions for existing items; a refused
file names its lines and writes nothing."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from annotate.models import Prediction, ProjectRole, User
from tests.factories import import_batch


@pytest.fixture
def managed(db, make_project, make_user):
    project = make_project("data", labels=["pos", "neg"])
    make_user("boss", project=project, roles=[ProjectRole.manager])
    import_batch(db.session, project, "b1", n_items=3)
    db.session.commit()
    return project


def _upload(client, lines, name="preds.jsonl", **fields):
    content = "\n".join(map(json.dumps, lines)).encode()
    data = {
        "predictions-file": (io.BytesIO(content), name),
        "predictions-fmt": "auto",
        **{f"predictions-{k}": v for k, v in fields.items()},
    }
    return client.post(
        "/admin/data/data/predictions", data=data, content_type="multipart/form-data"
    )


def _count(db):
    return db.session.scalar(sa.select(sa.func.count(Prediction.id)))


def test_the_data_page_imports_predictions_and_lists_the_model(managed, client, login, db):
    login("boss")
    page = client.get("/admin/data/data").get_data(as_text=True)
    assert 'id="predictions-form"' in page
    lines = [{"id": f"b1-{n}", "value": "pos", "score": 0.5 + n / 10} for n in range(3)]
    ok = _upload(client, lines, model="clf", version="2")
    html = ok.get_data(as_text=True)
    assert ok.status_code == 200 and 'id="predictions-report"' in html
    assert 'id="model-versions"' in html and "clf" in html
    assert _count(db) == 3


def test_a_refused_file_names_its_lines_and_writes_nothing(managed, client, login, db):
    login("boss")
    lines = [{"id": "b1-0", "value": "pos"}, {"id": "nope", "value": "pos"}, {"id": "b1-1"}]
    bad = _upload(client, lines, model="clf", version="1")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "line 2: id: no item &#39;nope&#39; in this project" in html
    assert "line 3: prediction: none given" in html
    assert _count(db) == 0


def test_cli_import_predictions(managed, runner, db, make_user, tmp_path):
    make_user("root", admin=True)
    runner.env = {"ANNOTATE_ACTOR": "root"}
    good = tmp_path / "p.csv"
    good.write_text("id,value,score\nb1-0,pos,0.9\nb1-1,neg,0.1\n")
    result = runner.invoke(
        args=["import-predictions", "data", str(good), "--model", "m", "--version", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "imported 2 predictions: m@1 (2)" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "ghost", "model": "m", "version": "2", "value": "pos"}\n')
    refused = runner.invoke(args=["import-predictions", "data", str(bad)])
    assert refused.exit_code == 1
    assert "line 1: id: no item 'ghost' in this project" in refused.output
    assert _count(db) == 2


def test_api_import_predictions(managed, client, db, make_user):
    from annotate.services.accounts.tokens import create_token

    boss = db.session.scalar(sa.select(User).where(User.username == "boss"))
    annotator = make_user("worker", project=managed, roles=[ProjectRole.annotator])
    tokens = [create_token(db.session, u, "t")[1] for u in (boss, annotator)]
    db.session.commit()
    url = "/api/v1/projects/data/predictions?model=m&version=1"
    body = '{"id": "b1-0", "value": "pos", "score": 0.3}\n'
    denied = client.post(url, data=body, headers={"Authorization": f"Bearer {tokens[1]}"})
    assert denied.status_code == 403
    auth = {"Authorization": f"Bearer {tokens[0]}"}
    ok = client.post(url, data=body, headers=auth)
    assert ok.status_code == 201 and ok.get_json()["models"] == {"m@1": 1}
    bad = client.post(url.replace("=1", "=2"), data='{"id": "zz", "value": "x"}\n', headers=auth)
    assert bad.status_code == 400
    assert bad.get_json()["problems"] == ["line 1: id: no item 'zz' in this project"]
    assert bad.get_json()["counts"]["imported"] == 0 and _count(db) == 1


def test_items_uploaded_with_predictions_report_them(managed, client, login, db):
    login("boss")
    line = {"id": "new", "text": "x", "prediction": {"model": "m", "version": "1", "value": "neg"}}
    data = {"file": (io.BytesIO(json.dumps(line).encode()), "new.jsonl"), "fmt": "auto"}
    job = client.post("/admin/data/data", data=data, content_type="multipart/form-data")
    assert job.status_code == 303  # to the import job's page
    assert 'id="import-predictions"' in client.get(job.location).get_data(as_text=True)
    assert _count(db) == 1


def test_the_item_page_shows_the_item_predictions(managed, client, login, db):
    from annotate.models import Item

    login("boss")
    _upload(client, [{"id": "b1-0", "value": "pos", "score": 0.25}], model="clf", version="9")
    item = db.session.scalar(sa.select(Item).where(Item.external_id == "b1-0"))
    page = client.get(f"/admin/data/data/items/{item.id}").get_data(as_text=True)
    assert 'id="item-predictions"' in page and "clf@9" in page and "0.25" in page
