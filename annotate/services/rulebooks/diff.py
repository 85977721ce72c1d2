"""Clause-aware comparison of two rulebook versions (drafts included).

With a ``language``, the clauses are compared in that language when both versions have a
text in it (the primary text or a translation); otherwise in their primary texts. The bump
check (:mod:`annotate.services.rulebooks.bump`) always compares primary texts, which
translations must match clause for clause."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from annotate.models import Clause, RulebookVersion
from annotate.services.errors import InvalidInput
from annotate.services.rulebooks.languages import parse_translation
from annotate.services.rulebooks.parsing import ParsedClause

AnyClause = Clause | ParsedClause


@dataclass
class ClauseChange:
    """One clause key across the two versions."""

    key: str
    status: str  # added | removed | changed | unchanged
    old: AnyClause | None
    new: AnyClause | None
    #: ``(" " | "-" | "+", line)`` for changed clauses.
    lines: list[tuple[str, str]] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The clause title (the new one if it still exists)."""
        clause = self.new or self.old
        if clause is None:
            raise ValueError(f"clause {self.key!r} is in neither version")
        return clause.title


@dataclass
class VersionDiff:
    """Clause by clause, plus front-matter keys that differ and the kind of bump."""

    old: RulebookVersion
    new: RulebookVersion
    clauses: list[ClauseChange]
    front_matter: list[tuple[str, Any, Any]]
    #: The language the clauses were compared in.
    language: str = ""

    @property
    def bump(self) -> str:
        """``major``, ``minor``, ``patch`` or ``none`` going from old to new."""
        if self.new.major != self.old.major:
            return "major"
        if self.new.minor != self.old.minor:
            return "minor"
        return "patch" if self.new.patch != self.old.patch else "none"

    def count(self, status: str) -> int:
        """How many clauses have ``status``."""
        return sum(1 for c in self.clauses if c.status == status)

    @property
    def changed(self) -> list[ClauseChange]:
        """Only the clauses that were added, removed or changed."""
        return [c for c in self.clauses if c.status != "unchanged"]


def _clause_lines(clause: AnyClause) -> list[str]:
    lines = [f"### {clause.key} {clause.title}", *clause.text.splitlines()]
    for example in clause.examples or []:
        label = "Counter-example" if example.get("kind") == "counter" else "Example"
        lines.append(f"**{label}:** {example.get('text', '')}")
    return [line for line in lines if line.strip()]


def _clauses_in(version: RulebookVersion, language: str) -> list[AnyClause] | None:
    """The clauses of ``version`` in ``language`` (None: it has no text in it)."""
    if language in ("", version.language):
        return list(version.clauses)
    entry = (version.translations or {}).get(language)
    if not isinstance(entry, dict):
        return None
    try:
        return list(parse_translation(entry, f"{version.version} ({language})").clauses)
    except InvalidInput:
        return None


def diff_versions(old: RulebookVersion, new: RulebookVersion, language: str = "") -> VersionDiff:
    """Compare ``old`` and ``new`` clause by clause (matched on stable clause keys), in
    ``language`` when both have a text in it."""
    theirs, ours = _clauses_in(old, language), _clauses_in(new, language)
    if theirs is None or ours is None:
        theirs, ours, language = list(old.clauses), list(new.clauses), new.language
    before = {c.key: c for c in theirs}
    after = {c.key: c for c in ours}
    changes: list[ClauseChange] = []
    for clause in ours:
        previous = before.get(clause.key)
        if previous is None:
            changes.append(
                ClauseChange(
                    clause.key,
                    "added",
                    None,
                    clause,
                    [("+", line) for line in _clause_lines(clause)],
                )
            )
            continue
        a, b = _clause_lines(previous), _clause_lines(clause)
        if a == b:
            changes.append(ClauseChange(clause.key, "unchanged", previous, clause))
            continue
        lines = [
            (d[0] if d[0] in "+-" else " ", d[2:])
            for d in difflib.ndiff(a, b)
            if not d.startswith("?")
        ]
        changes.append(ClauseChange(clause.key, "changed", previous, clause, lines))
    for clause in theirs:
        if clause.key not in after:
            changes.append(
                ClauseChange(
                    clause.key,
                    "removed",
                    clause,
                    None,
                    [("-", line) for line in _clause_lines(clause)],
                )
            )
    keys = sorted(set(old.front_matter) | set(new.front_matter))
    meta = [
        (k, old.front_matter.get(k), new.front_matter.get(k))
        for k in keys
        if old.front_matter.get(k) != new.front_matter.get(k)
        and k not in ("version", "change_note")
    ]
    return VersionDiff(old, new, changes, meta, language or new.language)


def render_text(diff: VersionDiff) -> str:
    """The diff as plain text (for the CLI)."""
    out = [
        f"{diff.old.rulebook.key} {diff.old.version} → {diff.new.version} ({diff.bump} "
        f"change): {diff.count('added')} added, {diff.count('removed')} removed, "
        f"{diff.count('changed')} changed, {diff.count('unchanged')} unchanged clauses"
    ]
    for key, before, after in diff.front_matter:
        out.append(f"front matter {key}: {before!r} → {after!r}")
    for change in diff.changed:
        out.append("")
        out.append(f"[{change.status}] {change.key} {change.title}")
        out.extend(f"  {mark} {line}" for mark, line in change.lines)
    return "\n".join(out)
