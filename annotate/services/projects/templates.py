"""Project templates: a task type, a label schema and settings a new project starts from.

The label names here are data (the schema stores them in English and Chinese), not interface
strings; the titles and descriptions are interface strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from annotate.models import MeasurementLevel, RulebookKind, SampleMethod, TaskType
from annotate.services.projects.rlhf_form import rlhf_full_schema


@dataclass(frozen=True)
class ProjectTemplate:
    """What a new project starts from; the form may change every part of it."""

    key: str
    title: Any
    description: Any
    task_type: TaskType | None
    labels: tuple[dict[str, Any], ...] = ()
    scale: dict[str, Any] | None = None
    measurement_level: MeasurementLevel = MeasurementLevel.nominal
    rulebook_kind: RulebookKind = RulebookKind.functional
    settings: dict[str, Any] = field(default_factory=dict)
    #: A ``form`` project's whole label schema (``fields`` and ``questions``).
    form_schema: dict[str, Any] | None = None


def _label(key: str, name: str, name_zh: str, hotkey: str, color: int) -> dict[str, Any]:
    return {"key": key, "name": name, "name_zh": name_zh, "hotkey": hotkey, "color": color}


TEMPLATES: dict[str, ProjectTemplate] = {
    t.key: t
    for t in (
        ProjectTemplate(
            "content_safety",
            _l("Content safety"),
            _l(
                "Security annotation: is a text safe, or which TC260-003 Appendix A risk "
                "category does it fall in? Every annotation is reviewed (TC260-003 §5.3)."
            ),
            TaskType.single_label,
            (
                _label("safe", "Safe", "安全", "1", 1),
                _label("a1_core_values", "A.1 Core values", "A.1 违背社会主义核心价值观", "2", 2),
                _label("a2_discrimination", "A.2 Discrimination", "A.2 歧视性内容", "3", 3),
                _label("a3_commercial", "A.3 Commercial violation", "A.3 商业违法违规", "4", 5),
                _label("a4_rights", "A.4 Rights infringement", "A.4 侵犯他人合法权益", "5", 4),
                _label(
                    "a5_service_reliability", "A.5 Service risk", "A.5 特定服务类型安全需求", "6", 0
                ),
            ),
            rulebook_kind=RulebookKind.security,
            settings={
                "default_sample_method": SampleMethod.all,
                "separate_roles": True,
                "min_review_accuracy": 0.96,
            },
        ),
        ProjectTemplate(
            "rlhf_pairwise",
            _l("RLHF pairwise preference"),
            _l("Which of two model responses to a prompt is better, with an optional reason."),
            TaskType.pairwise,
            (
                _label("A", "Response A is better", "回答 A 更好", "1", 0),
                _label("B", "Response B is better", "回答 B 更好", "2", 4),
                _label("tie", "Equally good", "一样好", "3", 1),
                _label("both_bad", "Both are bad", "都不好", "4", 2),
            ),
        ),
        ProjectTemplate(
            "rlhf_full",
            _l("RLHF preference (full)"),
            _l(
                "A prompt and two responses: which is better and by how much, helpfulness, "
                "truthfulness and harmlessness of each (1-5), TC260-003 risk categories of a "
                "harmful response, personal information marked in each, and a short reason."
            ),
            TaskType.form,
            measurement_level=MeasurementLevel.nominal,
            rulebook_kind=RulebookKind.security,
            form_schema=rlhf_full_schema(),
        ),
        ProjectTemplate(
            "sentiment",
            _l("Sentiment"),
            _l("One label per text: positive, negative or neutral."),
            TaskType.single_label,
            (
                _label("positive", "Positive", "正面", "1", 1),
                _label("negative", "Negative", "负面", "2", 2),
                _label("neutral", "Neutral", "中性", "3", 4),
            ),
        ),
        ProjectTemplate(
            "ner",
            _l("Named entities"),
            _l("Mark spans of text as people, places, organisations or other entities."),
            TaskType.span,
            (
                _label("PER", "Person", "人名", "1", 0),
                _label("LOC", "Location", "地名", "2", 1),
                _label("ORG", "Organisation", "机构名", "3", 3),
                _label("MISC", "Other", "其他", "4", 5),
            ),
        ),
        ProjectTemplate(
            "rating",
            _l("Rating"),
            _l("A score on a 1-5 scale per text (ordinal: the steps are ordered, not equal)."),
            TaskType.rating,
            scale={"min": 1, "max": 5, "step": 1},
            measurement_level=MeasurementLevel.ordinal,
        ),
        ProjectTemplate(
            "free_text",
            _l("Free text"),
            _l("A written answer per item, e.g. a summary or a correction."),
            TaskType.text,
        ),
        ProjectTemplate(
            "blank",
            _l("Blank project"),
            _l("Choose the task type and write the labels yourself."),
            None,
        ),
    )
}


def get_template(key: str | None) -> ProjectTemplate | None:
    """The template named ``key`` (None for an unknown or empty name)."""
    return TEMPLATES.get(key or "")
