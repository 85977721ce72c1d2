"""Benchmark the item browser's text search on 1,000,000 items, SQLite and PostgreSQL.

    python bench/browse.py [--items 1000000] [--pg postgresql+psycopg://…/db] [--repeat 5]

Builds one project of ``--items`` items in a fresh SQLite file (and, with ``--pg``, in that
PostgreSQL database, whose tables are dropped first). Each item's text has twelve English
words out of 20,000 and five two-character Chinese words out of 5,000 (so a word is in
about 600 or 1,000 items), and one English word in three items ("common"). Items go in
with plain ``executemany`` / ``COPY``; the search index is kept in step as the import keeps
it (SQLite: one INSERT … SELECT into the FTS5 table, as after each import chunk;
PostgreSQL: the GIN index).

For a rare English word, a Chinese word, the common word and a word in no item it times
the first page (50 items) of :func:`annotate.services.data.browse.browse_items` — the
full-text index — and, as the baseline in the same run, the same page by an unindexed
``LIKE '%…%'`` scan of the same text (it stops at 51 matches, so only a word in few or no
items makes it read the whole table). Prints the median milliseconds of ``--repeat`` runs
and baseline / indexed.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHUNK = 20_000
HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]


def _vocabulary(rng: random.Random) -> tuple[list[str], list[str]]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    english = sorted({"".join(rng.choices(letters, k=rng.randint(5, 9))) for _ in range(20_500)})
    chinese = sorted({rng.choice(HAN) + rng.choice(HAN) for _ in range(5_200)})
    return english[:20_000], chinese[:5_000]


def _texts(n: int, seed: int = 7):
    rng = random.Random(seed)
    english, chinese = _vocabulary(rng)
    for i in range(n):
        words = rng.choices(english, k=12)
        if i % 3 == 0:
            words[0] = "common"
        zh = "".join(rng.choices(chinese, k=5))
        yield f"{' '.join(words[:6])}，{zh}。{' '.join(words[6:])}"


def _build(url: str, n: int) -> tuple[object, int]:
    import sqlalchemy as sa

    from annotate import create_app
    from annotate.config import TestConfig
    from annotate.database import db
    from annotate.models import Batch, Project
    from annotate.models.search import indexing_new_items, search_text
    from annotate.services.audit import content_hash

    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        meta.drop_all(bind=db.engine)
        db.drop_all()
        db.create_all()
        project = Project(slug="bench", name="Bench", task_type="single_label")
        db.session.add(project)
        db.session.flush()
        batch = Batch(project_id=project.id, name="b")
        db.session.add(batch)
        db.session.commit()
        project_id, batch_id = project.id, batch.id
        started = time.perf_counter()
        connection = db.session.connection()
        rows = []
        inserting = 0.0
        indexing = indexing_new_items(connection)
        indexing.__enter__()
        for i, text in enumerate(_texts(n)):
            payload = '{"text": "' + text + '"}'
            digest = content_hash({"i": i})
            rows.append(
                (
                    project_id,
                    batch_id,
                    f"it-{i}",
                    payload,
                    search_text({"text": text}),
                    digest,
                    int(digest[:15], 16),
                )
            )
            if len(rows) == CHUNK:
                t = time.perf_counter()
                _insert(connection, rows)
                inserting += time.perf_counter() - t
                rows = []
        if rows:
            _insert(connection, rows)
        t = time.perf_counter()
        indexing.__exit__(None, None, None)  # SQLite: into the FTS5 table in one statement
        inserting += time.perf_counter() - t
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE items"))
            db.session.commit()
        total = time.perf_counter() - started
        print(f"  built {n:,} items in {total:.0f} s ({inserting:.0f} s in INSERT/COPY)")
    return app, project_id


def _insert(connection, rows) -> None:
    columns = (
        "project_id, batch_id, external_id, payload, search_text, content_hash, "
        "content_key, has_personal_info, quarantined, annotation_count, has_free_slot, "
        "created_at"
    )
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        buffer = io.StringIO()
        for r in rows:
            cells = [str(v).replace("\\", "\\\\").replace("\t", " ") for v in r]
            buffer.write("\t".join([*cells, "f", "f", "0", "t", "2026-11-01 00:00:00+00"]) + "\n")
        with raw.cursor() as cursor, cursor.copy(f"COPY items ({columns}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        return
    connection.exec_driver_sql(
        f"INSERT INTO items ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 1, "
        "'2026-11-01 00:00:00.000000')",
        rows,
    )


def _median_ms(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def _queries(n: int) -> dict[str, str]:
    """A rare English word and a Chinese word of the item at 60 %, and the common word."""
    for i, text in enumerate(_texts(n)):
        if i == n * 6 // 10:
            english = text.split("，")[0].split()[3]
            chinese = text.split("，")[1][2:4]
            return {
                "English word": english,
                "Chinese word": chinese,
                "common": "common",
                "absent": "zzzzq",  # in no item: the LIKE scan reads every item
            }
    raise ValueError(n)


def _measure(app, project_id: int, n: int, repeat: int) -> list[tuple[str, float, float, int]]:
    import sqlalchemy as sa

    from annotate.database import db
    from annotate.models import Item, Project
    from annotate.models.search import spaced
    from annotate.services.data.browse import ItemFilter, browse_items

    queries = _queries(n)
    found = []
    with app.app_context():
        project = db.session.get(Project, project_id)
        for name, word in queries.items():
            indexed, page = _median_ms(
                lambda w=word: browse_items(db.session, project, ItemFilter(q=w)), repeat
            )
            like = f"%{spaced(word)}%"  # the same text, unindexed

            def baseline(like=like):
                return db.session.scalars(
                    sa.select(Item.id)
                    .where(Item.project_id == project_id, Item.search_text.like(like))
                    .order_by(Item.id)
                    .limit(51)
                ).all()

            base, ids = _median_ms(baseline, repeat)
            hits = [item.id for item, _ in page.items]  # type: ignore[attr-defined]
            assert hits == list(ids)[: len(hits)] and (hits or name == "absent"), (name, word)
            found.append((f"{name} {word!r}", indexed, base, len(hits)))
            db.session.rollback()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--pg", help="A PostgreSQL URL to run on too (its tables are dropped).")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite (FTS5)", f"sqlite:///{Path(tmp) / 'browse.sqlite'}")]
        if args.pg:
            targets.append(("PostgreSQL (tsvector GIN)", args.pg))
        for label, url in targets:
            print(f"{label}:")
            app, project_id = _build(url, args.items)
            for query, indexed, base, hits in _measure(app, project_id, args.items, args.repeat):
                verdict = "ok" if indexed < 200 else "SLOW"
                print(
                    f"  {query:<28} first page ({hits} items): {indexed:7.1f} ms indexed, "
                    f"{base:8.1f} ms LIKE scan; baseline/indexed = {base / indexed:6.1f}x "
                    f"[{verdict} < 200 ms]"
                )


if __name__ == "__main__":
    main()
