"""Read rulebook files (and the quiz next to each) from ``guidelines/``-style paths.

``load_sources`` takes a file or a directory: a directory holds every ``vN.md`` (and
``module.md`` for the legal-awareness module), each with its translations beside it
(``v1.0.0.en.md`` with ``v1.0.0.en.quiz.yaml``; ``module.en.md`` with ``quiz.en.yaml``).
Every file and quiz is parsed and checked before anything is written;
``services.training.publishing.import_path`` writes them (drafts with their training
modules), so this package never depends on training.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from annotate.services.errors import InvalidInput
from annotate.services.rulebooks.languages import translation_problems
from annotate.services.rulebooks.parsing import SEMVER_RE, ParsedRulebook, parse_rulebook_file
from annotate.services.rulebooks.quizzes import (
    ParsedQuiz,
    add_translation,
    parse_quiz_file,
    quiz_path_for,
)

#: ``v1.0.0.en.md`` / ``module.en.md``: the translation of ``v1.0.0.md`` / ``module.md``.
TRANSLATION_RE = re.compile(r"^(v\d+\.\d+\.\d+|module)\.([a-z]{2})\.md$")


@dataclass
class Source:
    """A rulebook (or legal module) source with its quiz and its translations."""

    parsed: ParsedRulebook
    quiz: ParsedQuiz | None
    translations: list[ParsedRulebook] = field(default_factory=list)


def translation_files(primary: Path) -> list[Path]:
    """The translations beside ``primary`` (``v1.0.0.md`` → ``v1.0.0.en.md``, …)."""
    return sorted(
        p
        for p in primary.parent.glob(primary.stem + ".*.md")
        if p.is_file() and (m := TRANSLATION_RE.match(p.name)) and m[1] == primary.stem
    )


def _sources(path: Path) -> list[Path]:
    if not path.exists():
        raise InvalidInput(f"{path}: no such file or directory.")
    if path.is_file():
        translation = TRANSLATION_RE.match(path.name)
        if translation:
            raise InvalidInput(
                f"{path}: this is a translation; import its primary text "
                f"({translation[1]}.md), which brings its translations."
            )
        return [path]
    files = sorted(
        p for p in path.glob("v*.md") if p.is_file() and not TRANSLATION_RE.match(p.name)
    )
    if (path / "module.md").is_file():
        files.append(path / "module.md")
    if not files:
        raise InvalidInput(
            f"{path}: no rulebook files (vMAJOR.MINOR.PATCH.md or module.md) in this directory."
        )
    return files


def _quiz(file: Path, parsed: ParsedRulebook) -> ParsedQuiz | None:
    """The quiz beside ``file``, checked against ``parsed`` (None: there is none)."""
    quiz_file = quiz_path_for(file)
    if not quiz_file.is_file():
        return None
    return parse_quiz_file(
        quiz_file,
        rulebook=str(parsed.front_matter["id"]),
        version=parsed.version,
        clause_keys={c.key for c in parsed.clauses},
    )


def _translations(file: Path, source: Source) -> list[str]:
    """Read the translations of ``file`` into ``source``; the problems found."""
    problems: list[str] = []
    for other in translation_files(file):
        try:
            parsed = parse_rulebook_file(other)
            wrong = translation_problems(source.parsed, parsed)
            if wrong:
                problems.extend(wrong)
                continue
            quiz = _quiz(other, parsed)
            if source.quiz is not None and quiz is None:
                problems.append(f"{other}: the translation needs its quiz {quiz_path_for(other)}")
                continue
            if quiz is not None and source.quiz is not None:
                add_translation(source.quiz, quiz, parsed.language, str(quiz_path_for(other)))
            source.translations.append(parsed)
        except InvalidInput as error:
            problems.extend(error.problems or [str(error)])
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{other}: cannot read: {error}")
    return problems


def load_sources(path: Path) -> list[Source]:
    """Parse every rulebook under ``path`` with its quiz and translations, oldest version
    first.

    :raises InvalidInput: listing every problem in every file (nothing is imported).
    """
    loaded: list[Source] = []
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
        try:
            quiz = _quiz(file, parsed)
        except InvalidInput as error:
            problems.extend(error.problems or [str(error)])
            continue
        if quiz is None and parsed.front_matter.get("kind") == "legal":
            problems.append(
                f"{file}: the legal-awareness module needs its quiz {quiz_path_for(file)}"
            )
        source = Source(parsed, quiz)
        problems.extend(_translations(file, source))
        loaded.append(source)
    if problems:
        raise InvalidInput(f"{path}: nothing imported", problems)
    loaded.sort(key=lambda s: tuple(int(p) for p in s.parsed.version.split(".")))
    return loaded


@dataclass(frozen=True)
class Template:
    """A shipped rulebook a project's first rulebook can start from (newest version)."""

    key: str
    title: str
    path: Path
    quiz_path: Path | None
    #: Its translations: (Markdown, quiz or None) beside it.
    translations: tuple[tuple[Path, Path | None], ...] = ()


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
                tuple(
                    (other, quiz_path_for(other) if quiz_path_for(other).is_file() else None)
                    for other in translation_files(newest)
                ),
            )
        )
    return templates
