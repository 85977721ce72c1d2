"""The clauses of a rulebook version as the labeling screen shows them, cached once published.

:func:`published_clauses` caches by version id *and* sha256: a published version's text never
changes (the guard in ``services.rulebooks.guard`` refuses it) and its clauses are parsed from
that text, so the pair names the clauses exactly, in any database. A draft is read each time.
With a ``language`` the version has a translation in, the clauses are that translation's (same
keys, same decisions; see :mod:`annotate.services.rulebooks.languages`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import Clause, RulebookVersion, VersionStatus
from annotate.services.errors import InvalidInput
from annotate.services.rulebooks.languages import parse_translation


class _Version(Protocol):
    """What is needed of a version: a RulebookVersion or the gate's WorkingVersion."""

    @property
    def id(self) -> int: ...

    @property
    def sha256(self) -> str: ...

    @property
    def status(self) -> VersionStatus: ...


@dataclass(frozen=True)
class ClauseText:
    """A clause of a published version, as the labeling screen shows it."""

    key: str
    title: str
    text: str
    examples: tuple[dict[str, Any], ...]


_CACHE_LIMIT = 256
_clause_cache: dict[tuple[int, str, str], tuple[ClauseText, ...]] = {}


def _translated(session: Session, version: _Version, language: str) -> tuple[ClauseText, ...]:
    """The clauses of ``version``'s translation into ``language`` (empty: it has none)."""
    row = session.execute(
        sa.select(RulebookVersion.language, RulebookVersion.translations).where(
            RulebookVersion.id == version.id
        )
    ).one_or_none()
    if row is None or row.language == language:
        return ()
    entry = (row.translations or {}).get(language)
    if not isinstance(entry, dict):
        return ()
    try:
        parsed = parse_translation(entry, f"version {version.id} ({language})")
    except InvalidInput:
        return ()
    return tuple(ClauseText(c.key, c.title, c.text, tuple(c.examples)) for c in parsed.clauses)


def published_clauses(
    session: Session, version: _Version, language: str = ""
) -> tuple[ClauseText, ...]:
    """The clauses of ``version`` in order (in ``language`` when it has a translation in
    it); cached once the version is published."""
    key = (version.id, version.sha256, language)
    cached = _clause_cache.get(key)
    if cached is not None:
        return cached
    clauses = _translated(session, version, language) if language else ()
    if not clauses:
        clauses = tuple(
            ClauseText(row.key, row.title, row.text, tuple(row.examples or ()))
            for row in session.execute(
                sa.select(Clause.key, Clause.title, Clause.text, Clause.examples)
                .where(Clause.version_id == version.id)
                .order_by(Clause.position)
            )
        )
    if version.status != VersionStatus.draft:
        if len(_clause_cache) >= _CACHE_LIMIT:
            _clause_cache.clear()
        _clause_cache[key] = clauses
    return clauses


_title_cache: dict[tuple[int, str, str], str] = {}


def published_title(session: Session, version: _Version, language: str) -> str:
    """The title of ``version`` in ``language`` (its translation's, else its own); cached
    once the version is published."""
    own = str(getattr(version, "title", ""))
    key = (version.id, version.sha256, language)
    cached = _title_cache.get(key)
    if cached is not None:
        return cached
    row = session.execute(
        sa.select(RulebookVersion.language, RulebookVersion.translations).where(
            RulebookVersion.id == version.id
        )
    ).one_or_none()
    entry = (row.translations or {}).get(language) if row is not None else None
    title = str(entry.get("title") or own) if isinstance(entry, dict) else own
    if version.status != VersionStatus.draft:
        if len(_title_cache) >= _CACHE_LIMIT:
            _title_cache.clear()
        _title_cache[key] = title
    return title
