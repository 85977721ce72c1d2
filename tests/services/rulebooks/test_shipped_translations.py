"""Every shipped translation says what its primary text says (issue 18, item 7): same id,
version, kind, task type, label keys, clause keys in order and decisions, and a quiz that
asks the same questions with the same answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotate.services.rulebooks.files import load_sources, translation_files
from annotate.services.rulebooks.languages import translation_problems
from annotate.services.rulebooks.parsing import parse_rulebook_file

GUIDELINES = Path(__file__).resolve().parents[3] / "guidelines"
PRIMARIES = sorted(
    p
    for p in GUIDELINES.glob("*/v*.md")
    if p.stem.count(".") == 2  # v1.0.0.md, not its translation v1.0.0.en.md
)


@pytest.mark.parametrize("primary", PRIMARIES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_translations_match_their_primary_text(primary):
    parsed = parse_rulebook_file(primary)
    for other in translation_files(primary):
        assert translation_problems(parsed, parse_rulebook_file(other)) == []


@pytest.mark.parametrize("folder", sorted({p.parent for p in PRIMARIES}), ids=lambda p: p.name)
def test_shipped_rulebooks_load_with_their_translated_quizzes(folder):
    for source in load_sources(folder):  # raises on any translation or quiz mismatch
        languages = {t.language for t in source.translations}
        if source.quiz is not None:
            for question in source.quiz.questions:
                assert set(question.translations) == languages


def test_the_sentiment_rulebook_is_translated_into_chinese():
    sources = load_sources(GUIDELINES / "sentiment")
    assert [s.parsed.version for s in sources] == ["1.0.0", "2.0.0"]
    for source in sources:
        assert source.parsed.language == "en"
        [zh] = source.translations
        assert zh.language == "zh" and zh.front_matter["title"] == "商品评论情感"
        assert [c.key for c in zh.clauses] == [c.key for c in source.parsed.clauses]
        assert all(q.translations["zh"]["prompt"] for q in source.quiz.questions)
