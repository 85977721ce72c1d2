"""Tokens for span labelling: jieba words for Chinese, words and marks for other scripts,
single characters when the project asks; span settings read from the label schema."""

from __future__ import annotations

import pytest

from annotate.models import Project, TaskType
from annotate.services.labeling.tokens import SpanSettings, span_settings, tokenize
from annotate.services.projects.values import normalise_value


def _words(text, mode="words"):
    return [text[a:b] for a, b in tokenize(text, mode)]


def test_chinese_is_segmented_into_words():
    assert _words("马云在杭州创办了阿里巴巴集团。") == [
        "马云", "在", "杭州", "创办", "了", "阿里巴巴", "集团", "。",
    ]  # fmt: skip


def test_other_scripts_split_into_words_and_marks_and_mixed_text_keeps_offsets():
    text = "Tencent's CEO, Ma Huateng,  works in 深圳市 (since 1998) — well-known."
    tokens = tokenize(text)
    assert _words(text)[:6] == ["Tencent", "'", "s", "CEO", ",", "Ma"]
    assert "深圳市" in _words(text) and "well-known" in _words(text) and "1998" in _words(text)
    assert all(not text[a:b].isspace() and text[a:b].strip() == text[a:b] for a, b in tokens)
    assert all(b <= a2 for (_, b), (a2, _) in zip(tokens, tokens[1:], strict=False))


def test_offsets_are_code_points_beyond_the_basic_plane():
    text = "𠮷野家 in Tokyo"  # 𠮷 is one code point (two UTF-16 units in the browser)
    assert tokenize(text)[0][0] == 0 and _words(text)[-1] == "Tokyo"
    assert "".join(_words(text)).startswith("𠮷")


def test_character_tokens_skip_whitespace():
    assert _words("马 云A", "chars") == ["马", "云", "A"]
    with pytest.raises(ValueError):
        tokenize("x", "sentences")


def test_span_settings_default_and_read_from_the_schema():
    assert span_settings({}) == SpanSettings("words", "token", False)
    assert span_settings({"spans": {"tokens": "chars", "snap": "char", "overlap": True}}) == (
        SpanSettings("chars", "char", True)
    )
    assert span_settings({"spans": {"tokens": "bogus", "overlap": "yes"}}) == SpanSettings()
    assert span_settings({"spans": "nonsense"}) == SpanSettings()


def test_overlaps_are_refused_unless_the_schema_allows_them_and_duplicates_always():
    project = Project(task_type=TaskType.span, label_schema={"labels": [{"key": "PER"}]})
    text = {"text": "Ada Lovelace"}
    nested = [{"start": 0, "end": 12, "label": "PER"}, {"start": 0, "end": 3, "label": "PER"}]
    value, problems = normalise_value(project, nested, text)
    assert value is None and "overlap" in problems[0]
    project.label_schema = {**project.label_schema, "spans": {"overlap": True}}
    value, problems = normalise_value(project, nested, text)
    assert problems == [] and value == sorted(nested, key=lambda s: (s["start"], s["end"]))
    value, problems = normalise_value(project, [nested[0], nested[0]], text)
    assert value is None and "marked twice" in problems[0]


def test_span_settings_are_changed_from_the_cli_and_audited(runner, db, make_project):
    import sqlalchemy as sa

    from annotate.models import AuditEvent

    project = make_project("ner-zh", "span", labels=["PER"])
    result = runner.invoke(args=["project", "spans", "ner-zh"])
    assert result.exit_code == 0 and "tokens=words snap=token overlap=false" in result.output
    result = runner.invoke(args=["project", "spans", "ner-zh", "--tokens", "chars", "--overlap"])
    assert "tokens=chars snap=token overlap=true" in result.output
    db.session.refresh(project)
    assert span_settings(project.label_schema) == SpanSettings("chars", "token", True)
    assert project.labels[0]["key"] == "PER"  # the labels are kept
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "project.settings"))
    assert event.details["changes"] == {
        "spans.tokens": {"old": "words", "new": "chars"},
        "spans.overlap": {"old": False, "new": True},
    }
    make_project("plain")
    refused = runner.invoke(args=["project", "spans", "plain", "--snap", "char"])
    assert refused.exit_code != 0 and "Only span projects" in refused.output
