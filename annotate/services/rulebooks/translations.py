"""Editing a draft's translation (see :mod:`annotate.services.rulebooks.languages`).

A translation is saved half-written like the primary text; that it matches the primary text
(same clauses, labels and decisions) is checked when the version is published.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import RulebookVersion, User, VersionStatus
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.problems import problem
from annotate.services.rulebooks.languages import translation_entry
from annotate.services.rulebooks.parsing import LANGUAGES, parse_rulebook


def starting_text(version: RulebookVersion, language: str) -> str:
    """The text a new translation starts from: the stored one, else a copy of the primary
    text with its ``language`` set (to be translated)."""
    entry = (version.translations or {}).get(language)
    if isinstance(entry, dict) and entry.get("body"):
        return str(entry["body"])
    if re.search(r"(?m)^language:.*$", version.body):
        return re.sub(r"(?m)^language:.*$", f"language: {language}", version.body, count=1)
    return re.sub(
        r"(?m)^version:(.*)$", rf"version:\1\nlanguage: {language}", version.body, count=1
    )


def update_translation(
    session: Session,
    version: RulebookVersion,
    language: str,
    text: str,
    *,
    actor: User | None = None,
) -> RulebookVersion:
    """Replace (or, with an empty ``text``, remove) the draft's translation into ``language``.

    :raises Conflict: the version is published.
    :raises InvalidInput: an unsupported language, the primary language, or a text that
        does not parse or changes the id, version or language.
    """
    if version.status != VersionStatus.draft:
        raise Conflict(
            _l(
                "Version %(version)s is published and never changes. Start a new draft instead.",
                version=version.version,
            )
        )
    if language not in LANGUAGES or language == version.language:
        raise InvalidInput(
            _l(
                "A translation must be in another supported language than the text (%(language)s).",
                language=version.language,
            )
        )
    translations = dict(version.translations or {})
    details: dict[str, object] = {
        "rulebook": version.rulebook.key,
        "version": version.version,
        "language": language,
    }
    if not text.strip():
        translations.pop(language, None)
        details["removed"] = True
    else:
        source = f"{version.rulebook.key} {version.version} ({language})"
        parsed = parse_rulebook(text, source, strict=False)
        problems = []
        if str(parsed.front_matter.get("id")) != version.rulebook.key:
            problems.append(f"{source}:2: {problem('id_stays', id=repr(version.rulebook.key))}")
        if parsed.version != version.version:
            problems.append(
                f"{source}:2: {problem('version_stays', version=repr(version.version))}"
            )
        if parsed.language != language:
            problems.append(f"{source}:2: {problem('language_is', language=repr(language))}")
        if problems:
            raise InvalidInput(f"{source}: {problem('translation_refused')}", problems)
        translations[language] = translation_entry(parsed)
        details["sha256"] = translations[language]["sha256"]
    version.translations = translations or None
    session.flush()
    record_event(
        session,
        "rulebook.edit",
        "rulebook_version",
        version.id,
        actor=actor,
        project_id=version.rulebook.project_id,
        details=details,
    )
    return version
