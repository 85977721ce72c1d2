"""Rulebooks: parse the Markdown sources, import them as drafts, publish immutable versions."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session, utcnow
from annotate.labels import label
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
from annotate.services.locks import lock_row
from annotate.services.problems import problem
from annotate.services.rulebooks import guard as rulebook_guard  # noqa: F401  (installs the immutability guard)
from annotate.services.rulebooks.bump import bump_problem, project_label_problem
from annotate.services.rulebooks.clause_questions import unknown_question_problem
from annotate.services.rulebooks.languages import (
    stored_translation_problems,
    translation_entry,
    translation_problems,
)
from annotate.services.rulebooks.parsing import SEMVER_RE, ParsedRulebook, parse_rulebook


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
    session: Session,
    project: Project,
    parsed: ParsedRulebook,
    *,
    actor: User | None = None,
    translations: list[ParsedRulebook] | None = None,
) -> RulebookVersion:
    """Store ``parsed`` as a draft version of the project's rulebook with that id, with
    ``translations`` of it (same version number, other languages) stored on the version.

    :raises InvalidInput: the source is the legal-awareness module, not a rulebook, or a
        translation does not match it.
    :raises Conflict: that version already exists.
    """
    meta = parsed.front_matter
    problems = [p for other in translations or [] for p in translation_problems(parsed, other)]
    if problems:
        raise InvalidInput(f"{parsed.source}: {problem('translation_refused')}", problems)
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
        taken = {"version": parsed.version, "key": repr(rulebook.key), "project": project.slug}
        raise Conflict(f"{parsed.source}: {problem('version_exists', **taken)}")
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
        language=parsed.language,
        translations={t.language: translation_entry(t) for t in translations or []} or None,
    )
    version.clauses = _clauses(parsed)
    session.add(version)
    session.flush()
    details: dict[str, Any] = {
        "rulebook": rulebook.key,
        "version": version.version,
        "sha256": version.sha256,
        "language": version.language,
    }
    if version.translations:
        details["translations"] = {k: v["sha256"] for k, v in version.translations.items()}
    record_event(
        session,
        "rulebook.import",
        "rulebook_version",
        version.id,
        actor=actor,
        project_id=project.id,
        details=details,
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
            _l(
                "Version %(version)s is %(status)s; published versions never change. Start a "
                "new draft instead.",
                version=version.version,
                status=label(version.status),
            )
        )
    source = f"{version.rulebook.key} {version.version}"
    parsed = parse_rulebook(text, source, strict=False)
    problems = []
    if str(parsed.front_matter.get("id")) != version.rulebook.key:
        problems.append(f"{source}:2: {problem('id_stays', id=repr(version.rulebook.key))}")
    if parsed.version != version.version:
        problems.append(
            f"{source}:2: {problem('version_stays_draft', version=repr(version.version))}"
        )
    if problems:
        raise InvalidInput(f"{source}: {problem('draft_refused')}", problems)
    version.body = text
    version.language = parsed.language
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
        raise InvalidInput(
            _l(
                "Version %(version)s is not semantic (MAJOR.MINOR.PATCH).",
                version=repr(new_version),
            )
        )
    new_version = new_version.strip()
    if tuple(int(p) for p in match.groups()) <= (base.major, base.minor, base.patch):
        raise InvalidInput(
            _l("Version %(v)s must be newer than %(base)s.", v=new_version, base=base.version)
        )
    source = f"{base.rulebook.key} {new_version}"
    parsed = parse_rulebook(_bumped(base.body, base.version, new_version), source, strict=False)
    translations = [
        parse_rulebook(
            _bumped(str(entry.get("body", "")), base.version, new_version),
            f"{source} ({language})",
            strict=False,
        )
        for language, entry in sorted((base.translations or {}).items())
    ]
    return import_rulebook(
        session, base.rulebook.project, parsed, actor=actor, translations=translations
    )


def _bumped(text: str, old: str, new: str) -> str:
    """``text`` with its front matter's version set to ``new`` and a change note to write."""
    text = re.sub(r"(?m)^version:.*$", f"version: {new}", text, count=1)
    return re.sub(
        r"(?m)^change_note:.*$",
        f'change_note: "Describe what changed since {old}."',
        text,
        count=1,
    )


def publish_version(
    session: Session,
    version: RulebookVersion,
    *,
    actor: User | None = None,
    on_publish: Callable[[RulebookVersion], Mapping[str, Any]] | None = None,
    now: datetime | None = None,
) -> RulebookVersion:
    """Publish a draft: it becomes immutable; a major bump requires re-training.

    ``now`` is the publication time (default: now; the demo seeds a past).

    This is the rulebook's half of publishing; it knows nothing of training. Publish through
    :func:`annotate.services.training.publishing.publish_with_training`, which also gives the
    version its training module: it passes ``on_publish``, called once the version is
    published and flushed, whose result is added to the ``rulebook.publish`` audit event.

    :raises Conflict: the version is not a draft, or is older than a published one.
    :raises InvalidInput: the source lacks what a publishable rulebook needs.
    """
    # One publication per rulebook at a time: a second publisher waits here, then sees the
    # first one's version (and this version's status) as committed.
    rulebook = lock_row(session, version.rulebook)
    session.refresh(version)
    if version.status != VersionStatus.draft:
        raise Conflict(
            _l(
                "Version %(version)s is %(status)s; published versions never change.",
                version=version.version,
                status=label(version.status),
            )
        )
    source = f"{rulebook.key} {version.version}"
    parse_rulebook(version.body, source, strict=True)
    problems = stored_translation_problems(version.body, version.translations, source)
    if problems:
        raise InvalidInput(f"{source}: a translation does not match the text", problems)
    previous = session.scalars(
        sa.select(RulebookVersion).where(
            RulebookVersion.rulebook_id == rulebook.id,
            RulebookVersion.status == VersionStatus.published,
            RulebookVersion.id != version.id,
        )
    ).all()
    newest = max(((v.major, v.minor, v.patch) for v in previous), default=None)
    if newest is not None and newest >= (version.major, version.minor, version.patch):
        raise Conflict(
            _l(
                "Version %(version)s is not newer than the published %(newest)s; import a "
                "higher version.",
                version=version.version,
                newest=".".join(map(str, newest)),
            )
        )
    check_publishable(version)
    version.requires_retraining = newest is None or newest[0] < version.major
    version.status = VersionStatus.published
    version.sha256 = _sha256(version.body)
    version.published_at = now or utcnow()
    version.published_by_id = actor.id if actor else None
    session.flush()
    details: dict[str, Any] = {
        "rulebook": version.rulebook.key,
        "version": version.version,
        "sha256": version.sha256,
        "requires_retraining": version.requires_retraining,
        "language": version.language,
    }
    if version.translations:
        details["translations"] = {k: v["sha256"] for k, v in version.translations.items()}
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


def check_publishable(version: RulebookVersion) -> None:
    """Refuse a version whose number is too small for its changes (a minor or patch version
    that changes labels, the task type or a clause's decision), and an acknowledge-only
    version whose labels are not the project's.

    :raises InvalidInput: naming why.
    """
    problem = bump_problem(version)
    if problem is None and not _requires_retraining(version):
        problem = project_label_problem(version, version.rulebook.project)
    if problem is None:  # a form project's clauses name only its questions
        problem = unknown_question_problem(version.clauses, version.rulebook.project)
    if problem is not None:
        raise InvalidInput(problem)


def _requires_retraining(version: RulebookVersion) -> bool:
    published = [
        v.major
        for v in version.rulebook.versions
        if v.status == VersionStatus.published and v.id != version.id
    ]
    return not published or max(published) < version.major


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
        raise NotFound(
            _l(
                "No rulebook version %(version)s in project %(project)s.",
                version=repr(version),
                project=project.slug,
            )
        )
    return found
