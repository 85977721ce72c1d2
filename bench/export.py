"""Benchmark the long dataset export (one row per annotation) on 1,000,000 annotations.

    python bench/export.py [--annotations 1000000] [--per-item 5] [--repeat 1]

A fresh SQLite file holds two single-label projects built with plain ``executemany`` inserts:
``bench`` with ``--annotations`` annotations (``--per-item`` annotators per item out of 20,
each with its assignment; one in ten reviewed) and ``small`` with a fifth as many. Then, each
in its own child process so that the peak RSS printed (``ru_maxrss``) is that measurement's:

* ``long-parquet`` and ``long-csv``: ``write_dataset`` of ``bench`` to a file (pseudonyms,
  rulebook versions, rounds, review verdicts; streamed by item pages and 50,000-row groups);
* ``long-parquet (small)``: the same on ``small`` — flat memory means the same peak RSS;
* **baseline**: the same rows read with one SQL query into Python lists, turned into one
  Arrow table and written with ``pyarrow.parquet.write_table`` from memory.

Prints rows/s (by wall time, and per CPU second: the machine may be shared) and peak RSS of
each, and the export / baseline ratios of both.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHUNK = 20_000
ANNOTATORS = 20
LABELS = ("pos", "neg", "neu")


def _app(db_path: Path):
    from annotate import create_app
    from annotate.config import TestConfig

    return create_app(
        {"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}"}
    )


def _fill(
    conn,
    project_id: int,
    batch_id: int,
    version_id: int,
    users: list[int],
    n_items: int,
    per_item: int,
    start_item: int,
    start_ann: int,
    rng: random.Random,
) -> tuple[int, int]:
    """Insert ``n_items`` items with ``per_item`` annotations (and assignments) each."""
    when = datetime(2026, 11, 1, tzinfo=UTC)
    stamp = when.strftime("%Y-%m-%d %H:%M:%S.%f")
    item_sql = (
        "INSERT INTO items (id, project_id, batch_id, external_id, payload, content_hash, "
        "content_key, has_personal_info, quarantined, annotation_count, has_free_slot, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?, 0, ?)"
    )
    asg_sql = (
        "INSERT INTO assignments (id, item_id, annotator_id, round, status, leased_at, "
        "lease_expires_at) VALUES (?, ?, ?, 1, 'submitted', ?, ?)"
    )
    ann_sql = (
        "INSERT INTO annotations (id, item_id, annotator_id, assignment_id, rulebook_version_id,"
        " value, clause_keys, source, submitted_at, duration_ms, is_current) "
        "VALUES (?, ?, ?, ?, ?, ?, '[]', 'web', ?, ?, 1)"
    )
    items, asgs, anns = [], [], []
    item_id, ann_id = start_item, start_ann
    for n in range(n_items):
        item_id += 1
        digest = f"{item_id:064x}"
        items.append(
            (
                item_id,
                project_id,
                batch_id,
                f"item-{item_id}",
                json.dumps({"text": f"review number {item_id}"}),
                digest,
                item_id,
                per_item,
                stamp,
            )
        )
        for user in rng.sample(users, per_item):
            ann_id += 1
            at = (when + timedelta(seconds=ann_id)).strftime("%Y-%m-%d %H:%M:%S.%f")
            asgs.append((ann_id, item_id, user, at, at))
            anns.append(
                (
                    ann_id,
                    item_id,
                    user,
                    ann_id,
                    version_id,
                    json.dumps(rng.choice(LABELS)),
                    at,
                    rng.randint(2000, 40000),
                )
            )
        if len(anns) >= CHUNK or n == n_items - 1:
            conn.executemany(item_sql, items)
            conn.executemany(asg_sql, asgs)
            conn.executemany(ann_sql, anns)
            items, asgs, anns = [], [], []
    return item_id, ann_id


def child_setup(db_path: Path, annotations: int, per_item: int) -> dict:
    """Create the two projects; every tenth annotation of ``bench`` gets a review."""
    from annotate.database import db
    from annotate.models import Batch, RulebookVersion, VersionStatus
    from annotate.models.rulebooks import Rulebook
    from annotate.services.accounts.users import create_user
    from annotate.services.projects.projects import create_project

    rng = random.Random(0)
    with _app(db_path).app_context():
        db.create_all()
        users = [create_user(db.session, f"ann{n}", None).id for n in range(ANNOTATORS)]
        item_id = ann_id = 0
        for slug, total in (("bench", annotations), ("small", annotations // 5)):
            project = create_project(db.session, slug, slug, "single_label", labels=list(LABELS))
            book = Rulebook(project_id=project.id, key="main", title="Main")
            db.session.add(book)
            db.session.flush()
            version = RulebookVersion(
                rulebook_id=book.id,
                version="1.0.0",
                major=1,
                minor=0,
                patch=0,
                status=VersionStatus.published,
                title="Main",
                body="# Main",
                sha256="a" * 64,
            )
            batch = Batch(project_id=project.id, name="b1")
            db.session.add_all([version, batch])
            db.session.flush()
            conn = db.session.connection().connection.driver_connection
            first_ann = ann_id
            item_id, ann_id = _fill(
                conn,
                project.id,
                batch.id,
                version.id,
                users,
                total // per_item,
                per_item,
                item_id,
                ann_id,
                rng,
            )
            if slug == "bench":
                conn.execute(
                    "INSERT INTO sample_plans (id, batch_id, round, method, parameters, seed, "
                    "lot_size, sample_size, created_at) VALUES (1, ?, 1, 'fixed_n', '{}', 1, "
                    "1, 1, '2026-11-01 00:00:00.000000')",
                    (batch.id,),
                )
                conn.execute(
                    "INSERT INTO sampled_annotations (plan_id, annotation_id, position, "
                    "is_calibration) SELECT 1, id, 0, 0 FROM annotations WHERE id > ? AND "
                    "id % 10 = 0",
                    (first_ann,),
                )
                conn.execute(
                    "INSERT INTO reviews (sampled_annotation_id, reviewer_id, verdict, comment, "
                    "created_at) SELECT id, ?, 'correct', '', '2026-11-02 00:00:00.000000' "
                    "FROM sampled_annotations",
                    (users[0],),
                )
        db.session.commit()
        return {"annotations": ann_id}


def child_export(db_path: Path, out: Path, slug: str, fmt: str) -> dict:
    """The product's streamed export; rows/s."""
    from annotate.database import db
    from annotate.services.data.export import BINARY_FORMATS, write_dataset
    from annotate.services.projects.projects import get_project

    with _app(db_path).app_context():
        project = get_project(db.session, slug)
        t0, c0 = time.perf_counter(), time.process_time()
        mode = {"mode": "wb"} if fmt in BINARY_FORMATS else {"mode": "w", "encoding": "utf-8"}
        with out.open(**mode) as stream:
            stats = write_dataset(db.session, project, fmt, stream, secret=b"k" * 32)
        db.session.commit()
        return {
            "seconds": time.perf_counter() - t0,
            "cpu": time.process_time() - c0,
            "rows": stats.rows,
            "bytes": out.stat().st_size,
        }


def child_baseline(db_path: Path, out: Path, slug: str, fmt: str) -> dict:
    """The same rows loaded into memory with one query, written by pyarrow in one go."""
    import sqlite3

    import pyarrow as pa
    import pyarrow.parquet as pq

    from annotate.services.data.tabular import LONG_SCHEMA

    t0, c0 = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(db_path)
    rows = conn.execute(
        "SELECT a.item_id, i.external_id, b.name, a.id, 'ann-' || a.annotator_id, a.value, "
        "v.version, v.sha256, a.source, a.imported_from, a.imported_at, a.submitted_at, "
        "a.duration_ms, s.round, a.is_current, (SELECT r.verdict FROM reviews r JOIN "
        "sampled_annotations sa ON sa.id = r.sampled_annotation_id WHERE sa.annotation_id = a.id "
        "ORDER BY r.id DESC LIMIT 1) FROM annotations a JOIN items i ON i.id = a.item_id "
        "JOIN batches b ON b.id = i.batch_id JOIN projects p ON p.id = i.project_id "
        "LEFT JOIN rulebook_versions v ON v.id = a.rulebook_version_id "
        "LEFT JOIN assignments s ON s.id = a.assignment_id WHERE p.slug = ? "
        "ORDER BY a.item_id, a.id",
        (slug,),
    ).fetchall()
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in LONG_SCHEMA]
    del rows
    columns[10] = [None] * len(columns[0])
    columns[11] = [datetime.fromisoformat(t).replace(tzinfo=UTC) for t in columns[11]]
    columns[14] = [bool(x) for x in columns[14]]
    table = pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(columns, LONG_SCHEMA, strict=True)],
        schema=LONG_SCHEMA,
    )
    pq.write_table(table, out, compression="zstd")
    return {
        "seconds": time.perf_counter() - t0,
        "cpu": time.process_time() - c0,
        "rows": table.num_rows,
        "bytes": out.stat().st_size,
    }


def run_child(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "setup":
        out = child_setup(Path(argv[1]), int(argv[2]), int(argv[3]))
    else:
        fn = child_baseline if kind == "baseline" else child_export
        out = fn(Path(argv[1]), Path(argv[2]), argv[3], argv[4])
    out["max_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(out))


def _spawn(*args: object) -> dict:
    cmd = [sys.executable, __file__, "--child", *map(str, args)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--per-item", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="annotate-bench-") as tmp:
        db_path, out = Path(tmp) / "bench.sqlite", Path(tmp) / "out"
        t0 = time.perf_counter()
        _spawn("setup", db_path, args.annotations, args.per_item)
        print(
            f"{args.annotations:,} annotations ({args.per_item} per item) + a fifth as many "
            f"in 'small'; SQLite file; set up in {time.perf_counter() - t0:.0f} s; "
            f"best of {args.repeat}"
        )
        runs = {
            "baseline": ("baseline", "bench", "long-parquet"),
            "long-parquet": ("export", "bench", "long-parquet"),
            "long-csv": ("export", "bench", "long-csv"),
            "long-parquet (small)": ("export", "small", "long-parquet"),
        }
        results: dict[str, list[dict]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, (kind, slug, fmt) in runs.items():
                results[name].append(_spawn(kind, db_path, out, slug, fmt))
    best = {name: min(r, key=lambda x: x["seconds"]) for name, r in results.items()}
    peak = {name: max(x["max_rss"] for x in r) for name, r in results.items()}
    rate = {name: b["rows"] / b["seconds"] for name, b in best.items()}
    cpu_rate = {name: b["rows"] / max(b["cpu"], 1e-9) for name, b in best.items()}
    for name, b in best.items():
        print(
            f"{name:22s} {b['rows']:>10,} rows {b['seconds']:7.2f} s {rate[name]:>10,.0f} "
            f"rows/s ({cpu_rate[name]:>9,.0f} per CPU s)  peak RSS {_mb(peak[name]):>11s}  "
            f"file {_mb(b['bytes'])}"
        )
    print(
        f"long-parquet / baseline: {rate['long-parquet'] / rate['baseline']:.2f}x rows/s "
        f"({cpu_rate['long-parquet'] / cpu_rate['baseline']:.2f}x per CPU second), "
        f"{peak['long-parquet'] / peak['baseline']:.2f}x peak RSS"
    )
    print(
        f"long-parquet peak RSS on 1/5 the annotations: "
        f"{peak['long-parquet (small)'] / peak['long-parquet']:.2f}x (1.00: flat)"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        os.environ.pop("ANNOTATE_TEST_DATABASE_URL", None)
        run_child(sys.argv[2:])
    else:
        sys.exit(main())
