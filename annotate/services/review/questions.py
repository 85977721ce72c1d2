"""Review of a form project, question by question (issue 15).

The reviewer sees every answer of the sampled annotation and marks the wrong ones, giving the
corrected answer of each; a :class:`ReviewAnswer` row keeps the verdict on every judged
answer, and the review's verdict derives from them (incorrect when any answer is wrong).

Review can be limited to some questions: ``Project.review_questions`` maps each question under
review to the share of sampled annotations in which it is judged (``{"harmless_a": 1.0}``
reviews only ``harmless_a``, in every sampled annotation). When a plan is drawn each sampled
annotation gets its questions (:func:`draw_questions`, from the plan's seed); the batch
decision then counts an annotation defective when one of *those* answers is wrong. A question
the annotation left unanswered (hidden by its condition) is not judged in it.

One-question projects are untouched: no question rows, their verdict is the review's.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import (
    Annotation,
    Batch,
    BatchStatus,
    Item,
    Project,
    Review,
    ReviewAnswer,
    SampledAnnotation,
    TaskType,
    User,
    Verdict,
)
from annotate.services.audit import record_event
from annotate.services.errors import InvalidInput
from annotate.services.projects.questions import (
    ONLY,
    Question,
    is_form,
    question_view,
    questions_of,
)
from annotate.services.projects.values import normalise_value
from annotate.services.review.selection import canonical

#: A share of sampled annotations per question under review.
Rates = dict[str, float]


def review_rates(project: Project) -> Rates:
    """Question key → the share of sampled annotations in which it is judged."""
    keys = [q.key for q in questions_of(project)]
    setting = project.review_questions if is_form(project) else None
    if not setting:
        return dict.fromkeys(keys, 1.0)
    return {k: float(setting[k]) for k in keys if k in setting}


def check_review_questions(project: Project, raw: Any) -> Rates | None:
    """``raw`` (``{key: share}``, a list of keys at 100 %, or empty: every question), checked.

    :raises InvalidInput: not a form project, an unknown question, a share outside (0, 1];
        each problem names the question.
    """
    if not raw:
        return None
    if not is_form(project):
        raise InvalidInput(
            _l("The review settings were not saved."),
            [_l("Only a project with several questions can limit review to some of them.")],
        )
    if isinstance(raw, list):
        raw = dict.fromkeys(raw, 1.0)
    if not isinstance(raw, Mapping):
        raise InvalidInput(
            _l("The review settings were not saved."),
            [_l("List the questions under review, each with its share (0–1).")],
        )
    keys = [q.key for q in questions_of(project)]
    problems: list[Any] = []
    out: Rates = {}
    for key, share in raw.items():
        if key not in keys:
            problems.append(_l("Question %(q)s is not a question of this project.", q=key))
            continue
        try:
            rate = float(share)
        except (TypeError, ValueError):
            rate = -1.0
        if not 0 < rate <= 1:
            problems.append(
                _l("Question %(q)s: the share under review is a number above 0, at most 1.", q=key)
            )
            continue
        out[str(key)] = rate
    if problems:
        raise InvalidInput(_l("The review settings were not saved."), problems)
    return {k: out[k] for k in keys if k in out}


def set_review_questions(
    session: Session, project: Project, raw: Any, actor: User | None = None
) -> Rates | None:
    """Limit review in ``project`` to some questions (see :func:`check_review_questions`).
    Plans drawn from now on use it; drawn plans keep their questions. Flushes."""
    rates = check_review_questions(project, raw)
    before = project.review_questions
    project.review_questions = rates
    session.flush()
    record_event(
        session,
        "project.review_questions",
        "project",
        project.id,
        actor=actor,
        project_id=project.id,
        details={"before": before, "after": rates},
    )
    return rates


def question_rates(project: Project) -> Rates | None:
    """The shares :func:`draw_questions` draws from (None: review every question)."""
    return review_rates(project) if is_form(project) and project.review_questions else None


def draw_questions(rates: Rates | None, rng: random.Random) -> list[str] | None:
    """The questions judged in one sampled annotation (None: every question)."""
    if not rates:
        return None
    keys = [k for k, rate in rates.items() if rate >= 1 or rng.random() < rate]
    if not keys:  # every sampled annotation judges at least one question
        keys = rng.choices(list(rates), weights=list(rates.values()))
    return keys


def judged_questions(project: Project, sampled: SampledAnnotation) -> list[Question]:
    """The questions the reviewer judges in ``sampled``: drawn for it, and answered."""
    value = sampled.annotation.value if isinstance(sampled.annotation.value, Mapping) else {}
    drawn = sampled.questions
    return [
        q for q in questions_of(project) if q.key in value and (drawn is None or q.key in drawn)
    ]


def expected_form_verdict(
    project: Project, annotation: Annotation, questions: list[str] | None
) -> Verdict | None:
    """The known verdict of a form answer on a gold item: judged on the questions under
    review that the gold fixes (None when it fixes none of them)."""
    gold = annotation.item.gold_answer
    value = annotation.value if isinstance(annotation.value, Mapping) else {}
    if not isinstance(gold, Mapping):
        return None
    keys = [k for k in (questions if questions is not None else review_rates(project)) if k in gold]
    if not keys:
        return None
    same = all(canonical(value.get(k)) == canonical(gold[k]) for k in keys)
    return Verdict.correct if same else Verdict.incorrect


def judge_answers(
    project: Project,
    sampled: SampledAnnotation,
    verdict: Verdict,
    wrong: Mapping[str, Any] | None,
    corrected_value: Any = None,
) -> tuple[Verdict, list[ReviewAnswer], Any, list[Any]]:
    """Check a form review: ``wrong`` maps each answer marked wrong to its corrected value.

    Returns ``(verdict, question rows, corrected value, problems)``: the verdict derives from
    the rows (incorrect when an answer is wrong), the corrected value is the annotation's
    answers with the corrections applied. Without ``wrong``, a whole ``corrected_value``
    (the answers as they should be) says which answers are wrong. Problems name the
    question. Other projects and a
    prohibited verdict pass through: ``(verdict, [], corrected_value, [])``.
    """
    if not is_form(project) or verdict == Verdict.prohibited:
        return verdict, [], corrected_value, []
    value = dict(sampled.annotation.value or {})
    if wrong is None and isinstance(corrected_value, Mapping):  # a whole corrected value
        wrong = {
            k: v for k, v in corrected_value.items() if canonical(v) != canonical(value.get(k))
        }
    wrong = dict(wrong or {}) if verdict != Verdict.correct else {}
    judged = judged_questions(project, sampled)
    by_key = {q.key: q for q in judged}
    payload = sampled.annotation.item.payload
    problems: list[Any] = []
    for key in wrong:
        if key not in by_key:
            problems.append(
                _l("value.%(q)s: question %(q)s is not under review in this annotation.", q=key)
            )
    rows: list[ReviewAnswer] = []
    corrected = dict(value)
    for question in judged:
        if question.key not in wrong:
            rows.append(ReviewAnswer(question=question.key, verdict=Verdict.correct))
            continue
        fixed, more = _corrected(project, question, wrong[question.key], payload)
        problems += more
        if fixed is not None and canonical(fixed) == canonical(value.get(question.key)):
            problems.append(
                _l(
                    "value.%(q)s: the correct answer is the same as the annotation's.",
                    q=question.key,
                )
            )
        if fixed is not None:
            corrected[question.key] = fixed
        rows.append(
            ReviewAnswer(question=question.key, verdict=Verdict.incorrect, corrected_value=fixed)
        )
    if verdict == Verdict.incorrect and not wrong:
        problems.append(_l("Mark at least one answer as wrong, with its correct answer."))
    derived = Verdict.incorrect if wrong else Verdict.correct
    return derived, rows, corrected if wrong else None, problems


def _corrected(
    project: Project, question: Question, raw: Any, payload: dict[str, Any]
) -> tuple[Any, list[Any]]:
    if raw in (None, "", []):
        if question.type == TaskType.span:  # as in one-question review: spans are described
            return None, []
        return None, [_l("value.%(q)s: give the correct answer.", q=question.key)]
    fixed, problems = normalise_value(
        question_view(project, question), raw, payload, field=f"value.{question.key}"
    )
    return fixed, [_l("The correct answer is not valid: %(problem)s", problem=p) for p in problems]


@dataclass(frozen=True)
class QuestionReviewCount:
    """Reviews of one annotator's answers to one question: judged, and judged correct."""

    question: str
    annotator_id: int
    reviewed: int
    correct: int


def question_review_counts(
    session: Session,
    project: Project,
    window: tuple[datetime | None, datetime | None] | None = None,
) -> list[QuestionReviewCount]:
    """Review verdicts per question and annotator (review accuracy = correct / reviewed).

    Counts what the report's review accuracy counts (sampled, not calibration annotations of
    items not quarantined, in batches not void, submitted within ``window`` = ``(since,
    until)``), but per question: a form project's question rows, or for a one-question
    project its reviews under the one question :data:`ONLY` (``"answer"``). A prohibited
    verdict on a form annotation judges the item's content, not an answer: it is in no
    question's count. Sorted by question order, then annotator id.
    """
    since, until = window or (None, None)
    where = [
        Item.project_id == project.id,
        Item.quarantined.is_(False),
        Batch.status != BatchStatus.void,
        SampledAnnotation.is_calibration.is_(False),
        *([Annotation.submitted_at >= since] if since is not None else []),
        *([Annotation.submitted_at < until] if until is not None else []),
    ]
    ok = sa.func.sum(sa.case((Review.verdict == Verdict.correct, 1), else_=0))
    base = (
        sa.select(Annotation.annotator_id, sa.func.count(), ok)
        .select_from(Review)
        .join(SampledAnnotation, SampledAnnotation.id == Review.sampled_annotation_id)
        .join(Annotation, Annotation.id == SampledAnnotation.annotation_id)
        .join(Item, Item.id == Annotation.item_id)
        .join(Batch, Batch.id == Item.batch_id)
        .where(*where)
    )
    if not is_form(project):
        rows = session.execute(base.group_by(Annotation.annotator_id)).all()
        return sorted(
            (QuestionReviewCount(ONLY, a, int(n), int(c or 0)) for a, n, c in rows),
            key=lambda r: r.annotator_id,
        )
    answer_ok = sa.func.sum(sa.case((ReviewAnswer.verdict == Verdict.correct, 1), else_=0))
    stmt = (
        base.with_only_columns(
            ReviewAnswer.question, Annotation.annotator_id, sa.func.count(), answer_ok
        )
        .join(ReviewAnswer, ReviewAnswer.review_id == Review.id)
        .group_by(ReviewAnswer.question, Annotation.annotator_id)
    )
    counts = {(q, a): (int(n), int(c or 0)) for q, a, n, c in session.execute(stmt).all()}
    order = [q.key for q in questions_of(project)]
    return [
        QuestionReviewCount(q, a, n, c)
        for (q, a), (n, c) in sorted(
            counts.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])
        )
        if q in order
    ]
