"""Benchmark the item import (and the dataset export) on a large JSONL file, in one run.

    python bench/import.py [--lines 1000000] [--repeat 3] [--no-tracemalloc]
    python bench/import.py --end-to-end [--lines 1000000] [--postgres URL]

``--end-to-end`` measures what issue #19 targets: ``annotate import`` as a process (start to
exit, wall) on a fresh SQLite file and, with ``--postgres`` (or
``ANNOTATE_TEST_DATABASE_URL`` naming PostgreSQL), on a fresh PostgreSQL database created
next to it; against the **no-op baseline** of the same run: a Python process that reads the
file and ``json.loads`` every line, nothing more. Target ≥ 50,000 items/s on both.

1. Import: a generated ``--lines``-line JSONL file (single-label project, ids, text, a
   language field, 5 % gold items) into a fresh SQLite file database through
   ``iter_records`` + ``import_records`` (validation, canonical JSON, sha256, duplicate checks,
   chunked inserts, one transaction), against the **baseline**: a plain ``executemany`` of
   the same rows into the same schema (``json.loads`` per line, ``json.dumps`` of the payload,
   sha256 and its 64-bit key, insert in chunks of 10,000; no validation, no duplicate
   checks). Best of ``--repeat`` for both; target ≥ 50,000 items/s.
2. Export: the imported project as JSONL (single annotator per item, majority vote) to a
   file, rows/s.

Each measurement runs in its own child process, so the peak RSS printed
(``ru_maxrss``) is that measurement's own; the tracemalloc peak (Python allocations only) is
measured in one extra run, because tracing slows the code down several times.
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
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHUNK = 10_000
WORDS = (
    "the quick brown fox jumps over a lazy dog while annotators label data under a "
    "published rulebook version with care"
).split()


def make_file(path: Path, lines: int) -> None:
    """Write ``lines`` JSONL items (5 % gold) to ``path``."""
    rng = random.Random(0)
    with path.open("w", encoding="utf-8") as out:
        for n in range(lines):
            row = {
                "id": f"item-{n:08d}",
                "text": " ".join(rng.choices(WORDS, k=14)) + f" #{n}",
                "lang": "en",
            }
            if n % 20 == 0:
                row["gold"] = "pos" if n % 40 else "neg"
            out.write(json.dumps(row) + "\n")


def _app(db_path: Path):
    from annotate import create_app
    from annotate.config import TestConfig

    return create_app(
        {"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}"}
    )


def _setup(db_path: Path):
    from annotate.database import db
    from annotate.services.projects.projects import create_project

    db.create_all()
    project = create_project(db.session, "bench", "Bench", "single_label", labels=["pos", "neg"])
    db.session.commit()
    return project


def child_import(data: Path, db_path: Path) -> dict:
    """Import ``data`` with the product's importer; return timings."""
    from annotate.database import db
    from annotate.services.data.formats import iter_records
    from annotate.services.data.imports import import_records

    with _app(db_path).app_context():
        project = _setup(db_path)
        t0 = time.perf_counter()
        problems: list[str] = []
        with data.open("rb") as stream:
            result = import_records(
                db.session,
                project,
                iter_records(stream, "jsonl", problems),
                batch_name="bench",
                parse_problems=problems,
            )
        db.session.commit()
        return {"seconds": time.perf_counter() - t0, "rows": result.inserted}


def child_baseline(data: Path, db_path: Path) -> dict:
    """Insert the same rows with a plain executemany; return timings."""
    import hashlib

    from annotate.database import db
    from annotate.models import Batch
    from annotate.models.items import content_key

    with _app(db_path).app_context():
        project = _setup(db_path)
        t0 = time.perf_counter()
        batch = Batch(project_id=project.id, name="bench")
        db.session.add(batch)
        db.session.flush()
        conn = db.session.connection().connection.driver_connection
        sql = (
            "INSERT INTO items (project_id, batch_id, external_id, payload, content_hash, "
            "content_key, gold_answer, has_personal_info, quarantined, annotation_count, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, '2026-01-01 00:00:00.000000')"
        )
        rows, n = [], 0
        with data.open("rb") as stream:
            for line in stream:
                obj = json.loads(line)
                ext, gold = obj.pop("id"), obj.pop("gold", None)
                payload = json.dumps(obj)
                digest = hashlib.sha256(payload.encode()).hexdigest()
                rows.append(
                    (
                        project.id,
                        batch.id,
                        ext,
                        payload,
                        digest,
                        content_key(digest),
                        None if gold is None else json.dumps(gold),
                    )
                )
                if len(rows) >= CHUNK:
                    conn.executemany(sql, rows)
                    n += len(rows)
                    rows = []
        conn.executemany(sql, rows)
        n += len(rows)
        db.session.commit()
        return {"seconds": time.perf_counter() - t0, "rows": n}


def child_export(db_path: Path, out: Path) -> dict:
    """Export the project imported into ``db_path`` as JSONL; return timings."""
    from annotate.database import db
    from annotate.services.data.export import write_dataset
    from annotate.services.projects.projects import get_project

    with _app(db_path).app_context():
        project = get_project(db.session, "bench")
        t0 = time.perf_counter()
        with out.open("w", encoding="utf-8") as stream:
            stats = write_dataset(db.session, project, "jsonl", stream)
        db.session.commit()
        return {"seconds": time.perf_counter() - t0, "rows": stats.rows}


def _fresh_database(kind: str, tmpdir: Path, pg_url: str | None, n: int) -> str:
    """A new empty database with the schema, a project ``bench`` and a user ``bench``."""
    if kind == "sqlite":
        return f"sqlite:///{tmpdir / f'e2e-{n}.sqlite'}"
    import sqlalchemy as sa

    from annotate.config import normalise_database_url

    base = sa.engine.make_url(normalise_database_url(str(pg_url)))
    name = f"bench_import_{os.getpid()}_{n}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    import sqlalchemy as sa

    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    admin.dispose()


def child_prepare(url: str) -> dict:
    """Schema, project ``bench`` and user ``bench`` in the database at ``url``."""
    from annotate import create_app
    from annotate.config import TestConfig
    from annotate.database import db
    from annotate.services.accounts.users import create_user
    from annotate.services.projects.projects import create_project

    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        create_project(db.session, "bench", "Bench", "single_label", labels=["pos", "neg"])
        create_user(db.session, "bench", None)
        db.session.commit()
        db.engine.dispose()
    return {}


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=ROOT)
    return time.perf_counter() - t0


NOOP = "import json, sys\nwith open(sys.argv[1], 'rb') as f:\n    for line in f: json.loads(line)\n"


def end_to_end(lines: int, repeat: int, pg_url: str | None) -> int:
    """``annotate import`` as a process against the no-op baseline; 0 if the target is met."""
    met = True
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOTATE_")}
    with tempfile.TemporaryDirectory(prefix="annotate-bench-") as tmp:
        tmpdir = Path(tmp)
        data = tmpdir / "items.jsonl"
        make_file(data, lines)
        print(f"{lines:,} lines, {_mb(data.stat().st_size)} of JSONL; best of {repeat}")
        noop = min(_timed([sys.executable, "-c", NOOP, str(data)], env) for _ in range(repeat))
        print(f"{'no-op (read + json.loads)':34s} {noop:7.2f} s  {lines / noop:>10,.0f} items/s")
        for kind in ("sqlite", "postgresql") if pg_url else ("sqlite",):
            best = float("inf")
            for n in range(repeat):
                url = _fresh_database(kind, tmpdir, pg_url, n)
                try:
                    _spawn("prepare", url)
                    run = env | {"ANNOTATE_DATABASE_URL": url}
                    cmd = [sys.executable, "-m", "annotate.cli", "--as", "bench", "import"]
                    best = min(best, _timed([*cmd, "bench", str(data)], run))
                finally:
                    _drop_database(url)
            rate = lines / best
            met = met and rate >= 50_000
            print(
                f"{'annotate import (' + kind + ')':34s} {best:7.2f} s  {rate:>10,.0f} items/s  "
                f"ratio to no-op {rate / (lines / noop):.2f}  (target ≥ 50,000 items/s: "
                f"{'met' if rate >= 50_000 else 'NOT met'})"
            )
    return 0 if met else 1


def run_child(argv: list[str]) -> None:
    """Entry of a child process: run one measurement, print it as JSON."""
    kind, traced = argv[0], argv[1] == "1"
    paths = [Path(p) for p in argv[2:]]
    if traced:
        tracemalloc.start()
    if kind == "prepare":
        print(json.dumps(child_prepare(argv[2])))
        return
    fn = {"import": child_import, "baseline": child_baseline, "export": child_export}[kind]
    out = fn(*paths)
    if traced:
        out["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    out["max_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(out))


def _spawn(kind: str, *paths: Path | str, traced: bool = False) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "1" if traced else "0", *map(str, paths)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="Skip the (slow) traced runs."
    )
    parser.add_argument(
        "--end-to-end", action="store_true", help="Time `annotate import` as a process."
    )
    parser.add_argument("--postgres", help="PostgreSQL URL for --end-to-end (a server).")
    args = parser.parse_args()
    if args.end_to_end:
        test_url = os.environ.get("ANNOTATE_TEST_DATABASE_URL", "")
        pg_url = args.postgres or (test_url if test_url.startswith("postgresql") else None)
        return end_to_end(args.lines, args.repeat, pg_url)
    with tempfile.TemporaryDirectory(prefix="annotate-bench-") as tmp:
        tmpdir = Path(tmp)
        data = tmpdir / "items.jsonl"
        make_file(data, args.lines)
        print(
            f"{args.lines:,} lines, {_mb(data.stat().st_size)} of JSONL; SQLite file; "
            f"best of {args.repeat}"
        )
        results: dict[str, list[dict]] = {"import": [], "baseline": [], "export": []}
        for n in range(args.repeat):
            for kind in ("baseline", "import"):
                db_path = tmpdir / f"{kind}-{n}.sqlite"
                results[kind].append(_spawn(kind, data, db_path))
            results["export"].append(
                _spawn("export", tmpdir / "import-0.sqlite", tmpdir / "export.jsonl")
            )
            for kind in ("baseline", "import"):
                if n or kind != "import":  # import-0 is kept for the exports
                    (tmpdir / f"{kind}-{n}.sqlite").unlink()
        traced = {}
        if not args.no_tracemalloc:
            traced["import"] = _spawn("import", data, tmpdir / "traced.sqlite", traced=True)
            traced["export"] = _spawn(
                "export", tmpdir / "import-0.sqlite", tmpdir / "export.jsonl", traced=True
            )

    def best(kind: str) -> dict:
        return min(results[kind], key=lambda r: r["seconds"])

    rates = {kind: best(kind)["rows"] / best(kind)["seconds"] for kind in results}
    for kind, label in (
        ("baseline", "baseline executemany"),
        ("import", "annotate import"),
        ("export", "dataset export (JSONL)"),
    ):
        b = best(kind)
        rss = max(r["max_rss"] for r in results[kind])
        line = (
            f"{label:24s} {b['rows']:>10,} rows  {b['seconds']:7.2f} s  "
            f"{rates[kind]:>10,.0f} rows/s  peak RSS {_mb(rss)}"
        )
        if kind in traced:
            line += f"  tracemalloc peak {_mb(traced[kind]['tracemalloc_peak'])}"
        print(line)
    ratio = rates["import"] / rates["baseline"]
    print(
        f"import / baseline = {ratio:.2f}  (target: import ≥ 50,000 items/s: "
        f"{'met' if rates['import'] >= 50_000 else 'NOT met'})"
    )
    return 0 if rates["import"] >= 50_000 else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        os.environ.pop("ANNOTATE_TEST_DATABASE_URL", None)
        run_child(sys.argv[2:])
    else:
        sys.exit(main())
