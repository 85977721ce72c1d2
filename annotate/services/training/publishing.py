"""Rulebook versions together with their training modules: importing and publishing.

``services.rulebooks`` parses, stores and publishes rulebooks and knows nothing of training;
``services.training`` builds on it. What needs both is orchestrated here, one level above
them: a draft imported with its quiz becomes a training module, and a published version gets
its module (created if the import brought no quiz) with gold items of the project added to
its quiz.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from annotate.database import Session
from annotate.models import Project, RulebookVersion, TrainingModule, User
from annotate.services.errors import InvalidInput
from annotate.services.rulebooks.files import load_sources
from annotate.services.rulebooks.versions import import_rulebook, publish_version
from annotate.services.training.modules import create_module, ensure_module, install_legal_module


@dataclass
class ImportResult:
    """What an import created."""

    versions: list[RulebookVersion] = field(default_factory=list)
    legal_modules: list[TrainingModule] = field(default_factory=list)


def import_path(
    session: Session, path: Path, project: Project | None, *, actor: User | None = None
) -> ImportResult:
    """Import rulebook drafts (with their training modules) and legal modules from ``path``
    (a file, or a directory as :func:`~annotate.services.rulebooks.files.load_sources` reads
    it: all-or-nothing, every file and quiz checked before anything is written).

    :raises InvalidInput: a file is malformed, or a rulebook is given without a project.
    :raises Conflict: a version already exists (the caller rolls back everything).
    """
    result = ImportResult()
    for parsed, quiz in load_sources(path):
        if parsed.front_matter.get("kind") == "legal":
            assert quiz is not None
            result.legal_modules.append(install_legal_module(session, parsed, quiz, actor=actor))
            continue
        if project is None:
            raise InvalidInput(
                f"{parsed.source}: a rulebook needs a target project (--project SLUG)."
            )
        version = import_rulebook(session, project, parsed, actor=actor)
        create_module(session, version, quiz)
        result.versions.append(version)
    return result


def publish_with_training(
    session: Session,
    version: RulebookVersion,
    *,
    actor: User | None = None,
    now: datetime | None = None,
) -> RulebookVersion:
    """Publish a draft (:func:`~annotate.services.rulebooks.versions.publish_version`) and
    give it its training module, with gold items of the project added to its quiz; the
    ``rulebook.publish`` audit event names the module and its number of questions.

    :raises Conflict: the version is not a draft, or is older than a published one.
    :raises InvalidInput: the source lacks what a publishable rulebook needs.
    """

    def with_module(published: RulebookVersion) -> dict[str, int]:
        module = ensure_module(session, published)
        return {"training_module": module.id, "questions": len(module.questions)}

    return publish_version(session, version, actor=actor, on_publish=with_module, now=now)
