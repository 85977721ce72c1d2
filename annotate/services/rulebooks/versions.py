"""Rulebooks: parse the Markdown sources, import them as drafts, publish immutable versions."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from annotate.database import Session, utcnow
from annotate.models import (
    Clause,
    Project,
    Rulebook,
    RulebookKind,
    RulebookVersion,
    User,
    VersionStatus,
)
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput, NotFound
from annotate.services.rulebooks import guard as rulebook_guard  # noqa: F401  (installs the immutability guard)

REQUIRED_KEYS = ("id", "title", "version", "kind", "task_type", "labels", "change_note")
#: The legal-awareness module is not tied to a task, so it has no task_type or labels.
LEGAL_REQUIRED_KEYS = ("id", "title", "version", "kind", "change_note")
REQUIRED_SECTIONS = ("Goal", "Data format", "Method", "Quality indicators")
SEMVER_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
CLAUSE_RE = re.compile(r"^### ([RL]\d+(?:\.\d+)*) (.+?)\s*$")
EXAMPLE_RE = re.compile(r"^\*\*(Example|Counter-example)s?:\*\*\s*(.*)$", re.IGNORECASE)


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
    def sha256(self) -> str:
        """The sha256 of the full source text."""
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()


def _split_front_matter(text: str, source: str) -> tuple[dict[str, Any], int]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise InvalidInput(
            f"{source}: not a rulebook",
            [f"{source}:1: missing YAML front matter (a first line '---')"],
        )
    end = next((n for n, line in enumerate(lines[1:], start=1) if line.strip() == "---"), 0)
    if not end:
        raise InvalidInput(
            f"{source}: not a rulebook", [f"{source}:1: front matter is not closed by '---'"]
        )
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(
            f"{source}: bad front matter", [f"{source}:{end}: YAML error: {exc}"]
        ) from None
    if not isinstance(meta, dict):
        raise InvalidInput(
            f"{source}: bad front matter", [f"{source}:2: front matter must be a mapping"]
        )
    return meta, end + 1


def _front_matter_problems(meta: dict[str, Any], source: str) -> list[str]:
    """Missing keys, a version that is not semantic, an unknown kind."""
    required = LEGAL_REQUIRED_KEYS if meta.get("kind") == "legal" else REQUIRED_KEYS
    problems = [f"{source}:2: front matter lacks '{key}'" for key in required if key not in meta]
    version = str(meta.get("version", ""))
    if "version" in meta and not SEMVER_RE.match(version):
        problems.append(f"{source}:2: version {version!r} is not semantic (MAJOR.MINOR.PATCH)")
    kind = meta.get("kind")
    if kind is not None and kind not in {k.value for k in RulebookKind} | {"legal"}:
        problems.append(f"{source}:2: kind must be functional, security or legal, not {kind!r}")
    return problems


def _add_clause_line(clause: ParsedClause, line: str) -> None:
    """Append a body line to ``clause``: an example or counter-example starts a new entry,
    lines after one continue it, other lines are the clause's text."""
    example = EXAMPLE_RE.match(line.strip())
    if example:
        kind = "counter" if example[1].lower().startswith("counter") else "example"
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
            body.sections.add(heading)
            in_clauses = heading.lower() == "clauses"
            current = None
        elif match := CLAUSE_RE.match(line):
            if not in_clauses:
                body.problems.append(
                    f"{source}:{number}: clause {match[1]} is outside '## Clauses'"
                )
            if any(c.key == match[1] for c in body.clauses):
                body.problems.append(f"{source}:{number}: duplicate clause key {match[1]}")
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
        f"{source}: missing required section '## {name}'"
        for name in REQUIRED_SECTIONS
        if name not in body.sections
    ]
    if not body.clauses:
        problems.append(f"{source}: no numbered clauses ('### R1.1 Title') under '## Clauses'")
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
        raise InvalidInput(f"{source}: rulebook refused", problems)
    return ParsedRulebook(front_matter=meta, body=text, clauses=body.clauses, source=source)


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


def newest_published(project_id: Any) -> sa.Select:
    """SELECT of a project's newest published rulebook version (``project_id`` may be a value
    or a bound parameter); the one rule for "the version annotators work under"."""
    return (
        sa.select(RulebookVersion)
        .join(Rulebook, Rulebook.id == RulebookVersion.rulebook_id)
        .where(Rulebook.project_id == project_id, RulebookVersion.status == VersionStatus.published)
        .order_by(RulebookVersion.published_at.desc(), RulebookVersion.id.desc())
        .limit(1)
    )


def current_version(session: Session, project: Project) -> RulebookVersion | None:
    """The project's newest published rulebook version (the one annotators work under)."""
    return session.scalar(newest_published(project.id))


def list_versions(session: Session, project: Project) -> list[RulebookVersion]:
    """Every rulebook version of the project, newest first (the history)."""
    return list(
        session.scalars(
            sa.select(RulebookVersion)
            .join(Rulebook)
            .where(Rulebook.project_id == project.id)
            .order_by(
                RulebookVersion.major.desc(),
                RulebookVersion.minor.desc(),
                RulebookVersion.patch.desc(),
                RulebookVersion.id.desc(),
            )
        )
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _clauses(parsed: ParsedRulebook) -> list[Clause]:
    return [
        Clause(key=c.key, title=c.title[:300], text=c.text, examples=c.examples, position=i)
        for i, c in enumerate(parsed.clauses)
    ]


def import_rulebook(
    session: Session, project: Project, parsed: ParsedRulebook, *, actor: User | None = None
) -> RulebookVersion:
    """Store ``parsed`` as a draft version of the project's rulebook with that id.

    :raises InvalidInput: the source is the legal-awareness module, not a rulebook.
    :raises Conflict: that version already exists.
    """
    meta = parsed.front_matter
    if meta.get("kind") == "legal":
        raise InvalidInput(
            f"{parsed.source}: this is the legal-awareness training module, "
            "not a project rulebook; import it without --project."
        )
    rulebook = session.scalar(
        sa.select(Rulebook).where(
            Rulebook.project_id == project.id, Rulebook.key == str(meta["id"])
        )
    )
    if rulebook is None:
        rulebook = Rulebook(
            project=project,
            key=str(meta["id"]),
            title=str(meta["title"]),
            kind=RulebookKind(meta.get("kind", "functional")),
        )
        session.add(rulebook)
        session.flush()
    if any(v.version == parsed.version for v in rulebook.versions):
        raise Conflict(
            f"{parsed.source}: version {parsed.version} of rulebook "
            f"{rulebook.key!r} already exists in {project.slug}."
        )
    major, minor, patch = (int(p) for p in parsed.version.split("."))
    version = RulebookVersion(
        rulebook=rulebook,
        version=parsed.version,
        major=major,
        minor=minor,
        patch=patch,
        title=str(meta["title"])[:200],
        body=parsed.body,
        front_matter=meta,
        sha256=parsed.sha256,
        change_note=str(meta.get("change_note", "")),
        created_by_id=actor.id if actor else None,
    )
    version.clauses = _clauses(parsed)
    session.add(version)
    session.flush()
    record_event(
        session,
        "rulebook.import",
        "rulebook_version",
        version.id,
        actor=actor,
        project_id=project.id,
        details={"rulebook": rulebook.key, "version": version.version, "sha256": version.sha256},
    )
    return version


def update_draft(
    session: Session, version: RulebookVersion, text: str, *, actor: User | None = None
) -> RulebookVersion:
    """Replace a draft's Markdown source (and so its clauses and sha256).

    The version number and rulebook id in the front matter must stay the same; required
    sections are checked only when publishing, so a draft may be saved half-written.

    :raises Conflict: the version is published (published versions never change).
    :raises InvalidInput: the text does not parse, or changes the id or version.
    """
    if version.status != VersionStatus.draft:
        raise Conflict(
            f"Version {version.version} is {version.status.value}; "
            "published versions never change. Start a new draft instead."
        )
    source = f"{version.rulebook.key} {version.version}"
    parsed = parse_rulebook(text, source, strict=False)
    problems = []
    if str(parsed.front_matter.get("id")) != version.rulebook.key:
        problems.append(f"{source}:2: id must stay {version.rulebook.key!r}")
    if parsed.version != version.version:
        problems.append(
            f"{source}:2: version must stay {version.version!r}; "
            "start a new draft for another version"
        )
    if problems:
        raise InvalidInput(f"{source}: draft refused", problems)
    version.body = text
    version.front_matter = parsed.front_matter
    version.title = str(parsed.front_matter["title"])[:200]
    version.change_note = str(parsed.front_matter.get("change_note", ""))
    version.sha256 = parsed.sha256
    version.clauses.clear()
    session.flush()  # delete the old clauses before their keys are reused
    version.clauses.extend(_clauses(parsed))
    session.flush()
    record_event(
        session,
        "rulebook.edit",
        "rulebook_version",
        version.id,
        actor=actor,
        project_id=version.rulebook.project_id,
        details={
            "rulebook": version.rulebook.key,
            "version": version.version,
            "sha256": version.sha256,
        },
    )
    return version


def new_draft_from(
    session: Session, base: RulebookVersion, new_version: str, *, actor: User | None = None
) -> RulebookVersion:
    """Start a draft ``new_version`` whose text is a copy of ``base`` (version bumped).

    :raises InvalidInput: ``new_version`` is not semantic or not newer than ``base``.
    :raises Conflict: that version already exists.
    """
    match = SEMVER_RE.match(new_version.strip())
    if not match:
        raise InvalidInput(f"Version {new_version!r} is not semantic (MAJOR.MINOR.PATCH).")
    new_version = new_version.strip()
    if tuple(int(p) for p in match.groups()) <= (base.major, base.minor, base.patch):
        raise InvalidInput(f"Version {new_version} must be newer than {base.version}.")
    text = re.sub(r"(?m)^version:.*$", f"version: {new_version}", base.body, count=1)
    text = re.sub(
        r"(?m)^change_note:.*$",
        f'change_note: "Describe what changed since {base.version}."',
        text,
        count=1,
    )
    parsed = parse_rulebook(text, f"{base.rulebook.key} {new_version}", strict=False)
    return import_rulebook(session, base.rulebook.project, parsed, actor=actor)


def publish_version(
    session: Session,
    version: RulebookVersion,
    *,
    actor: User | None = None,
    on_publish: Callable[[RulebookVersion], Mapping[str, Any]] | None = None,
) -> RulebookVersion:
    """Publish a draft: it becomes immutable; a major bump requires re-training.

    This is the rulebook's half of publishing; it knows nothing of training. Publish through
    :func:`annotate.services.training.publishing.publish_with_training`, which also gives the
    version its training module: it passes ``on_publish``, called once the version is
    published and flushed, whose result is added to the ``rulebook.publish`` audit event.

    :raises Conflict: the version is not a draft, or is older than a published one.
    :raises InvalidInput: the source lacks what a publishable rulebook needs.
    """
    if version.status != VersionStatus.draft:
        raise Conflict(
            f"Version {version.version} is {version.status.value}; published versions never change."
        )
    parse_rulebook(version.body, f"{version.rulebook.key} {version.version}", strict=True)
    previous = [
        v
        for v in version.rulebook.versions
        if v.status == VersionStatus.published and v.id != version.id
    ]
    newest = max(((v.major, v.minor, v.patch) for v in previous), default=None)
    if newest is not None and newest >= (version.major, version.minor, version.patch):
        raise Conflict(
            f"Version {version.version} is not newer than the published "
            f"{'.'.join(map(str, newest))}; import a higher version."
        )
    version.requires_retraining = newest is None or newest[0] < version.major
    version.status = VersionStatus.published
    version.sha256 = _sha256(version.body)
    version.published_at = utcnow()
    version.published_by_id = actor.id if actor else None
    session.flush()
    details: dict[str, Any] = {
        "rulebook": version.rulebook.key,
        "version": version.version,
        "sha256": version.sha256,
        "requires_retraining": version.requires_retraining,
    }
    if on_publish is not None:
        details.update(on_publish(version))
    record_event(
        session,
        "rulebook.publish",
        "rulebook_version",
        version.id,
        actor=actor,
        project_id=version.rulebook.project_id,
        details=details,
    )
    return version


def find_version(session: Session, project: Project, version: str) -> RulebookVersion:
    """Return the project's rulebook version ``version``.

    :raises NotFound: no such version.
    """
    found = session.scalar(
        sa.select(RulebookVersion)
        .join(Rulebook)
        .where(Rulebook.project_id == project.id, RulebookVersion.version == version)
        .order_by(RulebookVersion.id)
        .limit(1)
    )
    if found is None:
        raise NotFound(f"No rulebook version {version!r} in project {project.slug!r}.")
    return found
