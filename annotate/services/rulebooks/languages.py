"""A rulebook version in several languages: one primary text and its translations.

A version is written in one language (front matter ``language``; the primary text, whose
clauses, labels and decisions are stored and cited) and may carry translations of the same
version number (``guidelines/<id>/v1.0.0.en.md`` beside ``v1.0.0.md``), stored on the version
(:attr:`RulebookVersion.translations`) and so published with it and as immutable. A translation
must say the same thing: same id, version, kind, task type, labels, clause keys (in order) and
decisions; :func:`translation_problems` checks it when a translation is imported and again
when the version is published. Readers see the text in their language when there is one
(:func:`reading_for`); training passed on the version counts whatever language it was read in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from annotate.models import Clause
from annotate.services.errors import InvalidInput
from annotate.services.problems import problem
from annotate.services.rulebooks.bump import DECISION_RE, label_keys
from annotate.services.rulebooks.parsing import (
    LANGUAGES,
    ParsedClause,
    ParsedRulebook,
    parse_rulebook,
)

#: Front-matter keys a translation must share with its primary text.
SHARED_KEYS = ("id", "version", "kind", "task_type")


def _decisions(texts: list[str]) -> frozenset[tuple[bool, str]]:
    return frozenset(
        (bool(m[1]), m[2].strip()) for text in texts for m in DECISION_RE.finditer(text)
    )


def parsed_decisions(clause: ParsedClause | Clause) -> frozenset[tuple[bool, str]]:
    """What a clause decides (``(negated, label)`` pairs), in any language."""
    return _decisions([clause.text, *(str(e.get("text", "")) for e in clause.examples or [])])


def translation_problems(primary: ParsedRulebook, translation: ParsedRulebook) -> list[str]:
    """Why ``translation`` is not a faithful translation of ``primary`` (empty: it is)."""
    source = translation.source
    problems = []
    if translation.language == primary.language:
        problems.append(f"{source}:2: {problem('same_language', language=primary.language)}")
    if translation.language not in LANGUAGES:
        language = repr(translation.language)
        problems.append(f"{source}:2: {problem('unsupported_language', language=language)}")
    for key in SHARED_KEYS:
        if str(translation.front_matter.get(key)) != str(primary.front_matter.get(key)):
            reason = problem(
                "shared_key",
                key=key,
                value=repr(primary.front_matter.get(key)),
                primary=primary.source,
                other=repr(translation.front_matter.get(key)),
            )
            problems.append(f"{source}:2: {reason}")
    if label_keys(translation.front_matter) != label_keys(primary.front_matter):
        problems.append(f"{source}:2: {problem('label_keys', primary=primary.source)}")
    theirs = [c.key for c in translation.clauses]
    ours = [c.key for c in primary.clauses]
    if theirs != ours:
        missing = sorted(set(ours) - set(theirs))
        extra = sorted(set(theirs) - set(ours))
        code = "clause_keys" + ("_both" if missing and extra else "_missing" if missing else "")
        code = "clause_keys_extra" if extra and not missing else code
        reason = problem(
            code, primary=primary.source, missing=", ".join(missing), extra=", ".join(extra)
        )
        problems.append(f"{source}: {reason}")
    else:
        for mine, other in zip(primary.clauses, translation.clauses, strict=True):
            if parsed_decisions(mine) != parsed_decisions(other):
                reason = problem("decides_differently", key=other.key, primary=primary.source)
                problems.append(f"{source}: {reason}")
    return problems


def translation_entry(parsed: ParsedRulebook) -> dict[str, Any]:
    """What :attr:`RulebookVersion.translations` stores for one language."""
    return {
        "title": str(parsed.front_matter.get("title", ""))[:200],
        "body": parsed.body,
        "change_note": str(parsed.front_matter.get("change_note", "")),
        "sha256": hashlib.sha256(parsed.body.encode("utf-8")).hexdigest(),
    }


def parse_translation(
    entry: dict[str, Any], source: str, *, strict: bool = False
) -> ParsedRulebook:
    """Parse a stored translation's text."""
    return parse_rulebook(str(entry.get("body", "")), source, strict=strict)


def stored_translation_problems(
    primary_body: str, translations: dict[str, Any] | None, source: str
) -> list[str]:
    """Problems of the stored translations against the stored primary text (at publication:
    a primary text edited after its translation was imported must not be published with a
    translation that no longer matches)."""
    if not translations:
        return []
    try:
        primary = parse_rulebook(primary_body, source, strict=False)
    except InvalidInput as error:
        return error.problems or [str(error)]
    problems: list[str] = []
    for language, entry in sorted(translations.items()):
        name = f"{source} ({language})"
        try:
            parsed = parse_translation(entry, name, strict=True)
        except InvalidInput as error:
            problems.extend(error.problems or [str(error)])
            continue
        if parsed.language != language:
            problems.append(f"{name}:2: {problem('language_is', language=repr(language))}")
        problems.extend(translation_problems(primary, parsed))
    return problems


@dataclass(frozen=True)
class Reading:
    """A text as one reader sees it: the primary text or its translation."""

    language: str
    title: str
    body: str
    change_note: str
    translated: bool


def reading_for(
    primary_language: str,
    title: str,
    body: str,
    change_note: str,
    translations: dict[str, Any] | None,
    language: str,
) -> Reading:
    """The text for a reader of ``language``: the translation in that language when there
    is one, else the primary text."""
    wanted = language.split("_")[0].split("-")[0]
    entry = (translations or {}).get(wanted)
    if wanted != primary_language and isinstance(entry, dict) and entry.get("body"):
        return Reading(
            wanted,
            str(entry.get("title") or title),
            str(entry["body"]),
            str(entry.get("change_note") or change_note),
            True,
        )
    return Reading(primary_language, title, body, change_note, False)


def languages_of(primary_language: str, translations: dict[str, Any] | None) -> list[str]:
    """Every language a text is available in, the primary first."""
    return [primary_language, *sorted(k for k in (translations or {}) if k != primary_language)]
