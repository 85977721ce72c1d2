"""Rulebook sources: parse the Markdown (YAML front matter, required sections, numbered
clauses with examples) into :class:`ParsedRulebook`; nothing here touches the database."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from annotate.models import RulebookKind
from annotate.services.errors import InvalidInput
from annotate.services.problems import problem

REQUIRED_KEYS = ("id", "title", "version", "kind", "task_type", "labels", "change_note")
#: The legal-awareness module is not tied to a task, so it has no task_type or labels.
LEGAL_REQUIRED_KEYS = ("id", "title", "version", "kind", "change_note")
REQUIRED_SECTIONS = ("Goal", "Data format", "Method", "Quality indicators")
#: The same headings in a Chinese source (``language: zh``): TC260-003 §5.3's 标注目标、数据格式、
#: 标注方法、质量指标, and 条款 for ``## Clauses``.
SECTION_ALIASES = {
    "目标": "Goal",
    "标注目标": "Goal",
    "数据格式": "Data format",
    "方法": "Method",
    "标注方法": "Method",
    "质量指标": "Quality indicators",
    "条款": "Clauses",
}
#: The languages a rulebook source may be written in (front matter ``language``).
LANGUAGES = ("zh", "en")
#: The language of a source whose front matter does not say (the sources written before
#: ``language`` existed are English).
DEFAULT_LANGUAGE = "en"
SEMVER_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
CLAUSE_RE = re.compile(r"^### ([RL]\d+(?:\.\d+)*) (.+?)\s*$")
EXAMPLE_RE = re.compile(
    r"^\*\*(Example|Counter-example|示例|反例)s?(?::\*\*|\*\*[:：]|[：]\*\*)\s*(.*)$",
    re.IGNORECASE,
)


@dataclass
class ParsedClause:
    """A clause as read from the Markdown."""

    key: str
    title: str
    text: str
    examples: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ParsedRulebook:
    """A rulebook version as read from its Markdown source."""

    front_matter: dict[str, Any]
    body: str
    clauses: list[ParsedClause]
    source: str = "<text>"

    @property
    def version(self) -> str:
        """The semantic version string."""
        return str(self.front_matter["version"])

    @property
    def language(self) -> str:
        """The language the source is written in (front matter ``language``)."""
        return source_language(self.front_matter)

    @property
    def sha256(self) -> str:
        """The sha256 of the full source text."""
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()


def source_language(front_matter: dict[str, Any]) -> str:
    """The ``language`` of a source's front matter (``en`` when it does not say)."""
    return str(front_matter.get("language") or DEFAULT_LANGUAGE)


def _split_front_matter(text: str, source: str) -> tuple[dict[str, Any], int]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise InvalidInput(
            f"{source}: {problem('not_a_rulebook')}",
            [f"{source}:1: {problem('no_front_matter')}"],
        )
    end = next((n for n, line in enumerate(lines[1:], start=1) if line.strip() == "---"), 0)
    if not end:
        raise InvalidInput(
            f"{source}: {problem('not_a_rulebook')}",
            [f"{source}:1: {problem('front_matter_open')}"],
        )
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(
            f"{source}: {problem('bad_front_matter')}",
            [f"{source}:{end}: {problem('yaml_error', detail=exc)}"],
        ) from None
    if not isinstance(meta, dict):
        raise InvalidInput(
            f"{source}: {problem('bad_front_matter')}",
            [f"{source}:2: {problem('front_matter_mapping')}"],
        )
    return meta, end + 1


def _front_matter_problems(meta: dict[str, Any], source: str) -> list[str]:
    """Missing keys, a version that is not semantic, an unknown kind."""
    required = LEGAL_REQUIRED_KEYS if meta.get("kind") == "legal" else REQUIRED_KEYS
    problems = [
        f"{source}:2: {problem('lacks_key', key=key)}" for key in required if key not in meta
    ]
    version = str(meta.get("version", ""))
    if "version" in meta and not SEMVER_RE.match(version):
        problems.append(f"{source}:2: {problem('not_semantic', version=repr(version))}")
    kind = meta.get("kind")
    if kind is not None and kind not in {k.value for k in RulebookKind} | {"legal"}:
        problems.append(f"{source}:2: {problem('bad_kind', kind=repr(kind))}")
    language = meta.get("language")
    if language is not None and str(language) not in LANGUAGES:
        choices = ", ".join(LANGUAGES)
        problems.append(
            f"{source}:2: {problem('bad_language', choices=choices, language=repr(language))}"
        )
    return problems


def _add_clause_line(clause: ParsedClause, line: str) -> None:
    """Append a body line to ``clause``: an example or counter-example starts a new entry,
    lines after one continue it, other lines are the clause's text."""
    example = EXAMPLE_RE.match(line.strip())
    if example:
        kind = "counter" if example[1].lower() in ("counter-example", "反例") else "example"
        clause.examples.append({"kind": kind, "text": example[2]})
    elif clause.examples and line.strip():
        clause.examples[-1]["text"] += "\n" + line.strip()
    else:
        clause.text += line + "\n"


@dataclass
class _Body:
    """What the body of a rulebook holds: its ``## `` sections and ``### `` clauses."""

    sections: set[str] = field(default_factory=set)
    clauses: list[ParsedClause] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _read_body(lines: list[str], start: int, source: str) -> _Body:
    """Read the sections and clauses of ``lines[start:]`` (``start`` is 0-based)."""
    body = _Body()
    current: ParsedClause | None = None
    in_clauses = False
    for number, line in enumerate(lines[start:], start=start + 1):
        if line.startswith("## "):
            heading = line[3:].strip()
            heading = SECTION_ALIASES.get(heading, heading)
            body.sections.add(heading)
            in_clauses = heading.lower() == "clauses"
            current = None
        elif match := CLAUSE_RE.match(line):
            if not in_clauses:
                body.problems.append(
                    f"{source}:{number}: {problem('clause_outside', key=match[1])}"
                )
            if any(c.key == match[1] for c in body.clauses):
                body.problems.append(f"{source}:{number}: {problem('clause_twice', key=match[1])}")
            current = ParsedClause(key=match[1], title=match[2], text="")
            body.clauses.append(current)
        elif current is not None:
            _add_clause_line(current, line)
    for clause in body.clauses:
        clause.text = clause.text.strip()
    return body


def _publishable_problems(body: _Body, source: str) -> list[str]:
    """The required sections and at least one clause (needed to publish)."""
    problems = [
        f"{source}: {problem('missing_section', name=name)}"
        for name in REQUIRED_SECTIONS
        if name not in body.sections
    ]
    if not body.clauses:
        problems.append(f"{source}: {problem('no_clauses')}")
    return problems


def parse_rulebook(text: str, source: str = "<text>", *, strict: bool = True) -> ParsedRulebook:
    """Parse a rulebook's Markdown (front matter, required sections, ``### R1.2`` clauses).

    With ``strict`` every missing key or section is an error (needed to publish);
    problems name the file and line.

    :raises InvalidInput: listing every problem found.
    """
    meta, body_start = _split_front_matter(text, source)
    problems = _front_matter_problems(meta, source)
    body = _read_body(text.splitlines(), body_start, source)
    problems += body.problems
    if strict:
        problems += _publishable_problems(body, source)
    if problems:
        raise InvalidInput(f"{source}: {problem('rulebook_refused')}", problems)
    return ParsedRulebook(front_matter=meta, body=text, clauses=body.clauses, source=source)


def missing_parts(text: str) -> tuple[list[str], bool]:
    """The required sections ``text`` lacks, and whether it has no numbered clause (what
    publishing will refuse); for the warning shown when a draft is saved."""
    try:
        _, start = _split_front_matter(text, "<draft>")
    except InvalidInput:
        return list(REQUIRED_SECTIONS), True
    body = _read_body(text.splitlines(), start, "<draft>")
    return [name for name in REQUIRED_SECTIONS if name not in body.sections], not body.clauses


def split_body(text: str) -> str:
    """Return the Markdown after the front matter (what a reader sees)."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = next((n for n, line in enumerate(lines[1:], start=1) if line.strip() == "---"), 0)
        if end:
            return "\n".join(lines[end + 1 :])
    return text


def parse_rulebook_file(path: Path) -> ParsedRulebook:
    """Read and parse a rulebook file."""
    return parse_rulebook(path.read_text(encoding="utf-8"), str(path))
