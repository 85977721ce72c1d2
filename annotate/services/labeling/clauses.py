"""The clauses of a rulebook version as the labeling screen shows them, cached once published.

:func:`published_clauses` caches by version id *and* sha256: a published version's text never
changes (the guard in ``services.rulebooks.guard`` refuses it) and its clauses are parsed from
that text, so the pair names the clauses exactly, in any database. A draft is read each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import Clause, VersionStatus


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
_clause_cache: dict[tuple[int, str], tuple[ClauseText, ...]] = {}


def published_clauses(session: Session, version: _Version) -> tuple[ClauseText, ...]:
    """The clauses of ``version`` in order; cached once the version is published."""
    key = (version.id, version.sha256)
    cached = _clause_cache.get(key)
    if cached is not None:
        return cached
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
