"""Read rulebook files (and the quiz next to each) from ``guidelines/``-style paths.

``load_sources`` takes a file or a directory: a directory holds every ``vN.md`` (and
``module.md`` for the legal-awareness module). Every file and quiz is parsed and checked
before anything is written; ``services.training.publishing.import_path`` writes them (drafts
with their training modules), so this package never depends on training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annotate.services.errors import InvalidInput
from annotate.services.rulebooks.parsing import SEMVER_RE, ParsedRulebook, parse_rulebook_file
from annotate.services.rulebooks.quizzes import ParsedQuiz, parse_quiz_file, quiz_path_for


def _sources(path: Path) -> list[Path]:
    if not path.exists():
        raise InvalidInput(f"{path}: no such file or directory.")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.glob("v*.md") if p.is_file())
    if (path / "module.md").is_file():
        files.append(path / "module.md")
    if not files:
        raise InvalidInput(
            f"{path}: no rulebook files (vMAJOR.MINOR.PATCH.md or module.md) in this directory."
        )
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
                quiz = parse_quiz_file(
                    quiz_file,
                    rulebook=str(parsed.front_matter["id"]),
                    version=parsed.version,
                    clause_keys={c.key for c in parsed.clauses},
                )
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


@dataclass(frozen=True)
class Template:
    """A shipped rulebook a project's first rulebook can start from (newest version)."""

    key: str
    title: str
    path: Path
    quiz_path: Path | None


def rulebook_templates(guidelines: Path) -> list[Template]:
    """The newest version of every rulebook under ``guidelines`` (the legal module aside)."""
    templates = []
    for folder in (
        sorted(p for p in guidelines.iterdir() if p.is_dir()) if guidelines.is_dir() else []
    ):
        files = []
        for file in folder.glob("v*.md"):
            match = SEMVER_RE.match(file.stem[1:])
            if match:
                files.append((tuple(int(n) for n in match.groups()), file))
        if not files:
            continue
        newest = max(files)[1]
        try:
            parsed = parse_rulebook_file(newest)
        except (InvalidInput, OSError, UnicodeDecodeError):
            continue
        quiz = quiz_path_for(newest)
        templates.append(
            Template(
                folder.name,
                str(parsed.front_matter.get("title", folder.name)),
                newest,
                quiz if quiz.is_file() else None,
            )
        )
    return templates
