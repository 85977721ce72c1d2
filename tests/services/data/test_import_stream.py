"""Streaming import: chunk boundaries keep duplicate detection and the all-or-nothing rule."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate.models import Batch, Item
from annotate.models.items import content_key
from annotate.services.data import bulk as import_speed
from annotate.services.data import imports, inserts
from annotate.services.data.formats import iter_records, parse_line
from annotate.services.errors import InvalidInput


def _stream_import(db, project, rows, batch="b1"):
    problems: list[str] = []
    data = io.BytesIO("\n".join(json.dumps(r) for r in rows).encode())
    result = imports.import_records(
        db.session,
        project,
        iter_records(data, "jsonl", problems),
        batch_name=batch,
        parse_problems=problems,
    )
    db.session.commit()
    return result


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 3)  # records checked per chunk
    monkeypatch.setattr(inserts, "CHUNK", 3)  # rows per bulk INSERT


def test_duplicates_across_chunks_are_skipped(db, make_project, small_chunks):
    project = make_project("p", labels=["pos", "neg"])
    rows = [{"id": f"i{n}", "text": f"t{n}"} for n in range(7)]
    rows += [{"id": "i1", "text": "t1"}, {"id": "copy", "text": "t2"}]
    result = _stream_import(db, project, rows)
    assert result.inserted == 8
    assert result.duplicates == ["line 8: same id and content as 'i1' earlier in this file"]
    assert result.shared_content == [
        "line 9: 'copy' imported; same content as 'i2' earlier in this file"
    ]
    again = _stream_import(db, project, rows[:4])
    assert again.inserted == 0 and again.duplicates[0] == "line 1: duplicate of item 'i0'"


def test_problems_in_a_late_chunk_report_everything(db, make_project, small_chunks):
    project = make_project("p", labels=["pos", "neg"])
    rows = [{"id": f"i{n}", "text": f"t{n}"} for n in range(7)]
    rows += [{"id": "i0", "text": "changed"}, {"id": "bad"}]
    with pytest.raises(InvalidInput) as caught:
        _stream_import(db, project, rows)
    assert caught.value.problems == [
        "line 8: id: 'i0' is used twice in this file",
        "line 9: text: required for single_label items",
    ]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 0


def test_stream_reports_malformed_lines_with_numbers(db, make_project):
    project = make_project("p", labels=["pos", "neg"])
    problems: list[str] = []
    data = io.BytesIO(b'{"id": "a", "text": "x"}\n\n{oops\n\xff\xfe\n[1]\n')
    with pytest.raises(InvalidInput) as caught:
        imports.import_records(
            db.session,
            project,
            iter_records(data, "jsonl", problems),
            batch_name="b",
            parse_problems=problems,
        )
    found = caught.value.problems
    assert [p.split(":")[0] for p in found] == ["line 3", "line 4", "line 5"]
    assert "malformed JSON" in found[0] and "UTF-8" in found[1] and "JSON object" in found[2]


# A JSON line is read by orjson for speed; the result must be exactly json.loads'.
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.text()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json_values, max_size=5))
def test_parse_line_reads_exactly_what_json_loads_reads(document):
    raw = json.dumps(document).encode() + b"\n"
    assert repr(parse_line(raw)) == repr(json.loads(raw))


@pytest.mark.parametrize(
    "raw",
    [
        b'{"id": 123456789012345678901234567890}',  # beyond 64 bits: orjson gives a float
        b'{"a": [{"b": -98765432109876543210987}]}',
        b'{"x": NaN, "y": Infinity}',
        b'{"x": 1e400}',  # orjson refuses these
        b'{"x": "\\ud800"}',  # a lone surrogate
        b'{"a": 1, "a": 2}',
        b'  {"x": 1}  \r\n',
        b"[1, 2.5]",
        b'"text"',
    ],
)
def test_parse_line_edge_cases_match_json_loads(raw):
    assert repr(parse_line(raw)) == repr(json.loads(raw))


def test_malformed_and_non_utf8_lines_keep_the_standard_messages():
    problems: list[str] = []
    data = io.BytesIO(b'{"text": "ok"}\n{"text": \n{"text": "\xff"}\n')
    records = list(iter_records(data, "jsonl", problems))
    assert [r.fields for r in records] == [{"text": "ok"}]
    assert problems == [
        "line 2: malformed JSON (Expecting value at column 1)",
        "line 3: not UTF-8 text (invalid start byte at byte 10)",
    ]


def test_content_lookup_confirms_the_full_hash(db, make_project):
    """Two hashes that share their 64-bit index key are different content."""
    project = make_project()
    batch = Batch(project_id=project.id, name="b")
    db.session.add(batch)
    db.session.flush()
    stored = "ab" * 8 + "1" * 48
    db.session.add(
        Item(
            project_id=project.id,
            batch_id=batch.id,
            external_id="x",
            payload={"text": "x"},
            content_hash=stored,
        )
    )
    db.session.flush()
    item = db.session.scalar(sa.select(Item))
    assert item.content_key == content_key(stored)
    twin = "ab" * 8 + "2" * 48
    assert content_key(twin) == item.content_key
    assert import_speed.existing_content(db.session, project, [twin]) == {}
    assert import_speed.existing_content(db.session, project, [stored, twin]) == {
        stored: (item.id, "x", stored)
    }


def test_bulk_mode_quiets_the_collector_and_restores_it_after_a_refused_import(db, make_project):
    """While an import runs the cycle collector runs rarely (the app's objects set aside) and
    SQLite's page cache is larger; after it, refused or not, everything is as it was."""
    import gc

    project = make_project("bulk-mode")
    thresholds = gc.get_threshold()
    cache = (
        db.session.connection().exec_driver_sql("PRAGMA cache_size").scalar()
        if (db.engine.dialect.name == "sqlite")
        else None
    )
    seen = []

    def records():
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        if cache is not None:
            size = db.session.connection().exec_driver_sql("PRAGMA cache_size").scalar()
            assert size == -import_speed.SQLITE_CACHE_KIB
        yield from iter_records(io.BytesIO(b'{"id": "a", "text": 1}\n'), "jsonl", [])

    with pytest.raises(InvalidInput):
        imports.import_records(db.session, project, records(), batch_name="b1")
    assert seen == [(import_speed.BULK_GC_THRESHOLDS, seen[0][1])] and seen[0][1] > 0
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0
    if cache is not None:
        assert db.session.connection().exec_driver_sql("PRAGMA cache_size").scalar() == cache
    assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 0
