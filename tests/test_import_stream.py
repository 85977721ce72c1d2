"""Streaming import: chunk boundaries keep duplicate detection and the all-or-nothing rule."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from annotate.models import Item
from annotate.services import imports
from annotate.services.errors import InvalidInput
from annotate.services.import_formats import iter_records


def _stream_import(db, project, rows, batch="b1"):
    problems: list[str] = []
    data = io.BytesIO("\n".join(json.dumps(r) for r in rows).encode())
    result = imports.import_records(db.session, project, iter_records(data, "jsonl", problems),
                                    batch_name=batch, parse_problems=problems)
    db.session.commit()
    return result


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 3)


def test_duplicates_across_chunks_are_skipped(db, make_project, small_chunks):
    project = make_project("p", labels=["pos", "neg"])
    rows = [{"id": f"i{n}", "text": f"t{n}"} for n in range(7)]
    rows += [{"id": "i1", "text": "t1"}, {"id": "copy", "text": "t2"}]
    result = _stream_import(db, project, rows)
    assert result.inserted == 7
    assert result.duplicates == ["line 8: same content as 'i1' earlier in this file",
                                 "line 9: same content as 'i2' earlier in this file"]
    again = _stream_import(db, project, rows[:4])
    assert again.inserted == 0 and again.duplicates[0] == "line 1: duplicate of item 'i0'"


def test_problems_in_a_late_chunk_report_everything(db, make_project, small_chunks):
    project = make_project("p", labels=["pos", "neg"])
    rows = [{"id": f"i{n}", "text": f"t{n}"} for n in range(7)]
    rows += [{"id": "i0", "text": "changed"}, {"id": "bad"}]
    with pytest.raises(InvalidInput) as caught:
        _stream_import(db, project, rows)
    assert caught.value.problems == ["line 8: id: 'i0' is used twice in this file",
                                     "line 9: text: required for single_label items"]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 0


def test_stream_reports_malformed_lines_with_numbers(db, make_project):
    project = make_project("p", labels=["pos", "neg"])
    problems: list[str] = []
    data = io.BytesIO(b'{"id": "a", "text": "x"}\n\n{oops\n\xff\xfe\n[1]\n')
    with pytest.raises(InvalidInput) as caught:
        imports.import_records(db.session, project, iter_records(data, "jsonl", problems),
                               batch_name="b", parse_problems=problems)
    found = caught.value.problems
    assert [p.split(":")[0] for p in found] == ["line 3", "line 4", "line 5"]
    assert "malformed JSON" in found[0] and "UTF-8" in found[1] and "JSON object" in found[2]
