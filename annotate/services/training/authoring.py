"""Quiz authoring: the questions of a draft version's quiz, added, edited, reordered and
deleted by its managers before the version is published (published quizzes never change).

Every question cites a clause of the draft; the quiz is checked again at publication
(:mod:`annotate.services.training.publishing`), since the draft's text may change after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import QuizQuestion, RulebookVersion, TrainingModule, User, VersionStatus
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.training.modules import create_module, module_for_version
from annotate.services.training.wording import LANGUAGES

MAX_CHOICES = 8


@dataclass
class QuestionInput:
    """What a manager writes for one question; ``answer`` is a 0-based choice index."""

    prompt: str
    choices: list[str] = field(default_factory=list)
    answer: int = 0
    explanation: str = ""
    clause_key: str = ""
    #: The same question in another language ("zh" or "en"; empty: none).
    language: str = ""
    translated_prompt: str = ""
    translated_choices: list[str] = field(default_factory=list)
    translated_explanation: str = ""

    @property
    def translated(self) -> bool:
        """Whether any translated text was given."""
        return bool(
            self.translated_prompt.strip()
            or any(c.strip() for c in self.translated_choices)
            or self.translated_explanation.strip()
        )

    def translations(self) -> dict[str, Any]:
        """What :attr:`QuizQuestion.translations` stores for this input."""
        if not self.translated:
            return {}
        return {
            self.language: {
                "prompt": self.translated_prompt.strip(),
                "choices": [c.strip() for c in self.translated_choices],
                "explanation": self.translated_explanation.strip(),
            }
        }


def _check_draft(version: RulebookVersion) -> None:
    if version.status != VersionStatus.draft:
        raise Conflict(
            _l(
                "Version %(version)s is published: its quiz never changes. Start a new draft "
                "to change the quiz.",
                version=version.version,
            )
        )


def draft_module(session: Session, version: RulebookVersion) -> TrainingModule:
    """The training module of a draft (created, without questions, if it has none).

    :raises Conflict: the version is published.
    """
    _check_draft(version)
    return module_for_version(session, version) or create_module(session, version, None)


def question_problems(version: RulebookVersion, data: QuestionInput) -> dict[str, str]:
    """Field name → what is wrong with ``data`` (empty: it may be saved)."""
    problems: dict[str, str] = {}
    if not data.prompt.strip():
        problems["prompt"] = str(_l("Write the question."))
    choices = [c.strip() for c in data.choices]
    if len(choices) < 2 or not all(choices):
        problems["choices"] = str(_l("Give at least two choices, one per line."))
    elif len(choices) > MAX_CHOICES:
        problems["choices"] = str(_l("At most %(n)d choices.", n=MAX_CHOICES))
    elif len(set(choices)) != len(choices):
        problems["choices"] = str(_l("Two choices are the same."))
    elif not 0 <= data.answer < len(choices):
        problems["answer"] = str(
            _l("The correct choice must be a number from 1 to %(n)d.", n=len(choices))
        )
    if data.translated:
        if data.language not in LANGUAGES:
            problems["language"] = str(_l("Choose the language of the translation."))
        if not data.translated_prompt.strip():
            problems["translated_prompt"] = str(_l("Write the question in that language too."))
        translated = [c.strip() for c in data.translated_choices]
        if len(translated) != len(choices) or not all(translated):
            problems["translated_choices"] = str(
                _l(
                    "Translate every choice, one per line in the same order (%(n)d).",
                    n=len(choices),
                )
            )
    if data.clause_key not in {c.key for c in version.clauses}:
        problems["clause_key"] = str(
            _l(
                "Clause %(key)s is not in draft %(version)s.",
                key=data.clause_key or "—",
                version=version.version,
            )
        )
    return problems


def _checked(version: RulebookVersion, data: QuestionInput) -> QuestionInput:
    _check_draft(version)
    problems = question_problems(version, data)
    if problems:
        raise InvalidInput(str(_l("The question was not saved.")), list(problems.values()))
    return QuestionInput(
        prompt=data.prompt.strip(),
        choices=[c.strip() for c in data.choices],
        answer=data.answer,
        explanation=data.explanation.strip(),
        clause_key=data.clause_key,
        language=data.language,
        translated_prompt=data.translated_prompt,
        translated_choices=data.translated_choices,
        translated_explanation=data.translated_explanation,
    )


def _audit(
    session: Session, module: TrainingModule, action: str, key: str, actor: User | None
) -> None:
    version = module.rulebook_version
    record_event(
        session,
        f"quiz.{action}",
        "training_module",
        module.id,
        actor=actor,
        project_id=version.rulebook.project_id if version else None,
        details={
            "version": module.version,
            "question": key,
            "questions": len(module.questions),
        },
    )


def _next_key(module: TrainingModule) -> str:
    taken = {q.key for q in module.questions}
    number = len(module.questions) + 1
    while f"q{number}" in taken:
        number += 1
    return f"q{number}"


def _renumber(module: TrainingModule) -> None:
    for position, question in enumerate(module.questions):
        question.position = position


def add_question(
    session: Session, version: RulebookVersion, data: QuestionInput, *, actor: User | None = None
) -> QuizQuestion:
    """Append a question to the draft's quiz.

    :raises Conflict: the version is published.
    :raises InvalidInput: listing what is wrong with the question.
    """
    clean = _checked(version, data)
    module = draft_module(session, version)
    question = QuizQuestion(
        key=_next_key(module),
        prompt=clean.prompt,
        choices=clean.choices,
        answer=clean.answer,
        explanation=clean.explanation,
        clause_key=clean.clause_key,
        position=len(module.questions),
        translations=clean.translations() or None,
    )
    module.questions.append(question)
    session.flush()
    _audit(session, module, "add", question.key, actor)
    return question


def update_question(
    session: Session, question: QuizQuestion, data: QuestionInput, *, actor: User | None = None
) -> QuizQuestion:
    """Change a question of a draft's quiz (its key and place stay).

    :raises Conflict: the version is published, or the question is a gold item's.
    :raises InvalidInput: listing what is wrong with the question.
    """
    version = _version_of(question)
    if question.gold_item_id is not None:
        raise Conflict(_l("Questions from gold items are drawn at publication; not edited."))
    clean = _checked(version, data)
    question.prompt = clean.prompt
    question.choices = clean.choices
    question.answer = clean.answer
    question.explanation = clean.explanation
    question.clause_key = clean.clause_key
    question.translations = clean.translations() or None
    session.flush()
    _audit(session, question.module, "edit", question.key, actor)
    return question


def _version_of(question: QuizQuestion) -> RulebookVersion:
    version = question.module.rulebook_version
    if version is None:
        raise Conflict(_l("The legal-awareness quiz is installed from its file, not edited."))
    _check_draft(version)
    return version


def delete_question(session: Session, question: QuizQuestion, *, actor: User | None = None) -> None:
    """Remove a question from a draft's quiz.

    :raises Conflict: the version is published.
    """
    _version_of(question)
    module = question.module
    key = question.key
    module.questions.remove(question)
    session.flush()
    _renumber(module)
    session.flush()
    _audit(session, module, "delete", key, actor)


def move_question(
    session: Session, question: QuizQuestion, offset: int, *, actor: User | None = None
) -> None:
    """Move a question ``offset`` places (-1 up, +1 down) in a draft's quiz; at an end, a
    move past it does nothing.

    :raises Conflict: the version is published.
    """
    _version_of(question)
    module = question.module
    questions = list(module.questions)
    index = questions.index(question)
    target = min(max(index + offset, 0), len(questions) - 1)
    if target == index:
        return
    questions.insert(target, questions.pop(index))
    for position, item in enumerate(questions):
        item.position = position
    session.flush()
    session.expire(module, ["questions"])
    _audit(session, module, "move", question.key, actor)


def set_quiz_length(
    session: Session, version: RulebookVersion, length: int | None, *, actor: User | None = None
) -> TrainingModule:
    """How many questions one attempt draws from the pool (None: all of them).

    :raises Conflict: the version is published.
    :raises InvalidInput: the length is below 1.
    """
    module = draft_module(session, version)
    if length is not None and length < 1:
        raise InvalidInput(str(_l("A quiz asks at least one question.")))
    module.quiz_length = length
    session.flush()
    _audit(session, module, "length", str(length or "all"), actor)
    return module
