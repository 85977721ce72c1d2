"""Rulebook and training texts in the reader's language (the version's translation when
there is one, see :mod:`annotate.services.rulebooks.languages`)."""

from __future__ import annotations

from flask_babel import get_locale

from annotate.models import RulebookVersion, TrainingModule
from annotate.services.rulebooks.languages import Reading, reading_for


def reader_language() -> str:
    """The language of the page being rendered (``zh`` or ``en``)."""
    return str(get_locale() or "zh").split("_")[0]


def version_reading(version: RulebookVersion) -> Reading:
    """``version`` as the reader sees it: its text in the page's language if it has one."""
    return reading_for(
        version.language,
        version.title,
        version.body,
        version.change_note,
        version.translations,
        reader_language(),
    )


def localized_title(thing: RulebookVersion | TrainingModule | None) -> str:
    """Jinja global: the title of a rulebook version or training module in the reader's
    language (a rulebook module takes its version's)."""
    if thing is None:
        return ""
    if isinstance(thing, TrainingModule):
        if thing.rulebook_version is not None:
            return version_reading(thing.rulebook_version).title
        return reading_for(
            thing.language, thing.title, thing.body, "", thing.translations, reader_language()
        ).title
    return version_reading(thing).title
