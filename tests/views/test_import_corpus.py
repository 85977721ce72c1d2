"""Every odd file of ``tests/corpus/import`` through every import path: refused with a 4xx
(or a non-zero exit), the line named, nothing written.

Before: NUL, lone surrogates, deep nesting and giant integers gave 500s and tracebacks, an
unterminated CSV quote swallowed the next row, empty files answered 201 with ``batch: null``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent, Batch, Item, ProjectRole
from annotate.services.accounts.tokens import create_token

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "import"
EXPECTED: dict[str, str] = json.loads((CORPUS / "expected.json").read_text())
FORMAT = {".jsonl": "jsonl", ".csv": "csv", ".json": "labelstudio"}
MIME = {".jsonl": "application/x-ndjson", ".csv": "text/csv", ".json": "application/json"}


def test_the_corpus_is_complete():
    files = {p.name for p in CORPUS.iterdir() if p.suffix in FORMAT} - {"expected.json"}
    assert files == set(EXPECTED)
    assert {p.rsplit(".", 1)[1] for p in files} == {"jsonl", "csv", "json"}


@pytest.fixture
def target(db, make_project, make_user):
    project = make_project("odd")
    manager = make_user("boss", project=project, roles=[ProjectRole.manager])
    secret = create_token(db.session, manager, "ci")[1]
    db.session.commit()
    return project, secret


def _nothing_written(db) -> None:
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Batch.id))) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "batch.import")
        )
        == 0
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_api_refuses(db, client, target, name):
    path = CORPUS / name
    response = client.post(
        f"/api/v1/projects/odd/items?batch=b&format={FORMAT[path.suffix]}",
        data=path.read_bytes(),
        content_type=MIME[path.suffix],
        headers={"Authorization": f"Bearer {target[1]}"},
    )
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    problems = response.get_json()["problems"]
    assert problems[0].startswith(f"{EXPECTED[name]}:"), problems
    _nothing_written(db)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_upload_page_refuses(db, client, login, target, name):
    path = CORPUS / name
    login("boss")
    response = client.post(
        "/admin/data/odd",
        data={"file": (io.BytesIO(path.read_bytes()), name), "fmt": "auto", "batch": "b"},
        content_type="multipart/form-data",
    )
    # The upload is imported by a job (inline in the tests): its page says why it failed.
    assert response.status_code == 303 and "/jobs/" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert 'id="job-error"' in page and f"{EXPECTED[name]}:" in page
    _nothing_written(db)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_refuses(db, runner, target, name):
    result = runner.invoke(
        args=["--as", "boss", "import", "odd", str(CORPUS / name), "--batch", "b"]
    )
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    assert f"  {EXPECTED[name]}:" in result.output, result.output[-500:]
    _nothing_written(db)


@pytest.mark.parametrize("param", ["batch", "source", "licence"])
def test_api_refuses_a_nul_in_the_batch_provenance(db, client, target, param):
    query = {"batch": "b", param: "a\x00b"}
    response = client.post(
        "/api/v1/projects/odd/items",
        query_string=query,
        data=b'{"id": "1", "text": "fine"}\n',
        headers={"Authorization": f"Bearer {target[1]}"},
    )
    assert response.status_code == 400
    assert response.get_json()["problems"] == [f"{param}: contains a NUL character (\\u0000)"]
    _nothing_written(db)
