"""Full-text search of items through each database's own index (the item browser).

Neither database splits Chinese into words: PostgreSQL's parsers and SQLite FTS5's
``unicode61`` tokenizer take a run of Han characters as one token, and the trigram indexes
(``pg_trgm``, FTS5 ``trigram``) cannot answer the one- and two-character words most Chinese
searches are. So ``items.search_text`` holds the payload's text with a space on each side of
every CJK character (:func:`search_text`; text without any is stored as it is), and the
database's own tokenizer does the rest, the same way for the text and for the query: each
CJK character is a word, other text splits as that tokenizer splits it, case folded. A query
is a *phrase* of its words, the last one a prefix: "中文" finds "学中文的人", "review 7"
finds "Review 7 stars", "revi" finds "reviewing".

* PostgreSQL: a GIN index on ``to_tsvector('simple', search_text)`` (built in, no
  extension; 'simple' neither stems nor drops stop words), queried with
  ``phraseto_tsquery('simple', …)`` plus a prefix mark on the last word.
* SQLite: an FTS5 table ``items_fts`` with ``items`` as its external content. New items
  enter it in bulk (:func:`indexing_new_items`, around each chunk of an import) or, for items
  inserted through the ORM, by a mapper event; triggers follow updates and deletes. (A
  trigger on every insert made a bulk import four times slower than one INSERT … SELECT.)

The index objects are not in the models' metadata (neither is a SQLAlchemy table or plain
index): :data:`SQLITE_DDL` / :data:`POSTGRESQL_DDL` create them after ``items`` (see
:func:`install`), and the migration ``privacy2`` does the same for an existing database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

#: Kana, CJK ideographs (with extension A and compatibility forms) and Hangul syllables.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK = re.compile(f"[{CJK}]")
_WORD = re.compile(r"[^\W_]")
#: Names of the objects outside the models (the migration test skips them).
FTS_TABLE, PG_INDEX = "items_fts", "ix_items_search_text"
#: FTS5's default ``automerge`` (segments merged once this many share a level).
FTS_AUTOMERGE = 4


def spaced(text: str) -> str:
    """``text`` with a space on each side of every CJK character (the tokenizers then take
    each as a word of its own)."""
    return text if text.isascii() else _CJK.sub(r" \g<0> ", text)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def search_text(payload: Any) -> str:
    """An item's ``search_text``: every string of its payload, CJK characters spaced."""
    return spaced("\n".join(_strings(payload)))


def search_text_default(context: Any) -> str:
    """Column default: the ``search_text`` of the row's payload."""
    return search_text(context.get_current_parameters().get("payload"))


def has_words(query: str) -> bool:
    """True if ``query`` holds a letter or digit to look for."""
    return _WORD.search(query) is not None


def fts5_query(query: str) -> str | None:
    """``query`` as an FTS5 ``MATCH`` phrase, its last word a prefix (None: no word)."""
    if not has_words(query):
        return None
    return '"' + spaced(query).replace('"', '""') + '"*'


@contextmanager
def indexing_new_items(connection: Any) -> Iterator[None]:
    """Add the items inserted inside the block to the SQLite full-text table, in one
    statement at its end (the bulk import; PostgreSQL's index follows by itself)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM items").scalar()
    yield
    # FTS5 merges its index segments as rows arrive (automerge); for one bulk insert that is
    # a quarter of the insert's time (2.8 s -> 2.1 s on 1,000,000 items, searches as fast
    # after). Later writes merge as before: the setting is restored in the same transaction.
    merge = connection.exec_driver_sql(
        f"SELECT v FROM {FTS_TABLE}_config WHERE k = 'automerge'"
    ).scalar()
    _fts_setting(connection, "automerge", 0)
    connection.exec_driver_sql(
        f"INSERT INTO {FTS_TABLE}(rowid, search_text) "
        "SELECT id, search_text FROM items WHERE id > ?",
        (before,),
    )
    _fts_setting(connection, "automerge", FTS_AUTOMERGE if merge is None else int(merge))


def _fts_setting(connection: Any, name: str, value: int) -> None:
    connection.exec_driver_sql(
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES (?, ?)", (name, value)
    )


SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_text, content='items', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS items_fts_delete AFTER DELETE ON items BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS items_fts_update AFTER UPDATE OF search_text ON items BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS items_fts_delete",
    "DROP TRIGGER IF EXISTS items_fts_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
POSTGRESQL_DDL = (
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON items "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
)


def _orm_insert(_mapper: Any, connection: Any, target: Any) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (?, ?)",
            (target.id, target.search_text),
        )


def install(items: sa.Table, model: Any) -> None:
    """Create the search index objects whenever ``items`` is created (``create_all``), and
    index the items ``model`` (the ORM class) inserts."""
    sa.event.listen(model, "after_insert", _orm_insert)
    for statement in SQLITE_DDL:
        sa.event.listen(items, "after_create", sa.DDL(statement).execute_if(dialect="sqlite"))
    for statement in POSTGRESQL_DDL:
        sa.event.listen(items, "after_create", sa.DDL(statement).execute_if(dialect="postgresql"))
    for statement in SQLITE_DROP:
        sa.event.listen(items, "before_drop", sa.DDL(statement).execute_if(dialect="sqlite"))
