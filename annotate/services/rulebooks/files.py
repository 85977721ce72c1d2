"""Import rulebook files (and the quiz next to each) from ``guidelines/``-style paths.

``import_path`` takes a file or a directory: a directory imports every ``vN.md`` inside
(and ``module.md`` for the legal-awareness module), all-or-nothing — every file and quiz is
parsed and checked before anything is written, and the caller rolls back on any error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from annotate.database import Session
from annotate.models import Project, RulebookVersion, TrainingModule, User
from annotate.services.errors import InvalidInput
from annotate.services.rulebooks.quizzes import ParsedQuiz, parse_quiz_file, quiz_path_for
from annotate.services.rulebooks.versions import (
    ParsedRulebook,
    import_rulebook,
    parse_rulebook_file,
)
from annotate.services.training.modules import create_module, install_legal_module


@dataclass
class ImportResult:
    """What an import created."""

    versions: list[RulebookVersion] = field(default_factory=list)
    legal_modules: list[TrainingModule] = field(default_factory=list)


def _sources(path: Path) -> list[Path]:
    if not path.exists():
        raise InvalidInput(f"{path}: no such file or directory.")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.glob("v*.md") if p.is_file())
    if (path / "module.md").is_file():
        files.append(path / "module.md")
    if not files:
        raise InvalidInput(f"{path}: no rulebook files (vMAJOR.MINOR.PATCH.md or module.md) "
                           "in this directory.")
    return files


def load_sources(path: Path) -> list[tuple[ParsedRulebook, ParsedQuiz | None]]:
    """Parse every rulebook under ``path`` with its quiz, oldest version first.

    :raises InvalidInput: listing every problem in every file (nothing is imported).
    """
    loaded: list[tuple[ParsedRulebook, ParsedQuiz | None]] = []
    problems: list[str] = []
    for file in _sources(path):
        try:
            parsed = parse_rulebook_file(file)
        except InvalidInput as error:
            problems.extend(error.problems or [str(error)])
            continue
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{file}: cannot read: {error}")
            continue
        quiz_file = quiz_path_for(file)
        quiz = None
        if quiz_file.is_file():
            try:
                quiz = parse_quiz_file(quiz_file, rulebook=str(parsed.front_matter["id"]),
                                       version=parsed.version,
                                       clause_keys={c.key for c in parsed.clauses})
            except InvalidInput as error:
                problems.extend(error.problems or [str(error)])
                continue
        elif parsed.front_matter.get("kind") == "legal":
            problems.append(f"{file}: the legal-awareness module needs its quiz {quiz_file}")
        loaded.append((parsed, quiz))
    if problems:
        raise InvalidInput(f"{path}: nothing imported", problems)
    loaded.sort(key=lambda pair: tuple(int(p) for p in pair[0].version.split(".")))
    return loaded


def import_path(session: Session, path: Path, project: Project | None, *,
                actor: User | None = None) -> ImportResult:
    """Import rulebook drafts (with their training modules) and legal modules from ``path``.

    :raises InvalidInput: a file is malformed, or a rulebook is given without a project.
    :raises Conflict: a version already exists (the caller rolls back everything).
    """
    result = ImportResult()
    for parsed, quiz in load_sources(path):
        if parsed.front_matter.get("kind") == "legal":
            assert quiz is not None
            result.legal_modules.append(install_legal_module(session, parsed, quiz,
                                                             actor=actor))
            continue
        if project is None:
            raise InvalidInput(f"{parsed.source}: a rulebook needs a target project "
                               "(--project SLUG).")
        version = import_rulebook(session, project, parsed, actor=actor)
        create_module(session, version, quiz)
        result.versions.append(version)
    return result
