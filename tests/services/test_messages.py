"""Messages stored as codes with parameters, rendered in the reader's language."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from annotate.messages import error_type_name, label_name, message, reason_text, render
from annotate.services.messages import MESSAGES, english
from annotate.services.messages import message as make
from annotate.services.projects.schema import (
    SchemaError,
    check_error_types,
    error_type_keys,
)
from annotate.services.projects.schema import error_type_name as schema_name


def _reading(app, language):
    """A request in ``language`` (Flask-Babel keeps the locale on the test's app context)."""
    from contextlib import contextmanager

    from flask_babel import refresh

    @contextmanager
    def _ctx():
        with app.test_request_context(headers={"Accept-Language": language}):
            refresh()
            yield

    return _ctx()


ALERT = make("supervision.alert", metric="cohen_kappa", value=0.41234, threshold=0.6, n=12)


def test_a_code_renders_in_the_readers_language(app):
    with _reading(app, "zh-CN"):
        assert render(*ALERT) == "Cohen's κ（两两平均） 0.412 低于阈值 0.600（n = 12）"
        verdict = make("review.verdict_clause", verdict="incorrect", clause="R1.2", comment="见 R1")
        assert render(*verdict) == "审核结论：错误。条款 R1.2。 见 R1"
    with _reading(app, "en"):
        assert render(*ALERT) == "Cohen's κ (mean pair) 0.412 is below the threshold 0.600 (n = 12)"


def test_the_stored_english_and_the_fallbacks(app):
    assert english(*ALERT, metric="agreement with peers") == (
        "agreement with peers 0.412 is below the threshold 0.600 (n = 12)"
    )
    with _reading(app, "zh-CN"):
        # A row nobody could recognise, a reason a person typed: shown as stored.
        assert message(SimpleNamespace(code=None, params=None, reason="低于阈值")) == "低于阈值"
        old = SimpleNamespace(code="gone.away", params={}, message="Well done!")
        assert message(old) == "Well done!"
        broken = SimpleNamespace(code="supervision.alert", params={"n": 1}, message="x")
        assert message(broken) == "x"  # parameters that do not fit: the stored text
        assert reason_text("undefined: no reviews yet") == "无定义: 暂无审核"
        assert reason_text("something new") == "something new"
    with pytest.raises(KeyError):
        make("no.such.code")
    assert "supervision.suspend" in MESSAGES


def test_error_types_and_labels_per_language(app):
    project = SimpleNamespace(
        error_types=[
            "wrong_label",
            {"key": "tone", "name": "wrong tone", "name_zh": "语气不当"},
            "x1",
        ],
        labels=[{"key": "pos", "name": "positive", "name_zh": "正面"}],
    )
    assert error_type_keys(project.error_types) == ["wrong_label", "tone", "x1"]
    assert schema_name(project.error_types, "tone", "en") == "wrong tone"
    with _reading(app, "zh-CN"):
        assert error_type_name(project, "wrong_label") == "标签错误"
        assert error_type_name(project, "tone") == "语气不当"
        assert error_type_name(project, "x1") == "x1"
        assert label_name(project, "pos") == "正面"
    with _reading(app, "en"):
        assert error_type_name(project, "wrong_label") == "wrong label"
        assert label_name(project, "pos") == "positive"


def test_error_types_are_checked():
    assert check_error_types(["wrong_label", {"key": "tone", "name_zh": "语气"}]) == [
        "wrong_label",
        {"key": "tone", "name_zh": "语气"},
    ]
    for bad in (["a b"], ["x", "x"], [{"key": "t", "name": "n" * 101}]):
        with pytest.raises(SchemaError):
            check_error_types(bad)
