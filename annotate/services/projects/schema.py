"""Label schemas edited in a form: label rows (key, names in English and Chinese, hotkey,
colour), a rating scale and the measurement level, checked together.

Every problem is reported at once, keyed by the form field it belongs to
(``labels-<row>-<field>``, ``scale_min`` …), so a page can show each beside its field and the
CLI can list them all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from annotate.models import MeasurementLevel, TaskType
from annotate.services.errors import InvalidInput

LABEL_TASKS = {TaskType.single_label, TaskType.multi_label, TaskType.span, TaskType.pairwise}
PAIRWISE_KEYS = ("A", "B", "tie", "both_bad")
KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: Keys the labeling screen keeps for itself: s skip, f flag, g guidelines, r reason,
#: t text, ? help (labeling.js).
RESERVED_HOTKEYS = frozenset("sfgrt?")
HOTKEY_RE = re.compile(r"^[0-9a-z]$")
#: The labeling screen's six label colours (``.span-label-N``/``.ent-N`` in annotate.css).
COLOURS = (
    _l("yellow"),
    _l("green"),
    _l("red"),
    _l("purple"),
    _l("cyan"),
    _l("orange"),
)
MAX_LABELS = 40
MAX_SCALE_POINTS = 101
#: Levels each task type may use: labels are categories (single labels may be ordered),
#: ratings are numbers.
LEVELS: dict[TaskType, tuple[MeasurementLevel, ...]] = {
    TaskType.single_label: (MeasurementLevel.nominal, MeasurementLevel.ordinal),
    TaskType.rating: (
        MeasurementLevel.ordinal,
        MeasurementLevel.interval,
        MeasurementLevel.ratio,
        MeasurementLevel.nominal,
    ),
}


class SchemaError(InvalidInput):
    """The schema has problems; ``fields`` maps each form field to its message."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.fields = dict(fields)
        super().__init__(_l("The label schema has problems."))

    def __str__(self) -> str:
        lines = [f"  - {key}: {message}" for key, message in self.fields.items()]
        return "\n".join([str(self.args[0]), *lines])


def levels_for(task_type: TaskType) -> tuple[MeasurementLevel, ...]:
    """The measurement levels a project of ``task_type`` may declare."""
    return LEVELS.get(task_type, (MeasurementLevel.nominal,))


def _number(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        try:
            value = float(str(raw).strip())
        except ValueError:
            return None
    return value if math.isfinite(value) else None


def _clean_rows(rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, dict[str, str]]]:
    """The rows with anything in them, with their position in the form."""
    out = []
    for n, row in enumerate(rows):
        cleaned = {k: str(row.get(k) or "").strip() for k in ("key", "name", "name_zh", "hotkey")}
        cleaned["color"] = str(row.get("color") if row.get("color") is not None else "").strip()
        if cleaned["key"] or cleaned["name"] or cleaned["name_zh"] or cleaned["hotkey"]:
            out.append((n, cleaned))
    return out


def _hotkey_problem(hotkey: str, taken: Mapping[str, int]) -> Any:
    """Why ``hotkey`` cannot be used (``taken``: hotkey → row), or None."""
    if not hotkey:
        return None
    if hotkey in RESERVED_HOTKEYS:
        return _l(
            "%(key)s is kept by the labeling screen (s skip, f flag, g guidelines, "
            "r reason, t text, ? help).",
            key=hotkey,
        )
    if not HOTKEY_RE.match(hotkey):
        return _l("A hotkey is one digit or one letter.")
    if hotkey in taken:
        return _l("Hotkey %(key)s is already used by label %(n)d.", key=hotkey, n=taken[hotkey] + 1)
    return None


def check_labels(task_type: TaskType, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The label definitions of ``rows`` (blank rows skipped), checked.

    :raises SchemaError: with a message per faulty field.
    """
    errors: dict[str, Any] = {}
    labels: list[dict[str, Any]] = []
    keys: dict[str, int] = {}
    hotkeys: dict[str, int] = {}
    filled = _clean_rows(rows)
    if not filled and task_type == TaskType.pairwise:  # the four choices, named by their keys
        filled = [
            (n, {"key": key, "name": "", "name_zh": "", "hotkey": str(n + 1), "color": ""})
            for n, key in enumerate(PAIRWISE_KEYS)
        ]
    if not filled:
        raise SchemaError({"labels": _l("Add at least one label.")})
    if len(filled) > MAX_LABELS:
        errors["labels"] = _l("At most %(n)d labels.", n=MAX_LABELS)
    for n, row in filled:
        where = f"labels-{n}"
        key, hotkey = row["key"], row["hotkey"].lower()
        if not KEY_RE.match(key):
            errors[f"{where}-key"] = _l(
                "A key is 1-64 letters, digits, _ . - and starts with a letter or digit."
            )
        elif key.lower() in keys:
            errors[f"{where}-key"] = _l("Key %(key)s is used twice.", key=key)
        keys.setdefault(key.lower(), n)
        if len(row["name"]) > 100 or len(row["name_zh"]) > 100:
            errors[f"{where}-name"] = _l("A display name has at most 100 characters.")
        problem = _hotkey_problem(hotkey, hotkeys)
        if problem is not None:
            errors[f"{where}-hotkey"] = problem
        if hotkey:
            hotkeys.setdefault(hotkey, n)
        colour = row["color"]
        if colour and not (colour.isdigit() and int(colour) < len(COLOURS)):
            errors[f"{where}-color"] = _l("Choose one of the colours.")
        labels.append(
            {
                "key": key,
                "name": row["name"] or key,
                "name_zh": row["name_zh"] or row["name"] or key,
                "hotkey": hotkey,
                "color": int(colour) if colour.isdigit() else len(labels) % len(COLOURS),
            }
        )
    if task_type == TaskType.pairwise and not errors:
        if sorted(label["key"] for label in labels) != sorted(PAIRWISE_KEYS):
            errors["labels"] = _l(
                "A pairwise project has exactly the choices A, B, tie and both_bad; "
                "only their names, hotkeys and colours can change."
            )
    if errors:
        raise SchemaError(errors)
    return labels


def check_scale(low: object, high: object, step: object) -> dict[str, Any]:
    """A rating scale from its three fields (integers stay integers).

    :raises SchemaError: with a message per faulty field.
    """
    errors: dict[str, Any] = {}
    values = {}
    for name, raw in (("scale_min", low), ("scale_max", high), ("scale_step", step)):
        number = _number(raw if raw not in (None, "") else ("1" if name == "scale_step" else ""))
        if number is None:
            errors[name] = _l("Enter a number.")
        else:
            values[name] = int(number) if number.is_integer() else number
    if not errors:
        lo, hi, st = values["scale_min"], values["scale_max"], values["scale_step"]
        if hi <= lo:
            errors["scale_max"] = _l("The highest value must be above the lowest.")
        elif st <= 0:
            errors["scale_step"] = _l("The step must be above 0.")
        else:
            points = (hi - lo) / st
            if abs(points - round(points)) > 1e-9:
                errors["scale_step"] = _l("The step must divide the scale evenly.")
            elif round(points) + 1 > MAX_SCALE_POINTS:
                errors["scale_step"] = _l("At most %(n)d points on a scale.", n=MAX_SCALE_POINTS)
    if errors:
        raise SchemaError(errors)
    return {"min": values["scale_min"], "max": values["scale_max"], "step": values["scale_step"]}


def check_schema(
    task_type: TaskType,
    rows: Sequence[Mapping[str, Any]] = (),
    scale: Mapping[str, Any] | None = None,
    level: MeasurementLevel | str | None = None,
) -> tuple[dict[str, Any], MeasurementLevel]:
    """The label schema and measurement level of a ``task_type`` project, checked.

    Label tasks take ``rows``; ratings a ``scale`` (``min``, ``max``, ``step``); free text
    neither. ``level`` None takes the task type's first level.

    :raises SchemaError: with a message per faulty field.
    """
    errors: dict[str, Any] = {}
    schema: dict[str, Any] = {}
    try:
        if task_type in LABEL_TASKS:
            schema = {"labels": check_labels(task_type, rows)}
        elif task_type == TaskType.rating:
            scale = scale or {}
            schema = {"scale": check_scale(scale.get("min"), scale.get("max"), scale.get("step"))}
    except SchemaError as error:
        errors.update(error.fields)
    allowed = levels_for(task_type)
    try:
        chosen = MeasurementLevel(level) if level else allowed[0]
    except ValueError:
        chosen = None
    if chosen not in allowed:
        errors["measurement_level"] = _l(
            "A %(task)s project is measured at one of: %(levels)s.",
            task=task_type.value,
            levels=", ".join(v.value for v in allowed),
        )
    if errors:
        raise SchemaError(errors)
    assert chosen is not None
    return schema, chosen


def display_name(label: Mapping[str, Any], locale: str) -> str:
    """The name of ``label`` in ``locale`` (Chinese names fall back to the English one)."""
    if locale.startswith("zh") and label.get("name_zh"):
        return str(label["name_zh"])
    return str(label.get("name") or label.get("key", ""))


#: Names of the usual error types, translated; a project may name its own per language
#: (``{"key": …, "name": …, "name_zh": …}`` entries in ``error_types``).
ERROR_TYPE_NAMES = {
    "wrong_label": _l("wrong label"),
    "missed_rule": _l("missed rule"),
    "ambiguous_item": _l("ambiguous item"),
    "missing_span": _l("missing span"),
    "wrong_boundary": _l("wrong span boundary"),
    "other": _l("other"),
}


def error_type_keys(error_types: Sequence[Any]) -> list[str]:
    """The keys of a project's error types (plain keys or ``{"key", "name", "name_zh"}``)."""
    return [str(e.get("key", "")) if isinstance(e, Mapping) else str(e) for e in error_types]


def active_error_type_keys(error_types: Sequence[Any]) -> list[str]:
    """The keys a reviewer may choose: those not retired (a retired type keeps its name for
    the reviews that used it)."""
    return [
        key
        for key, entry in zip(error_type_keys(error_types), error_types, strict=True)
        if not (isinstance(entry, Mapping) and entry.get("retired"))
    ]


def error_type_name(error_types: Sequence[Any], key: str, locale: str) -> str:
    """The display name of error type ``key`` in ``locale``: the project's own name for it,
    else the usual name translated, else the key."""
    for entry in error_types:
        if isinstance(entry, Mapping) and str(entry.get("key")) == key:
            if entry.get("name_zh") and locale.startswith("zh") or entry.get("name"):
                return display_name(entry, locale)
    known = ERROR_TYPE_NAMES.get(key)
    return str(known) if known is not None else key


def check_error_types(entries: Sequence[Any]) -> list[Any]:
    """A project's error types, checked: keys as for labels, names at most 100 characters.

    :raises SchemaError: with the problem under ``error_types``.
    """
    out: list[Any] = []
    seen: set[str] = set()
    for entry in entries:
        row = entry if isinstance(entry, Mapping) else {"key": entry}
        key = str(row.get("key") or "").strip()
        names = {k: str(row.get(k) or "").strip() for k in ("name", "name_zh")}
        if not KEY_RE.match(key) or key in seen:
            raise SchemaError(
                {"error_types": _l("Error type %(key)s is not a valid key.", key=key)}
            )
        if any(len(n) > 100 for n in names.values()):
            raise SchemaError({"error_types": _l("A display name has at most 100 characters.")})
        seen.add(key)
        retired = {"retired": True} if row.get("retired") else {}
        out.append(
            {"key": key, **{k: v for k, v in names.items() if v}, **retired}
            if any(names.values()) or retired
            else key
        )
    return out
