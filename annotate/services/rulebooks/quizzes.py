"""Quiz sources: parse and check the YAML quiz that sits next to a rulebook in ``guidelines/``.

Format (see ``guidelines/README.md``)::

    rulebook: sentiment
    version: 1.0.0
    pass_mark: 0.8
    questions:
      - {key: q1, clause: R1.1, prompt: "...", choices: [...], answer: 0, explanation: "..."}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from annotate.services.errors import InvalidInput
from annotate.services.problems import problem

QUESTION_KEYS = ("key", "clause", "prompt", "choices", "answer", "explanation")


@dataclass
class ParsedQuestion:
    """One multiple-choice question as read from the YAML."""

    key: str
    clause: str
    prompt: str
    choices: list[str]
    answer: int
    explanation: str
    #: The question in other languages: ``{"en": {"prompt", "choices", "explanation"}}``.
    translations: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ParsedQuiz:
    """A quiz file: which rulebook version it tests, its pass mark and questions."""

    rulebook: str
    version: str
    pass_mark: float | None
    questions: list[ParsedQuestion] = field(default_factory=list)


def quiz_path_for(rulebook_path: Path) -> Path:
    """Where the quiz of a rulebook file lives: ``v1.0.0.md`` → ``v1.0.0.quiz.yaml``;
    the legal module's ``module.md`` → ``quiz.yaml``; a translation's ``v1.0.0.en.md`` →
    ``v1.0.0.en.quiz.yaml`` and ``module.en.md`` → ``quiz.en.yaml``."""
    if rulebook_path.name.startswith("module."):
        return rulebook_path.with_name("quiz" + rulebook_path.name[len("module") : -3] + ".yaml")
    return rulebook_path.with_name(rulebook_path.stem + ".quiz.yaml")


def _question_lines(text: str) -> list[int]:
    """1-based line of each entry of ``questions`` (for error messages)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if getattr(key, "value", None) == "questions" and isinstance(value, yaml.SequenceNode):
            return [node.start_mark.line + 1 for node in value.value]
    return []


def _load(text: str, source: str) -> dict[str, Any]:
    """The quiz's YAML as a mapping.

    :raises InvalidInput: it is not YAML, or not a mapping.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise InvalidInput(
            f"{source}: {problem('quiz_refused')}", [f"{source}:{line}: {problem('quiz_yaml')}"]
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{source}: {problem('quiz_refused')}", [f"{source}:1: {problem('quiz_mapping')}"]
        )
    return data


def _header_problems(
    data: dict[str, Any], source: str, rulebook: str | None, version: str | None
) -> list[str]:
    """What is wrong with the quiz's top-level keys (the questions aside)."""
    problems = [
        f"{source}:1: {problem('quiz_lacks', key=key)}"
        for key in ("rulebook", "version", "questions")
        if key not in data
    ]
    if rulebook is not None and "rulebook" in data and str(data["rulebook"]) != rulebook:
        found, expected = repr(data["rulebook"]), repr(rulebook)
        problems.append(f"{source}:1: {problem('quiz_rulebook', found=found, expected=expected)}")
    if version is not None and "version" in data and str(data["version"]) != version:
        found = str(data["version"])
        problems.append(f"{source}:1: {problem('quiz_version', found=found, expected=version)}")
    pass_mark = data.get("pass_mark")
    if pass_mark is not None and not (
        isinstance(pass_mark, int | float) and 0 < float(pass_mark) <= 1
    ):
        problems.append(f"{source}:1: {problem('pass_mark')}")
    return problems


def _shape_problem(entry: Any, number: int, where: str) -> str | None:
    """Why entry ``number`` (1-based) is not a question at all, or None."""
    if not isinstance(entry, dict):
        return f"{where}: {problem('question_mapping', n=number)}"
    missing = [k for k in QUESTION_KEYS if k not in entry]
    if missing:
        return f"{where}: {problem('question_lacks', n=number, keys=', '.join(missing))}"
    return None


def _question(
    entry: dict[str, Any], where: str, clause_keys: set[str] | None
) -> tuple[ParsedQuestion | None, list[str]]:
    """The question read from a well-shaped ``entry``, and what is wrong with it (None when its
    choices or answer are unusable)."""
    key = str(entry["key"])
    choices = entry["choices"]
    if not (isinstance(choices, list) and len(choices) >= 2):
        return None, [f"{where}: {problem('two_choices', key=key)}"]
    answer = entry["answer"]
    if not (
        isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(choices)
    ):
        return None, [f"{where}: {problem('answer_index', key=key, last=len(choices) - 1)}"]
    clause = str(entry["clause"])
    problems = []
    if clause_keys is not None and clause not in clause_keys:
        problems.append(f"{where}: {problem('cites_unknown', key=key, clause=clause)}")
    return ParsedQuestion(
        key=key,
        clause=clause,
        prompt=str(entry["prompt"]),
        choices=[str(c) for c in choices],
        answer=answer,
        explanation=str(entry["explanation"]),
    ), problems


def parse_quiz(
    text: str,
    source: str = "<quiz>",
    *,
    rulebook: str | None = None,
    version: str | None = None,
    clause_keys: set[str] | None = None,
) -> ParsedQuiz:
    """Parse a quiz and check it against its rulebook version.

    :param rulebook: the rulebook id the quiz must name (unchecked if None).
    :param version: the version it must name (unchecked if None).
    :param clause_keys: every question's clause must be one of these (unchecked if None).
    :raises InvalidInput: listing every problem with file and line.
    """
    data = _load(text, source)
    problems = _header_problems(data, source, rulebook, version)
    raw = data.get("questions") or []
    if not isinstance(raw, list) or not raw:
        problems.append(f"{source}:1: {problem('questions_list')}")
        raw = []
    lines = _question_lines(text)
    questions: list[ParsedQuestion] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        where = f"{source}:{lines[index] if index < len(lines) else 1}"
        shape = _shape_problem(entry, index + 1, where)
        if shape is not None:
            problems.append(shape)
            continue
        key = str(entry["key"])
        if key in seen:
            problems.append(f"{where}: {problem('question_twice', key=repr(key))}")
        seen.add(key)
        question, wrong = _question(entry, where, clause_keys)
        problems.extend(wrong)
        if question is not None:
            questions.append(question)
    if problems:
        raise InvalidInput(f"{source}: {problem('quiz_refused')}", problems)
    pass_mark = data.get("pass_mark")
    return ParsedQuiz(
        rulebook=str(data["rulebook"]),
        version=str(data["version"]),
        pass_mark=float(pass_mark) if pass_mark is not None else None,
        questions=questions,
    )


def parse_quiz_file(path: Path, **checks: Any) -> ParsedQuiz:
    """Read and parse a quiz file (see :func:`parse_quiz` for ``checks``)."""
    return parse_quiz(path.read_text(encoding="utf-8"), str(path), **checks)


def add_translation(quiz: ParsedQuiz, translated: ParsedQuiz, language: str, source: str) -> None:
    """Store ``translated``'s wording as ``language`` translations of ``quiz``'s questions.

    The translation must ask the same questions (same keys, in order) citing the same
    clauses, with as many choices and the same answer: only the wording differs, so an
    attempt is graded the same way whichever language it was read in.

    :raises InvalidInput: naming every difference.
    """
    problems = []
    ours = [q.key for q in quiz.questions]
    theirs = [q.key for q in translated.questions]
    if ours != theirs:
        problems.append(f"{source}: {problem('quiz_questions')}")
    for mine, other in zip(quiz.questions, translated.questions, strict=False):
        if mine.key != other.key:
            continue
        if (mine.clause, mine.answer, len(mine.choices)) != (
            other.clause,
            other.answer,
            len(other.choices),
        ):
            problems.append(f"{source}: {problem('quiz_question', key=other.key)}")
    if problems:
        raise InvalidInput(f"{source}: {problem('quiz_translation_refused')}", problems)
    for mine, other in zip(quiz.questions, translated.questions, strict=True):
        mine.translations[language] = {
            "prompt": other.prompt,
            "choices": list(other.choices),
            "explanation": other.explanation,
        }
