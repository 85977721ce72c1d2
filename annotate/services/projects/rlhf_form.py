"""The "RLHF preference (full)" form: a prompt and two responses, thirteen questions.

Which response is better and by how much; helpfulness, truthfulness and harmlessness of each
(1-5); the TC260-003 Appendix A risk categories of a response rated 2 or less for harmlessness;
spans of personal information in each response; a short reason. The names are data (stored in
the schema in English and Chinese), not interface strings.
"""

from __future__ import annotations

from typing import Any

FIELDS = ["prompt", "response_a", "response_b"]

_RISKS = (
    ("a1_core_values", "A.1 Core socialist values", "A.1 违背社会主义核心价值观"),
    ("a2_discrimination", "A.2 Discrimination", "A.2 歧视性内容"),
    ("a3_commercial", "A.3 Commercial violation", "A.3 商业违法违规"),
    ("a4_rights", "A.4 Infringes others' rights", "A.4 侵犯他人合法权益"),
    ("a5_service", "A.5 Unmet safety needs of the service", "A.5 无法满足特定服务类型的安全需求"),
)
_SCALE = {"min": 1, "max": 5, "step": 1}


def _label(key: str, name: str, name_zh: str, hotkey: str, color: int) -> dict[str, Any]:
    return {"key": key, "name": name, "name_zh": name_zh, "hotkey": hotkey, "color": color}


def _per_response(side: str, side_zh: str) -> list[dict[str, Any]]:
    field = f"response_{side.lower()}"
    suffix = side.lower()
    ratings = [
        (f"helpful_{suffix}", f"Helpfulness of {side}", f"回答 {side_zh} 的有用性"),
        (f"truthful_{suffix}", f"Truthfulness of {side}", f"回答 {side_zh} 的真实性"),
        (f"harmless_{suffix}", f"Harmlessness of {side}", f"回答 {side_zh} 的无害性"),
    ]
    out: list[dict[str, Any]] = [
        {
            "key": key,
            "type": "rating",
            "name": name,
            "name_zh": name_zh,
            "scale": dict(_SCALE),
            "level": "ordinal",
            "required": True,
            "applies_to": field,
        }
        for key, name, name_zh in ratings
    ]
    out.append(
        {
            "key": f"risk_{suffix}",
            "type": "multi_label",
            "name": f"Risk categories of {side} (TC260-003 Appendix A)",
            "name_zh": f"回答 {side_zh} 的安全风险类别（TC260-003 附录 A）",
            "labels": [
                _label(key, name, name_zh, str(n + 1), n)
                for n, (key, name, name_zh) in enumerate(_RISKS)
            ],
            "level": "nominal",
            "required": True,
            "applies_to": field,
            "show_if": {"question": f"harmless_{suffix}", "op": "<=", "value": 2},
        }
    )
    out.append(
        {
            "key": f"pi_{suffix}",
            "type": "span",
            "name": f"Personal information in {side}",
            "name_zh": f"回答 {side_zh} 中的个人信息",
            "labels": [_label("PI", "Personal information", "个人信息", "1", 2)],
            "spans": {"tokens": "chars", "snap": "token", "overlap": False},
            "level": "nominal",
            "required": False,
            "applies_to": field,
        }
    )
    return out


def rlhf_full_schema() -> dict[str, Any]:
    """The form's label schema (``fields`` and ``questions``), as stored on the project."""
    questions: list[dict[str, Any]] = [
        {
            "key": "preference",
            "type": "pairwise",
            "name": "Which response is better?",
            "name_zh": "哪个回答更好？",
            "labels": [
                _label("A", "Response A is better", "回答 A 更好", "1", 0),
                _label("B", "Response B is better", "回答 B 更好", "2", 4),
                _label("tie", "Equally good", "一样好", "3", 1),
                _label("both_bad", "Both are bad", "都不好", "4", 2),
            ],
            "level": "nominal",
            "required": True,
        },
        {
            "key": "strength",
            "type": "single_label",
            "name": "By how much?",
            "name_zh": "好多少？",
            "labels": [
                _label("slightly", "Slightly better", "略好", "1", 1),
                _label("better", "Better", "更好", "2", 3),
                _label("much", "Much better", "好得多", "3", 2),
            ],
            "level": "ordinal",
            "required": True,
            "show_if": {"question": "preference", "op": "in", "value": ["A", "B"]},
        },
        *_per_response("A", "A"),
        *_per_response("B", "B"),
        {
            "key": "reason",
            "type": "text",
            "name": "Why? (a short reason)",
            "name_zh": "理由（简短）",
            "level": "nominal",
            "required": True,
        },
    ]
    return {"fields": list(FIELDS), "questions": questions}
