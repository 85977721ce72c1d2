"""The one-pass cells of a form project equal each question's own cells query.

:func:`annotate.services.quality.question_cells.read_cells` reads every question's vector
cells from one query (values parsed in Python); the oracle is the query each question would
run on its own (``value -> key`` in SQL, :func:`annotate.services.quality.sql._raw_cells`).
Both are decoded to category codes and compared as multisets of
``(batch, gold, week, sorted vector)`` — on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from annotate.models import Annotation, Item
from annotate.services.projects.questions import questions_of
from annotate.services.quality.queries import FORM_WIDE, Answer, Decoder
from annotate.services.quality.question_cells import read_cells
from annotate.services.quality.sql import _raw_cells
from tests.form_factories import form_project


@pytest.fixture
def form(db):
    project, items, truths = form_project(db.session, n_items=40)
    db.session.flush()
    annotations = db.session.scalars(
        sa.select(Annotation)
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == project.id)
        .order_by(Annotation.id)
    ).all()
    # Answers the labeling screen cannot make but stored data may hold: a JSON null answer,
    # a question left out, a list where a label was expected, a value that is not an object.
    first, second, third, fourth = (questions_of(project)[i].key for i in range(4))
    annotations[0].value = {**annotations[0].value, first: None}
    annotations[1].value = {k: v for k, v in annotations[1].value.items() if k != second}
    annotations[2].value = {**annotations[2].value, fourth: ["z", "a"]}
    annotations[3].value = ["not", "an", "object"]
    db.session.commit()
    return project


def _decoded(raw):
    texts = [e[3] for row in raw for e in row[3]] + [row[1] for row in raw if row[1]]
    dec = Decoder(texts)
    out: Counter = Counter()
    for batch, gold, week, entries, n in raw:
        vec = tuple(sorted((a, v, t, dec.categories[dec.code(x)]) for a, v, t, x in entries))
        gold_value = dec.categories[dec.code(gold)] if dec.code(gold) >= 0 else None
        out[(batch, gold_value, week, vec)] += n
    return out


def _without_weeks(cells):
    out: Counter = Counter()
    for (batch, gold, _week, vec), n in cells.items():
        out[(batch, gold, vec)] += n
    return out


def test_one_pass_cells_equal_each_questions_own_query(db, form):
    dialect = db.session.get_bind().dialect.name
    keys = [q.key for q in questions_of(form)]
    cells = read_cells(db.session, form, keys, None)
    assert set(cells) == {FORM_WIDE, *(Answer(k) for k in keys)}
    for key in keys:
        own = _raw_cells(db.session, form, dialect, False, None, Answer(key))
        assert own, key
        # An item's week here is its first annotation's, answered or not (module docstring).
        assert _without_weeks(_decoded(cells[Answer(key)])) == _without_weeks(_decoded(own)), key
    wide = _raw_cells(db.session, form, dialect, False, None, FORM_WIDE)
    assert _decoded(cells[FORM_WIDE]) == _decoded(wide)
    assert sum(row[4] for row in cells[FORM_WIDE]) == 40


def test_an_answer_missing_or_null_adds_nothing_to_that_questions_vector(db, form):
    keys = [q.key for q in questions_of(form)]
    cells = read_cells(db.session, form, keys, None)
    per_key = {k: sum(len(row[3]) * row[4] for row in cells[Answer(k)]) for k in keys}
    stored = db.session.scalars(
        sa.select(Annotation.value)
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == form.id, Annotation.is_current.is_(True))
    ).all()
    for key in keys:
        answered = sum(1 for v in stored if isinstance(v, dict) and v.get(key) is not None)
        assert per_key[key] == answered, key
