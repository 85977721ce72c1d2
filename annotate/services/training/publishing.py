"""Rulebook versions together with their training modules: importing and publishing.

``services.rulebooks`` parses, stores and publishes rulebooks and knows nothing of training;
``services.training`` builds on it. What needs both is orchestrated here, one level above
them: a draft imported with its quiz becomes a training module, and a published version gets
its module (created if the import brought no quiz) with gold items of the project added to
its quiz.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import (
    Project,
    QuizQuestion,
    RulebookVersion,
    TrainingModule,
    User,
    VersionStatus,
)
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.rulebooks.bump import project_label_problem, published_base
from annotate.services.rulebooks.files import load_sources
from annotate.services.rulebooks.languages import stored_translation_problems
from annotate.services.rulebooks.parsing import parse_rulebook
from annotate.services.rulebooks.quizzes import add_translation, parse_quiz
from annotate.services.rulebooks.versions import (
    check_publishable,
    import_rulebook,
    new_draft_from,
    publish_version,
)
from annotate.services.training.modules import (
    GOLD_QUESTIONS_PER_QUIZ,
    create_module,
    ensure_module,
    gold_candidates,
    install_legal_module,
    module_for_version,
)

#: The fewest questions a quiz may have when its version requires training (gold items
#: drawn at publication count): a quiz with none is the dead end of issue 14 (annotators
#: told to ask their manager, the quiz answering 409). A module's ``quiz_length`` raises it:
#: an attempt must be able to draw that many.
MIN_QUIZ_QUESTIONS = 1


@dataclass
class ImportResult:
    """What an import created."""

    versions: list[RulebookVersion] = field(default_factory=list)
    legal_modules: list[TrainingModule] = field(default_factory=list)


def import_path(
    session: Session, path: Path, project: Project | None, *, actor: User | None = None
) -> ImportResult:
    """Import rulebook drafts (with their training modules) and legal modules from ``path``
    (a file, or a directory as :func:`~annotate.services.rulebooks.files.load_sources` reads
    it: all-or-nothing, every file and quiz checked before anything is written).

    :raises InvalidInput: a file is malformed, or a rulebook is given without a project.
    :raises Conflict: a version already exists (the caller rolls back everything).
    """
    result = ImportResult()
    for source in load_sources(path):
        parsed, quiz = source.parsed, source.quiz
        if parsed.front_matter.get("kind") == "legal":
            assert quiz is not None
            result.legal_modules.append(
                install_legal_module(
                    session, parsed, quiz, actor=actor, translations=source.translations
                )
            )
            continue
        if project is None:
            raise InvalidInput(
                f"{parsed.source}: a rulebook needs a target project (--project SLUG)."
            )
        version = import_rulebook(
            session, project, parsed, actor=actor, translations=source.translations
        )
        create_module(session, version, quiz)
        result.versions.append(version)
    return result


def publish_with_training(
    session: Session,
    version: RulebookVersion,
    *,
    actor: User | None = None,
    now: datetime | None = None,
) -> RulebookVersion:
    """Publish a draft (:func:`~annotate.services.rulebooks.versions.publish_version`) and
    give it its training module, with gold items of the project added to its quiz; the
    ``rulebook.publish`` audit event names the module and its number of questions.

    :raises Conflict: the version is not a draft, or is older than a published one.
    :raises InvalidInput: the source lacks what a publishable rulebook needs, or its quiz
        has too few questions for a version that requires training (the caller rolls back).
    """

    def with_module(published: RulebookVersion) -> dict[str, int]:
        module = ensure_module(session, published)
        problems = quiz_problems(published, module)
        if problems:
            raise InvalidInput(
                str(_l("Version %(version)s was not published.", version=published.version)),
                problems,
            )
        return {"training_module": module.id, "questions": len(module.questions)}

    return publish_version(session, version, actor=actor, on_publish=with_module, now=now)


def required_questions(module: TrainingModule | None) -> int:
    """How many questions the quiz of a version that requires training needs at least."""
    length = module.quiz_length if module is not None else None
    return max(MIN_QUIZ_QUESTIONS, length or 0)


def quiz_problems(
    version: RulebookVersion,
    module: TrainingModule | None,
    *,
    retraining: bool | None = None,
    extra: int = 0,
) -> list[str]:
    """What keeps ``module`` from being ``version``'s quiz: questions citing clauses the
    version lacks, and too few questions when annotators must pass it.

    :param retraining: whether annotators must pass it (default: the version says).
    :param extra: questions still to come (gold items drawn at publication).
    """
    if retraining is None:
        retraining = version.requires_retraining
    questions = module.questions if module is not None else []
    clauses = {c.key for c in version.clauses}
    problems = [
        str(
            _l(
                "Question %(key)s cites clause %(clause)s, which is not in version %(version)s.",
                key=q.key,
                clause=q.clause_key,
                version=version.version,
            )
        )
        for q in questions
        if q.gold_item_id is None and q.clause_key not in clauses
    ]
    needed = required_questions(module)
    if retraining and len(questions) + extra < needed:
        problems.append(
            str(
                _l(
                    "Annotators must pass this version's quiz, which has %(count)d question(s); "
                    "it needs at least %(needed)d. Add questions on the quiz page.",
                    count=len(questions) + extra,
                    needed=needed,
                )
            )
        )
    return problems


def new_draft_with_quiz(
    session: Session, base: RulebookVersion, new_version: str, *, actor: User | None = None
) -> RulebookVersion:
    """Start draft ``new_version`` from ``base``
    (:func:`~annotate.services.rulebooks.versions.new_draft_from`) with a copy of ``base``'s
    quiz: its written questions and quiz length (questions from gold items are drawn again
    when the draft is published).

    :raises InvalidInput: ``new_version`` is not semantic or not newer than ``base``.
    :raises Conflict: that version already exists.
    """
    draft = new_draft_from(session, base, new_version, actor=actor)
    source = module_for_version(session, base)
    module = create_module(session, draft, None)
    if source is not None:
        module.quiz_length = source.quiz_length
        module.pass_mark = source.pass_mark
        written = [q for q in source.questions if q.gold_item_id is None]
        module.questions = [
            QuizQuestion(
                key=q.key,
                prompt=q.prompt,
                choices=list(q.choices),
                answer=q.answer,
                explanation=q.explanation,
                clause_key=q.clause_key,
                position=position,
                translations=dict(q.translations) if q.translations else None,
            )
            for position, q in enumerate(written)
        ]
        session.flush()
    record_event(
        session,
        "quiz.copy",
        "training_module",
        module.id,
        actor=actor,
        project_id=base.rulebook.project_id,
        details={
            "from": base.version,
            "to": draft.version,
            "questions": len(module.questions),
        },
    )
    return draft


def import_first_rulebook(
    session: Session,
    project: Project,
    text: str,
    quiz_text: str | None = None,
    *,
    source: str = "upload",
    actor: User | None = None,
    translations: Sequence[tuple[str, str | None]] = (),
) -> RulebookVersion:
    """Create the project's first rulebook as a draft from a ``guidelines/`` Markdown text
    (a shipped template or an upload), with its quiz if one is given. Required sections are
    checked at publication, so a half-written text is accepted. ``translations`` are the
    same version in other languages, each as (Markdown, quiz YAML or None).

    :raises Conflict: the project already has a rulebook.
    :raises InvalidInput: the text or the quiz does not parse.
    """
    if project.rulebooks:
        raise Conflict(
            _l(
                "%(project)s already has a rulebook; start a new draft from one of its versions.",
                project=project.name,
            )
        )
    parsed = parse_rulebook(text, source, strict=False)
    quiz = None
    if quiz_text:
        quiz = parse_quiz(
            quiz_text,
            source + " (quiz)",
            rulebook=str(parsed.front_matter["id"]),
            version=parsed.version,
            clause_keys={c.key for c in parsed.clauses},
        )
    translated = []
    for number, (other_text, other_quiz) in enumerate(translations, start=1):
        other_source = f"{source} (translation {number})"
        other = parse_rulebook(other_text, other_source, strict=False)
        if quiz is not None and other_quiz:
            add_translation(
                quiz,
                parse_quiz(
                    other_quiz,
                    other_source + " (quiz)",
                    rulebook=str(parsed.front_matter["id"]),
                    version=parsed.version,
                    clause_keys={c.key for c in parsed.clauses},
                ),
                other.language,
                other_source + " (quiz)",
            )
        translated.append(other)
    version = import_rulebook(session, project, parsed, actor=actor, translations=translated)
    create_module(session, version, quiz)
    return version


@dataclass
class PublishPreview:
    """What publishing a draft would do, for the confirmation page."""

    version: RulebookVersion
    base: RulebookVersion | None
    retraining: bool
    module: TrainingModule | None
    questions: int
    gold: int
    needed: int
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def publish_preview(session: Session, version: RulebookVersion) -> PublishPreview:
    """Check a draft as publishing will (sections, version number, labels, quiz) without
    publishing it: the refusals publishing would give, and the warnings it would not."""
    base = published_base(version)
    published = [v for v in version.rulebook.versions if v.status == VersionStatus.published]
    retraining = not published or max(v.major for v in published) < version.major
    module = module_for_version(session, version)
    project = version.rulebook.project
    gold = min(GOLD_QUESTIONS_PER_QUIZ, len(gold_candidates(session, module, project)))
    preview = PublishPreview(
        version,
        base,
        retraining,
        module,
        len(module.questions) if module else 0,
        gold,
        required_questions(module),
    )
    source = f"{version.rulebook.key} {version.version}"
    try:
        parse_rulebook(version.body, source, strict=True)
    except InvalidInput as error:
        preview.problems.extend(error.problems or [str(error)])
    preview.problems.extend(stored_translation_problems(version.body, version.translations, source))
    try:
        check_publishable(version)
    except InvalidInput as error:
        preview.problems.append(str(error))
    label_problem = project_label_problem(version, project)
    if label_problem and retraining:
        preview.warnings.append(label_problem)
    preview.problems.extend(quiz_problems(version, module, retraining=retraining, extra=gold))
    return preview
