"""A quiz question in the reader's language: questions are written in one language and may
carry the other one (``QuizQuestion.translations``); a page in that language shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotate.models import QuizQuestion

#: The languages a question may be written in besides its own text.
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Wording:
    """What a reader sees of one question."""

    prompt: str
    choices: list[str]
    explanation: str


def translation(question: QuizQuestion, language: str) -> dict[str, Any] | None:
    """The question's text in ``language`` if it has a usable one (as many choices)."""
    other = (question.translations or {}).get(language)
    if (
        isinstance(other, dict)
        and str(other.get("prompt") or "").strip()
        and isinstance(other.get("choices"), list)
        and len(other["choices"]) == len(question.choices)
    ):
        return other
    return None


def localized(question: QuizQuestion, language: str) -> Wording:
    """``question`` as a reader of ``language`` sees it (its own text if not translated)."""
    other = translation(question, language)
    if other is None:
        return Wording(
            question.prompt, [str(c) for c in question.choices], question.explanation or ""
        )
    return Wording(
        str(other["prompt"]),
        [str(c) for c in other["choices"]],
        str(other.get("explanation") or question.explanation or ""),
    )
