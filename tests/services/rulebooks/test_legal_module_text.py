"""The legal-awareness module quotes the official Simplified-Chinese text of the Interim
Measures exactly (issue 18, item 7): every quoted paragraph is a paragraph of the official
text shipped beside the module, in both language versions of the module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from annotate.services.rulebooks.files import load_sources

LEGAL = Path(__file__).resolve().parents[3] / "guidelines" / "legal-awareness"
OFFICIAL = LEGAL / "interim-measures-genai-2023.zh-Hans.txt"
SHARED = Path("/work/shared/regulation/interim-measures-genai-2023.zh-Hans.txt")
CJK = re.compile(r"[\u4e00-\u9fff]")
#: Traditional forms (and the 規范 conversion error) the old module quoted.
TRADITIONAL = set("條規範標準內與為應當數據據護權個進開質評監導術華國網絡訊號")


def _official_paragraphs() -> set[str]:
    return {line.strip() for line in OFFICIAL.read_text(encoding="utf-8").splitlines() if line}


def _quoted_paragraphs(path: Path) -> list[str]:
    """Every block-quoted paragraph written in Chinese (the quotes of the law)."""
    return [
        line[2:].strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("> ") and CJK.search(line)
    ]


def test_the_packaged_official_text_is_the_shared_one():
    if not SHARED.is_file():
        pytest.skip("the shared regulation folder is not on this machine")
    assert OFFICIAL.read_bytes() == SHARED.read_bytes()


@pytest.mark.parametrize("name", ["module.md", "module.en.md"])
def test_every_quoted_article_is_the_official_text_exactly(name):
    official = _official_paragraphs()
    quoted = _quoted_paragraphs(LEGAL / name)
    articles = [q.split(" ", 1)[0] for q in quoted if re.match(r"^第[一二三四五六七八九十]+条 ", q)]
    assert articles == [
        "第八条",
        "第四条",
        "第七条",
        "第十一条",
        "第十四条",
        "第十九条",
        "第九条",
        "第二十一条",
        "第二条",
        "第二十二条",
    ]
    assert len(quoted) >= 30
    assert [q for q in quoted if q not in official] == []
    # Each article quoted whole: all its paragraphs, in order.
    text = [line.strip() for line in OFFICIAL.read_text(encoding="utf-8").splitlines() if line]
    for start, paragraph in enumerate(quoted):
        if paragraph in articles or re.match(r"^第[一二三四五六七八九十]+条 ", paragraph):
            at = text.index(paragraph)
            following = []
            for line in text[at + 1 :]:
                if re.match(r"^第[一二三四五六七八九十]+[条章]", line):
                    break
                following.append(line)
            assert quoted[start + 1 : start + 1 + len(following)] == following


def test_the_chinese_module_is_simplified_with_full_width_punctuation():
    text = (LEGAL / "module.md").read_text(encoding="utf-8")
    assert not TRADITIONAL & set(text), sorted(TRADITIONAL & set(text))
    assert "規范" not in text and "规范" in text
    body = text.split("---", 2)[2]
    chinese_lines = [
        line
        for line in body.splitlines()
        if CJK.search(line) and not line.startswith("> ") and not line.startswith("### ")
    ]
    # Chinese prose uses full-width commas and full stops, not ASCII ones.
    assert [line for line in chinese_lines if re.search(r"[\u4e00-\u9fff][,.]", line)] == []
    for name in ("quiz.yaml", "quiz.en.yaml", "module.en.md"):
        assert not TRADITIONAL & set((LEGAL / name).read_text(encoding="utf-8")), name


def test_the_module_is_chinese_with_an_english_translation_beside_each_article():
    [source] = load_sources(LEGAL)
    assert source.parsed.language == "zh"
    assert [t.language for t in source.translations] == ["en"]
    assert [c.key for c in source.parsed.clauses] == [f"L{n}" for n in range(1, 10)]
    text = (LEGAL / "module.md").read_text(encoding="utf-8")
    sections = re.split(r"(?m)^### ", text)[1:]
    for section in sections[:8]:  # L1–L8 quote the Measures; L9 is the national standard
        assert "**原文：**" in section and "**English translation:**" in section
        assert re.search(r"(?m)^> Article \d+\. ", section)
    for question in source.quiz.questions:
        assert CJK.search(question.prompt)
        assert not CJK.search(question.translations["en"]["prompt"])
