"""The item browser for managers: search and filter a project's items, page by page, and one
item's whole story (payload, every annotation with its history, reviews, flags, audit events).

Pages are keyset pages in id order (``after``: the last id of the previous page), so a page
costs the same at item 10 and at item 1,000,000. Text search goes through the database's own
full-text index (:mod:`annotate.models.search`: PostgreSQL ``tsvector``, SQLite FTS5): the
query's words as a phrase, the last one a prefix, each Chinese character a word; or a prefix
of the external id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql

from annotate.database import Session
from annotate.models import (
    Annotation,
    AuditEvent,
    Batch,
    BatchStatus,
    Item,
    ItemFlag,
    Project,
    Review,
    SampledAnnotation,
    User,
)
from annotate.models.search import FTS_TABLE, fts5_query, has_words, spaced
from annotate.services.errors import InvalidInput, NotFound
from annotate.services.problems import problem

#: Item statuses the browser filters on.
STATUSES = ("unlabelled", "partly", "complete", "quarantined", "void")
PAGE_SIZE = 50


@dataclass
class ItemFilter:
    """What the manager asked for; every field optional."""

    q: str = ""
    batch: str = ""
    status: str = ""
    label: str = ""
    gold: str = ""  # "yes", "no" or ""
    flag: str = ""  # "open", "any" or ""
    #: "yes": only items whose current annotations differ, most disagreement first (then
    #: ``after`` is an offset, not an id).
    disagree: str = ""
    after: int = 0

    def problems(self) -> list[str]:
        """Values outside their choices, as ``field: reason``."""
        found = []
        if self.status and self.status not in STATUSES:
            found.append(f"status: {problem('one_of', choices=', '.join(STATUSES))}")
        if self.gold not in ("", "yes", "no"):
            found.append("gold: yes or no")
        if self.flag not in ("", "open", "any"):
            found.append("flag: open or any")
        if self.disagree not in ("", "yes"):
            found.append("disagree: yes")
        if len(self.q) > 200:
            found.append(f"q: {problem('at_most', n=200)}")
        return found


@dataclass
class ItemPage:
    """One page of the browser."""

    items: list[tuple[Item, str]]  # (item, batch name)
    next_after: int | None
    filters: ItemFilter = field(default_factory=ItemFilter)
    #: Item id -> disagreement (1 - the largest share of one value), when filtered on it.
    disagreement: dict[int, float] = field(default_factory=dict)


_FTS = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer))
_SIMPLE: Any = sa.literal_column("'simple'::regconfig")


def _text_clause(session: Session, query: str) -> Any | None:
    """The PostgreSQL condition, or the FTS5 ``MATCH``, of items whose text holds ``query``
    (see the module docstring); None when the query has no word to look for."""
    if _dialect(session) == "postgresql":
        if not has_words(query):
            return None
        # The query's words as PostgreSQL's parser splits them, the last one a prefix
        # ('review' <-> '7' becomes 'review' <-> '7':*). Worked out first and bound as a
        # constant: the planner then weighs the index by the words' frequencies (as an
        # expression it guessed, and walked every item computing its tsvector).
        phrase = session.scalar(
            sa.select(sa.cast(sa.func.phraseto_tsquery(_SIMPLE, spaced(query)), sa.Text))
        )
        if not phrase:
            return None
        found = sa.cast(sa.literal(phrase + ":*"), postgresql.TSQUERY)
        return sa.func.to_tsvector(_SIMPLE, Item.search_text).bool_op("@@")(found)
    match = fts5_query(query)
    return None if match is None else sa.literal_column(FTS_TABLE).op("MATCH")(match)


def _id_prefix(query: str) -> Any:
    """External ids starting with ``query``: a range the (project, external id) index
    answers (LIKE alone does not use it on SQLite), and the LIKE that makes it exact."""
    return sa.and_(
        Item.external_id >= query,
        Item.external_id < query + "\U0010ffff",
        Item.external_id.startswith(query, autoescape=True),
    )


def text_matches(session: Session, query: str) -> sa.Select[Any] | None:
    """The ids of items whose text holds ``query``, through the full-text index."""
    clause = _text_clause(session, query)
    if clause is None:
        return None
    if _dialect(session) == "postgresql":
        return sa.select(Item.id).where(clause)
    return sa.select(_FTS.c.rowid).where(clause)


def _where(project: Project, f: ItemFilter, session: Session, *, text: bool = True) -> list[Any]:
    clauses: list[Any] = [Item.project_id == project.id]
    if f.q.strip() and text:
        q = f.q.strip()
        by_id = sa.select(Item.id).where(Item.project_id == project.id, _id_prefix(q))
        by_text = text_matches(session, q)
        clauses.append(Item.id.in_(by_id if by_text is None else sa.union(by_id, by_text)))
    if f.batch:
        clauses.append(Batch.name == f.batch)
    by_status: dict[str, list[Any]] = {
        "unlabelled": [Item.annotation_count == 0, Item.quarantined.is_(False)],
        "partly": [Item.annotation_count > 0, Item.has_free_slot.is_(True)],
        "complete": [Item.annotation_count > 0, Item.has_free_slot.is_(False)],
        "quarantined": [Item.quarantined.is_(True)],
        "void": [Batch.status == BatchStatus.void],
    }
    status = list(by_status.get(f.status, []))
    if f.status in ("unlabelled", "partly", "complete"):
        status += [Item.quarantined.is_(False), Batch.status != BatchStatus.void]
    clauses += status
    if f.gold:
        clauses.append(
            Item.gold_answer.is_not(None) if f.gold == "yes" else Item.gold_answer.is_(None)
        )
    if f.label:
        clauses.append(
            sa.exists().where(
                Annotation.item_id == Item.id,
                Annotation.is_current.is_(True),
                sa.cast(Annotation.value, sa.Text) == json.dumps(f.label, ensure_ascii=False),
            )
        )
    if f.flag:
        flagged = sa.exists().where(ItemFlag.item_id == Item.id)
        if f.flag == "open":
            flagged = flagged.where(ItemFlag.resolved_at.is_(None))
        clauses.append(flagged)
    return clauses


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def browse_items(
    session: Session, project: Project, f: ItemFilter, page_size: int = PAGE_SIZE
) -> ItemPage:
    """One keyset page of ``project``'s items matching ``f``, in id order.

    :raises InvalidInput: a filter outside its choices.
    """
    if problems := f.problems():
        raise InvalidInput(_l("The filter has problems."), problems)
    if f.disagree:
        return _by_disagreement(session, project, f, page_size)
    page = (
        sa.select(Item, Batch.name)
        .join(Batch, Batch.id == Item.batch_id)
        .where(*_where(project, f, session, text=False), Item.id > f.after)
        .order_by(Item.id)
        .limit(page_size + 1)
    )
    q = f.q.strip()
    if not q:
        rows = list(session.execute(page).all())
    else:  # two index walks, each stopping at a page: by id prefix, by text; merged
        # The ids through the (project, external id) index, as a set: in the page's own
        # query SQLite would rather walk the id index and test every item.
        prefixed = sa.select(Item.id).where(Item.project_id == project.id, _id_prefix(q))
        rows = list(session.execute(page.where(Item.id.in_(prefixed))).all())
        by_text = _text_page(session, page, q, f.after)
        if by_text is not None:
            seen = {item.id for item, _ in rows}
            rows += [row for row in session.execute(by_text).all() if row[0].id not in seen]
            rows = sorted(rows, key=lambda row: row[0].id)[: page_size + 1]
    items = [(item, name) for item, name in rows[:page_size]]
    more = len(rows) > page_size
    return ItemPage(items, items[-1][0].id if more and items else None, f)


#: The share of all items above which a word counts as frequent (see :func:`_frequent`).
FREQUENT = 0.02


def _frequent(session: Session, clause: Any) -> bool:
    """True if PostgreSQL's planner expects ``clause`` to hold for more than
    :data:`FREQUENT` of the items (estimated from its statistics, nothing is read)."""
    statement = sa.select(Item.id).where(clause)
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = session.execute(sa.text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar_one()
    rows = plan[0]["Plan"]["Plan Rows"] if isinstance(plan, list) else 0
    total = session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE oid = 'items'::regclass"))
    return bool(total and total > 0 and rows > FREQUENT * total)


def _text_page(session: Session, page: Any, q: str, after: int) -> Any | None:
    """``page`` restricted to items whose text holds ``q``. On SQLite the FTS5 table drives
    the walk in rowid order, so a frequent word stops after one page of matches."""
    clause = _text_clause(session, q)
    if clause is None:
        return None
    if _dialect(session) == "postgresql":
        if _frequent(session, clause):
            return page.where(clause)  # dense matches: walking the items in id order stops soon
        # Rare matches: all of them from the GIN index first (as a condition beside the
        # id order, the planner would rather walk every item computing its tsvector).
        matched = sa.select(Item.id).where(clause).cte("matched").prefix_with("MATERIALIZED")
        return page.where(Item.id.in_(sa.select(matched.c.id)))
    return (
        page.join(_FTS, _FTS.c.rowid == Item.id)
        .where(clause, _FTS.c.rowid > after)
        .order_by(None)
        .order_by(_FTS.c.rowid)
    )


def _by_disagreement(session: Session, project: Project, f: ItemFilter, page_size: int) -> ItemPage:
    """Items whose current annotations hold more than one value, the most disputed first
    (disagreement: 1 - the largest share of one value), offset pages."""
    value = sa.cast(Annotation.value, sa.Text)
    votes = (
        sa.select(Annotation.item_id, value.label("v"), sa.func.count().label("c"))
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == project.id, Annotation.is_current.is_(True))
        .group_by(Annotation.item_id, value)
        .subquery()
    )
    disagreement = (1.0 - sa.func.max(votes.c.c) * 1.0 / sa.func.sum(votes.c.c)).label(
        "disagreement"
    )
    per_item = (
        sa.select(votes.c.item_id, disagreement)
        .group_by(votes.c.item_id)
        .having(sa.func.count() > 1)
        .subquery()
    )
    rows = session.execute(
        sa.select(Item, Batch.name, per_item.c.disagreement)
        .join(Batch, Batch.id == Item.batch_id)
        .join(per_item, per_item.c.item_id == Item.id)
        .where(*_where(project, f, session))
        .order_by(per_item.c.disagreement.desc(), Item.id)
        .offset(f.after)
        .limit(page_size + 1)
    ).all()
    page = rows[:page_size]
    more = len(rows) > page_size
    return ItemPage(
        [(item, name) for item, name, _ in page],
        f.after + page_size if more else None,
        f,
        {item.id: round(float(d), 3) for item, _, d in page},
    )


@dataclass
class ItemStory:
    """Everything about one item, for its page."""

    item: Item
    batch: Batch
    annotations: list[tuple[Annotation, str]]  # (annotation, annotator username), all rounds
    reviews: list[tuple[Review, int, str]]  # (review, annotation id, reviewer username)
    flags: list[tuple[ItemFlag, str]]
    events: list[AuditEvent]


def item_story(session: Session, project: Project, item_id: int) -> ItemStory:
    """The item ``item_id`` of ``project`` with its annotations (current and superseded),
    their reviews, its flags and the audit events about it or its reviews.

    :raises NotFound: no such item in the project.
    """
    item = session.scalar(sa.select(Item).where(Item.id == item_id, Item.project_id == project.id))
    if item is None:
        raise NotFound(
            _l("No item %(id)s in project %(project)s.", id=item_id, project=project.slug)
        )
    batch = session.get_one(Batch, item.batch_id)
    annotations = [
        (a, name)
        for a, name in session.execute(
            sa.select(Annotation, User.username)
            .join(User, User.id == Annotation.annotator_id)
            .where(Annotation.item_id == item.id)
            .order_by(Annotation.id)
        )
    ]
    reviews = [
        (r, annotation_id, name)
        for r, annotation_id, name in session.execute(
            sa.select(Review, SampledAnnotation.annotation_id, User.username)
            .join(SampledAnnotation, SampledAnnotation.id == Review.sampled_annotation_id)
            .join(Annotation, Annotation.id == SampledAnnotation.annotation_id)
            .join(User, User.id == Review.reviewer_id)
            .where(Annotation.item_id == item.id)
            .order_by(Review.id)
        )
    ]
    flags = [
        (flag, name or "")
        for flag, name in session.execute(
            sa.select(ItemFlag, User.username)
            .outerjoin(User, User.id == ItemFlag.user_id)
            .where(ItemFlag.item_id == item.id)
            .order_by(ItemFlag.id)
        )
    ]
    subjects = [sa.and_(AuditEvent.subject_type == "item", AuditEvent.subject_id == str(item.id))]
    if reviews:
        subjects.append(
            sa.and_(
                AuditEvent.subject_type == "review",
                AuditEvent.subject_id.in_([str(r.id) for r, _, _ in reviews]),
            )
        )
    events = list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.project_id == project.id, sa.or_(*subjects))
            .order_by(AuditEvent.id)
            .limit(200)
        )
    )
    return ItemStory(item, batch, annotations, reviews, flags, events)
