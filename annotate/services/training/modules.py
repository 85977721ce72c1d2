"""Training modules: a module per rulebook version (reading + quiz), the legal-awareness
module, and the policy (pass mark, attempt limit, cool-down, validity) each applies.

Pass mark, attempt limit, cool-down and validity of a rulebook module come from its project
(``Project.training_*``) at the time of the attempt; the legal module carries its own.
Quiz attempts (status, limits, grading) are in :mod:`annotate.services.training.attempts`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import (
    Item,
    ModuleKind,
    Project,
    QuizQuestion,
    RulebookVersion,
    TrainingModule,
    User,
)
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.projects.questions import is_form
from annotate.services.rulebooks.languages import Reading, reading_for, translation_entry
from annotate.services.rulebooks.parsing import ParsedRulebook, parse_rulebook
from annotate.services.rulebooks.quizzes import ParsedQuiz
from annotate.services.training.form_gold import form_gold_pairs, form_gold_question

#: Gold items of the project added to each rulebook quiz when the version is published.
GOLD_QUESTIONS_PER_QUIZ = 2
#: Legal module defaults when its front matter does not say.
LEGAL_ATTEMPT_LIMIT = 3
LEGAL_COOLDOWN_MINUTES = 60


@dataclass(frozen=True)
class Policy:
    """The rules of a module's quiz as they apply now."""

    pass_mark: float
    attempt_limit: int | None
    cooldown_minutes: int
    validity_days: int


def policy_for(module: TrainingModule, project: Project | None) -> Policy:
    """Project settings for rulebook modules; the module's own for the legal module."""
    if module.kind == ModuleKind.rulebook and project is not None:
        return Policy(
            project.training_pass_mark,
            project.training_attempt_limit or None,
            project.training_cooldown_minutes,
            project.qualification_validity_days,
        )
    return Policy(
        module.pass_mark, module.attempt_limit, module.cooldown_minutes, module.validity_days
    )


def module_for_version(session: Session, version: RulebookVersion) -> TrainingModule | None:
    """The training module of a rulebook version, if it has one."""
    return session.scalar(
        sa.select(TrainingModule)
        .where(TrainingModule.rulebook_version_id == version.id)
        .order_by(TrainingModule.id)
        .limit(1)
    )


def project_of(module: TrainingModule) -> Project | None:
    """The project a rulebook module belongs to (None for the legal module)."""
    if module.rulebook_version is None:
        return None
    return module.rulebook_version.rulebook.project


def _questions(quiz: ParsedQuiz | None) -> list[QuizQuestion]:
    if quiz is None:
        return []
    return [
        QuizQuestion(
            key=q.key,
            prompt=q.prompt,
            choices=q.choices,
            answer=q.answer,
            explanation=q.explanation,
            clause_key=q.clause,
            position=i,
            translations=dict(q.translations) or None,
        )
        for i, q in enumerate(quiz.questions)
    ]


def create_module(
    session: Session, version: RulebookVersion, quiz: ParsedQuiz | None
) -> TrainingModule:
    """Create the training module of ``version`` with the questions of ``quiz``.

    :raises Conflict: the version already has a module.
    """
    if module_for_version(session, version) is not None:
        raise Conflict(
            _l(
                "Rulebook version %(version)s already has a training module.",
                version=version.version,
            )
        )
    project = version.rulebook.project
    module = TrainingModule(
        key=f"{project.slug}/{version.rulebook.key}"[:64],
        version=version.version,
        kind=ModuleKind.rulebook,
        rulebook_version=version,
        title=version.title,
        pass_mark=quiz.pass_mark if quiz and quiz.pass_mark else project.training_pass_mark,
        validity_days=project.qualification_validity_days,
        attempt_limit=project.training_attempt_limit,
        cooldown_minutes=project.training_cooldown_minutes,
    )
    module.questions = _questions(quiz)
    session.add(module)
    session.flush()
    return module


def gold_candidates(
    session: Session, module: TrainingModule | None, project: Project
) -> list[Item]:
    """Gold items of the project that could become "label this item" questions of
    ``module`` (those it does not ask yet)."""
    if is_form(project):  # a quiz question per (gold item, question of the form)
        return [item for item, _question in form_gold_pairs(session, module, project)]
    labels = [label["key"] for label in project.labels]
    used = {q.gold_item_id for q in module.questions if q.gold_item_id} if module else set()
    return [
        item
        for item in session.scalars(
            sa.select(Item)
            .where(
                Item.project_id == project.id,
                Item.gold_answer.is_not(None),
                Item.quarantined.is_(False),
            )
            .order_by(Item.id)
        )
        if item.gold_answer in labels and item.id not in used
    ]


def _add_gold_questions(
    session: Session, module: TrainingModule, project: Project, count: int
) -> None:
    if is_form(project):
        _add_form_gold_questions(session, module, project, count)
        return
    labels = [label["key"] for label in project.labels]
    if not labels or count <= 0:
        return
    candidates = gold_candidates(session, module, project)
    rng = random.Random(module.rulebook_version.sha256 if module.rulebook_version else 0)
    chosen = rng.sample(candidates, min(count, len(candidates)))
    start = len(module.questions)
    for offset, item in enumerate(sorted(chosen, key=lambda i: i.id)):
        text = str((item.payload.get("text") if isinstance(item.payload, dict) else None) or "")
        module.questions.append(
            QuizQuestion(
                key=f"gold-{item.id}",
                prompt=text or str(item.payload),
                choices=labels,
                answer=labels.index(item.gold_answer),
                gold_item_id=item.id,
                clause_key=None,
                explanation=f"This is a gold item: the project's agreed label is "
                f"'{item.gold_answer}'.",
                position=start + offset,
                translations=_gold_wording(
                    project, text or str(item.payload), str(item.gold_answer)
                ),
            )
        )
    session.flush()


def _add_form_gold_questions(
    session: Session, module: TrainingModule, project: Project, count: int
) -> None:
    pairs = form_gold_pairs(session, module, project)
    rng = random.Random(module.rulebook_version.sha256 if module.rulebook_version else 0)
    chosen = sorted(rng.sample(pairs, min(max(count, 0), len(pairs))), key=lambda p: p[0].id)
    start = len(module.questions)
    for offset, (item, question) in enumerate(chosen):
        module.questions.append(form_gold_question(project, item, question, start + offset))
    session.flush()


def _gold_wording(project: Project, prompt: str, gold: str) -> dict[str, dict[str, object]]:
    """A gold question in both languages: the labels' display names (``name_zh`` in
    Chinese) as choices, in the order of the label keys it is graded on."""
    names = {
        "en": [str(label.get("name") or label["key"]) for label in project.labels],
        "zh": [
            str(label.get("name_zh") or label.get("name") or label["key"])
            for label in project.labels
        ],
    }
    shown = {
        lang: names[lang][[label["key"] for label in project.labels].index(gold)] for lang in names
    }
    return {
        "en": {
            "prompt": prompt,
            "choices": names["en"],
            "explanation": f"This is a gold item: the project's agreed label is '{shown['en']}'.",
        },
        "zh": {
            "prompt": prompt,
            "choices": names["zh"],
            "explanation": f"这是一个金标准条目：项目约定的标签是“{shown['zh']}”。",
        },
    }


def ensure_module(
    session: Session, version: RulebookVersion, *, gold_questions: int = GOLD_QUESTIONS_PER_QUIZ
) -> TrainingModule:
    """The version's module (created without a quiz if none was imported), with gold items
    of the project added as questions. Called when the version is published
    (:mod:`annotate.services.training.publishing`)."""
    module = module_for_version(session, version) or create_module(session, version, None)
    _add_gold_questions(session, module, version.rulebook.project, gold_questions)
    return module


def legal_modules(session: Session) -> list[TrainingModule]:
    """Every installed legal-awareness module, newest first."""
    return list(
        session.scalars(
            sa.select(TrainingModule)
            .where(TrainingModule.kind == ModuleKind.legal)
            .order_by(TrainingModule.id.desc())
        )
    )


def install_legal_module(
    session: Session,
    parsed: ParsedRulebook,
    quiz: ParsedQuiz,
    *,
    actor: User | None = None,
    translations: list[ParsedRulebook] | None = None,
) -> TrainingModule:
    """Install the standing legal-awareness module (``kind: legal``) and its quiz, with its
    ``translations`` (checked by :func:`~annotate.services.rulebooks.files.load_sources`).

    :raises Conflict: that version is already installed.
    """
    meta = parsed.front_matter
    key, version = str(meta["id"]), parsed.version
    if (
        session.scalar(
            sa.select(TrainingModule.id).where(
                TrainingModule.key == key, TrainingModule.version == version
            )
        )
        is not None
    ):
        raise Conflict(f"{parsed.source}: training module {key} {version} is already installed.")
    module = TrainingModule(
        key=key,
        version=version,
        kind=ModuleKind.legal,
        title=str(meta["title"])[:200],
        body=parsed.body,
        language=parsed.language,
        translations={t.language: translation_entry(t) for t in translations or []} or None,
        pass_mark=float(meta.get("pass_mark", 0.8)),
        validity_days=int(meta.get("validity_days", 365)),
        attempt_limit=int(meta.get("attempt_limit", LEGAL_ATTEMPT_LIMIT)),
        cooldown_minutes=int(meta.get("cooldown_minutes", LEGAL_COOLDOWN_MINUTES)),
    )
    module.questions = _questions(quiz)
    session.add(module)
    session.flush()
    record_event(
        session,
        "training.install",
        "training_module",
        module.id,
        actor=actor,
        details={
            "key": key,
            "version": version,
            "questions": len(module.questions),
            "sha256": parsed.sha256,
            "language": module.language,
            "translations": {k: v["sha256"] for k, v in (module.translations or {}).items()},
        },
    )
    return module


@dataclass(frozen=True)
class ClauseText:
    """A clause to show (from a rulebook version or parsed from the legal module)."""

    key: str
    title: str
    text: str


def module_clauses(module: TrainingModule, language: str = "") -> dict[str, ClauseText]:
    """The clauses a module's questions cite, by key (in ``language`` when the module's
    text exists in it)."""
    reading = module_reading(module, language)
    if not reading.translated and module.rulebook_version is not None:
        return {c.key: ClauseText(c.key, c.title, c.text) for c in module.rulebook_version.clauses}
    try:
        parsed = parse_rulebook(reading.body, module.key, strict=False)
    except InvalidInput:
        return {}
    return {c.key: ClauseText(c.key, c.title, c.text) for c in parsed.clauses}


def module_reading(module: TrainingModule, language: str = "") -> Reading:
    """The reading of a module in ``language`` when it exists in it (its rulebook version's
    translation or the legal module's), else in its primary language."""
    source = module.rulebook_version or module
    return reading_for(
        source.language,
        module.title if module.rulebook_version is None else source.title,
        source.body,
        module.rulebook_version.change_note if module.rulebook_version else "",
        source.translations,
        language,
    )


def module_text(module: TrainingModule, language: str = "") -> str:
    """The Markdown a reader of ``language`` studies (see :func:`module_reading`)."""
    return module_reading(module, language).body
