"""Full-text search of items through each database's own index (the item browser).

Neither database splits Chinese into words: PostgreSQL's parsers and SQLite FTS5's
``unicode61`` tokenizer take a run of Han characters as one token, and the trigram indexes
(``pg_trgm``, FTS5 ``trigram``) cannot answer the one- and two-character words most Chinese
searches are. So the text is tokenised here, the same way for documents and queries: every
CJK character is a token of its own, other text splits into runs of letters and digits,
lower-cased. ``items.search_text`` holds the payload's text so tokenised (joined by spaces);
a query is a *phrase* of its tokens, the last one a prefix: "中文" finds "学中文的人",
"review 7" finds "Review 7 stars", "revi" finds "reviewing".

* PostgreSQL: a GIN index on ``to_tsvector('simple', search_text)`` (built in, no
  extension; 'simple' neither stems nor drops stop words), queried with ``<->`` phrases.
* SQLite: an FTS5 table ``items_fts`` with ``items`` as its external content, kept in step by
  triggers on insert, update and delete, queried with a ``MATCH`` phrase.

The index objects are not in the models' metadata (neither is a SQLAlchemy table or plain
index): :data:`SQLITE_DDL` / :data:`POSTGRESQL_DDL` create them after ``items`` (see
:func:`install`), and the migration ``privacy2`` does the same for an existing database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

#: Kana, CJK ideographs (with extension A and compatibility forms) and Hangul syllables.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{CJK}]|[^\W_{CJK}]+")
#: Names of the objects outside the models (the migration test skips them).
FTS_TABLE, PG_INDEX = "items_fts", "ix_items_search_text"


def tokens(text: str) -> list[str]:
    """The search tokens of ``text``: each CJK character, each run of letters and digits."""
    return _TOKEN.findall(text.casefold())


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
    """An item's ``search_text``: the tokens of every string in its payload."""
    return " ".join(tokens("\n".join(_strings(payload))))


def search_text_default(context: Any) -> str:
    """Column default: the ``search_text`` of the row's payload."""
    return search_text(context.get_current_parameters().get("payload"))


def tsquery(query: str) -> str | None:
    """``query`` as a PostgreSQL ``to_tsquery`` phrase (None: no token to search)."""
    found = tokens(query)
    return " <-> ".join(found) + ":*" if found else None


def fts5_query(query: str) -> str | None:
    """``query`` as an FTS5 ``MATCH`` phrase, its last token a prefix (None: no token)."""
    found = tokens(query)
    return '"' + " ".join(found) + '"*' if found else None


SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_text, content='items', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS items_fts_insert AFTER INSERT ON items BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS items_fts_delete AFTER DELETE ON items BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS items_fts_update AFTER UPDATE OF search_text ON items BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS items_fts_insert",
    "DROP TRIGGER IF EXISTS items_fts_delete",
    "DROP TRIGGER IF EXISTS items_fts_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
POSTGRESQL_DDL = (
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON items "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
)


def install(items: sa.Table) -> None:
    """Create the search index objects whenever ``items`` is created (``create_all``)."""
    for statement in SQLITE_DDL:
        sa.event.listen(items, "after_create", sa.DDL(statement).execute_if(dialect="sqlite"))
    for statement in POSTGRESQL_DDL:
        sa.event.listen(items, "after_create", sa.DDL(statement).execute_if(dialect="postgresql"))
    for statement in SQLITE_DROP:
        sa.event.listen(items, "before_drop", sa.DDL(statement).execute_if(dialect="sqlite"))
