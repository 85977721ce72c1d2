"""The projects ``bench/report.py`` measures: users, a project (one question or a form of
``Q``), two batches, items and annotations written with bulk inserts (also used by
``bench/sparse_mace.py`` through ``report.build``)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import numpy as np

from annotate.database import db

LABELS = ("positive", "negative", "neutral", "mixed")
DEFAULT_ITEMS = 200_000


def slug_for(n_items: int, per_item: int = 0, n_ann: int = 5, questions: int = 0) -> str:
    """The bench project of ``n_items`` items (``bench`` for the default size); with
    ``per_item`` > 0 the sparse project of ``n_ann`` annotators, ``per_item`` per item; with
    ``questions`` > 0 the form project of that many questions."""
    if questions:
        return f"{slug_for(n_items, per_item, n_ann)}-form{questions}"
    if per_item:
        return f"bench-{n_items}-{n_ann}x{per_item}"
    return "bench" if n_items == DEFAULT_ITEMS else f"bench-{n_items}"


def form_schema(questions: int) -> dict:
    """A form of ``questions`` single-label questions over the four labels."""
    return {
        "fields": ["text"],
        "questions": [
            {
                "key": f"q{j}",
                "type": "single_label",
                "labels": [{"key": label, "name": label} for label in LABELS],
                "level": "nominal",
            }
            for j in range(questions)
        ],
    }


def build(n_items: int, n_ann: int, per_item: int = 0, questions: int = 0) -> None:
    """Insert users (shared by every bench project), a project, two batches, items and
    annotations with bulk inserts. ``per_item`` > 0: each item rated by a random subset of
    ``per_item`` of the annotators (sparse overlap), else by all of them. ``questions`` > 0:
    a form project, each annotation ``{"q0": label, …}`` (every answer drawn as the
    one-question project's)."""
    import sqlalchemy as sa

    from annotate.models import Annotation, Batch, Item, User
    from annotate.services.projects.projects import create_project

    db.create_all()
    slug = slug_for(n_items, per_item, n_ann, questions)
    if questions:
        project = create_project(
            db.session, slug, slug.title(), "form", label_schema=form_schema(questions)
        )
    else:
        project = create_project(
            db.session, slug, slug.title(), "single_label", labels=list(LABELS)
        )
    users = []
    for i in range(n_ann):
        user = db.session.scalar(sa.select(User).where(User.username == f"a{i}"))
        if user is None:
            user = User(username=f"a{i}", display_name=f"A{i}")
            db.session.add(user)
        users.append(user)
    batches = [Batch(project_id=project.id, name=f"b{i}") for i in range(2)]
    db.session.add_all(batches)
    db.session.flush()
    rng = np.random.default_rng(1)
    n_q = max(questions, 1)
    truths = rng.integers(0, 4, (n_q, n_items))
    truth = truths[0]
    gold = rng.random(n_items) < 0.1

    def gold_of(i: int) -> object:
        if not gold[i]:
            return None
        if not questions:
            return LABELS[truth[i]]
        return {f"q{j}": LABELS[truths[j, i]] for j in range(n_q) if j == 0 or (i + j) % 2}

    start = datetime(2026, 10, 1, tzinfo=UTC)
    conn = db.session.connection()
    first = int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Item.id), 0)))) + 1
    item_rows = [
        {
            "id": first + i,
            "project_id": project.id,
            "batch_id": batches[0 if i < n_items // 2 else 1].id,
            "external_id": f"x{i}",
            "payload": {"text": "t"},
            "content_hash": f"{i:064x}",
            "gold_answer": gold_of(i),
            "annotation_count": per_item or n_ann,
        }
        for i in range(n_items)
    ]
    conn.execute(sa.insert(Item), item_rows)
    accuracy = np.linspace(0.95, 0.7, n_ann)
    enc = [json.dumps(label) for label in LABELS]
    rows = []
    # rated[a, i]: annotator a rates item i (all, or a random subset of per_item per item)
    if per_item:
        order = np.argsort(rng.random((n_items, n_ann)), axis=1)[:, :per_item]
        rated = np.zeros((n_ann, n_items), dtype=bool)
        rated[order.T, np.arange(n_items)[None, :]] = True
    else:
        rated = np.ones((n_ann, n_items), dtype=bool)
    for a, user in enumerate(users):
        right = rng.random((n_q, n_items)) < accuracy[a]
        vals = np.where(right, truths, rng.integers(0, 4, (n_q, n_items)))
        offs = rng.integers(0, 60 * 24 * 60, n_items)
        durs = rng.integers(3000, 40000, n_items)
        for i in np.flatnonzero(rated[a]).tolist():
            ts = (start + timedelta(seconds=int(offs[i]))).strftime("%Y-%m-%d %H:%M:%S.000000")
            value = (
                json.dumps({f"q{j}": LABELS[vals[j, i]] for j in range(n_q)})
                if questions
                else enc[vals[0, i]]
            )
            rows.append((first + i, user.id, value, "[]", "web", ts, int(durs[i]), 1))
    table = Annotation.__tablename__
    columns = (
        "item_id, annotator_id, value, clause_keys, source, submitted_at, duration_ms, is_current"
    )
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        buf = io.StringIO()
        for r in rows:
            buf.write("\t".join((*map(str, r[:5]), r[5] + "+00", str(r[6]), "true")) + "\n")
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write(buf.getvalue())
        db.session.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence('items', 'id'), {first + n_items})")
        )
        db.session.execute(sa.text(f"ANALYZE {table}; ANALYZE items"))
    else:
        raw.executemany(f"INSERT INTO {table} ({columns}) VALUES (?,?,?,?,?,?,?,?)", rows)
    db.session.commit()
