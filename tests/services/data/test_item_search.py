"""Item search through the database's full-text index (issue 20 item 4): Chinese by
character phrases, English by words and prefixes; the index follows inserts (ORM and bulk
import), updates and deletes."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from annotate.models import Item
from annotate.models.search import fts5_query, search_text, spaced
from annotate.services.data.browse import ItemFilter, browse_items
from annotate.services.data.formats import read_records
from annotate.services.data.imports import import_records
from tests.factories import import_batch

TEXTS = [
    "我在学中文，很开心。",
    "这家店的服务很好",
    "The reviewer liked the battery life",
    "Battery died after two days; 电池不行",
    "reviews-2026 mention 100% satisfaction",
]


def test_search_text_spaces_cjk_characters():
    assert spaced("iPhone很好, 3.5") == "iPhone 很  好 , 3.5" and spaced("plain") == "plain"
    assert search_text({"a": "Ab", "b": ["中文", {"c": "x_y"}], "n": 3}) == "Ab\n 中  文 \nx_y"
    assert fts5_query('很好 "bat') == '" 很  好  ""bat"*' and fts5_query("%_ ") is None


@pytest.fixture
def project(db, make_project):
    project = make_project("search")
    import_batch(db.session, project, "b", n_items=len(TEXTS), payload=lambda n: {"text": TEXTS[n]})
    db.session.commit()
    return project


def _found(db, project, q):
    page = browse_items(db.session, project, ItemFilter(q=q), page_size=100)
    return sorted(TEXTS.index(item.payload["text"]) for item, _ in page.items)


@pytest.mark.parametrize(
    "q, expected",
    [
        ("中文", [0]),
        ("很", [0, 1]),
        ("服务很好", [1]),
        ("电池", [3]),
        ("文很", [0]),  # punctuation is no word: "中文，很"
        ("学文", []),  # not adjacent: "学中文"
        ("battery", [2, 3]),
        ("BATT", [2, 3]),  # a prefix, any case
        ("battery life", [2]),
        ("life battery", []),  # a phrase, in order
        ("100%", [4]),
        ("atter", []),  # words from their start, not inside
        ("b-", [0, 1, 2, 3, 4]),  # the external ids b-0 … b-4
        ("%%", []),
    ],
)
def test_search_finds_chinese_and_english(db, project, q, expected):
    assert _found(db, project, q) == expected


def test_the_index_follows_updates_and_deletes(db, project):
    item = db.session.scalar(sa.select(Item).where(Item.external_id == "b-1"))
    item.payload = {"text": "全新的内容"}
    item.search_text = search_text(item.payload)
    db.session.commit()
    assert _found(db, project, "服务") == []
    page = browse_items(db.session, project, ItemFilter(q="全新"))
    assert [i.external_id for i, _ in page.items] == ["b-1"]
    db.session.delete(item)
    db.session.commit()
    assert browse_items(db.session, project, ItemFilter(q="全新")).items == []


def test_the_bulk_import_fills_the_search_text(db, project):
    lines = "\n".join(
        json.dumps({"id": f"x{n}", "text": t}, ensure_ascii=False)
        for n, t in enumerate(["标注平台很好用", "an annotation platform"])
    )
    records, problems = read_records(lines.encode(), "jsonl")
    import_records(db.session, project, records, batch_name="x", parse_problems=problems)
    db.session.commit()
    for q, ext in (("平台", "x0"), ("annotation plat", "x1")):
        page = browse_items(db.session, project, ItemFilter(q=q))
        assert [i.external_id for i, _ in page.items] == [ext]
    if db.engine.dialect.name == "sqlite":  # merging was off for the bulk insert only
        merge = "SELECT v FROM items_fts_config WHERE k = 'automerge'"
        assert db.session.connection().exec_driver_sql(merge).scalar() == 4
        db.session.connection().exec_driver_sql(
            "INSERT INTO items_fts(items_fts, rank) VALUES ('automerge', 8)"
        )
        more = json.dumps({"id": "x2", "text": "annotation again"}).encode()
        records, problems = read_records(more, "jsonl")
        import_records(db.session, project, records, batch_name="y", parse_problems=problems)
        db.session.commit()
        assert db.session.connection().exec_driver_sql(merge).scalar() == 8  # a chosen one kept
        page = browse_items(db.session, project, ItemFilter(q="annotation"))
        assert sorted(i.external_id for i, _ in page.items) == ["x1", "x2"]


def test_frequent_and_rare_words_find_the_same(db, project, monkeypatch):
    """PostgreSQL: a frequent word walks the items in id order, a rare one reads the GIN
    index first; both give the same page."""
    from annotate.services.data import browse

    rare = {q: _found(db, project, q) for q in ("很", "battery", "电池")}
    monkeypatch.setattr(browse, "_frequent", lambda session, clause: True)
    assert {q: _found(db, project, q) for q in rare} == rare
