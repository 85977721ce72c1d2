"""A project's settings: what each does, the standard behind its default, its checks, and the
one path that changes them (the settings page and ``annotate project set`` both call
:func:`update_settings`).

A change is refused when it would contradict work already done: k (or the overlap share)
lowered below what items already hold, the task type changed once annotations exist (for
form and one-question projects alike, see :mod:`.task_type`), role
separation turned on while someone holds both roles. Every accepted change appends one audit
event with the old and new value of each setting that changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import available_timezones

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.metrics.iso2859 import AQLS, INSPECTION_LEVELS
from annotate.models import (
    Item,
    Membership,
    Project,
    ProjectRole,
    RejectScope,
    SampleMethod,
    TaskType,
    User,
)
from annotate.services.audit import record_event
from annotate.services.errors import InvalidInput
from annotate.services.labeling.assignment import refresh_free_slots, target_expr
from annotate.services.locks import lock_row
from annotate.services.projects.settings_text import GROUPS, HELP
from annotate.services.projects.task_type import task_type_problems
from annotate.services.quality.dossier.period import DEFAULT_TIME_ZONE


@dataclass(frozen=True)
class Setting:
    """One setting: its attribute on :class:`Project`, group, kind and bounds."""

    key: str
    group: str
    kind: str  # int, float, rate, bool, choice, text, zone
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    max_length: int = 200

    @property
    def label(self) -> Any:
        return HELP[self.key][0]

    @property
    def help(self) -> Any:
        return HELP[self.key][1]

    @property
    def basis(self) -> Any:
        return HELP[self.key][2]


def _aql(value: float) -> str:
    return f"{value:g}"


SETTINGS: tuple[Setting, ...] = (
    Setting("name", "general", "text", low=1, max_length=200),
    Setting("description", "general", "text", low=0, max_length=5000),
    Setting("task_type", "general", "choice", choices=tuple(t.value for t in TaskType)),
    Setting("redundancy_k", "assignment", "int", 1, 20),
    Setting("overlap_share", "assignment", "rate", 0, 1),
    Setting("gold_rate", "assignment", "rate", 0, 1),
    Setting("lease_minutes", "assignment", "int", 1, 24 * 60),
    # At most a day: gold results show only for weeks that have ended (quality_self).
    Setting("edit_window_minutes", "assignment", "int", 0, 24 * 60),
    Setting("separate_roles", "assignment", "bool"),
    Setting("show_predictions", "predictions", "bool"),
    Setting("order_by_uncertainty", "predictions", "bool"),
    Setting("min_alpha", "quality", "rate", 0, 1),
    Setting("min_gold_accuracy", "quality", "rate", 0, 1),
    Setting("min_review_accuracy", "quality", "rate", 0, 1),
    Setting("min_peer_agreement", "quality", "rate", 0, 1),
    Setting("min_n_before_judging", "quality", "int", 1, 100_000),
    Setting("gold_candidate_min_k", "checks", "int", 3, 100),
    Setting("gold_candidate_min_posterior", "checks", "rate", 0, 1),
    Setting("attention_rate", "checks", "rate", 0, 1),
    Setting("attention_min_checks", "checks", "int", 1, 10_000),
    Setting("attention_warn_below", "checks", "rate", 0, 1),
    Setting("attention_block_below", "checks", "rate", 0, 1),
    Setting(
        "default_sample_method", "sampling", "choice", choices=tuple(m.value for m in SampleMethod)
    ),
    Setting("sample_rate", "sampling", "rate", 0, 1),
    Setting("aql", "sampling", "choice", choices=tuple(_aql(a) for a in AQLS)),
    Setting("inspection_level", "sampling", "choice", choices=INSPECTION_LEVELS),
    Setting("reject_scope", "sampling", "choice", choices=tuple(r.value for r in RejectScope)),
    Setting("training_pass_mark", "training", "rate", 0, 1),
    Setting("training_attempt_limit", "training", "int", 0, 100),
    Setting("training_cooldown_minutes", "training", "int", 0, 30 * 24 * 60),
    Setting("qualification_validity_days", "training", "int", 1, 10 * 365),
    Setting("export_personal_info", "dossier", "bool"),
    Setting("responsible_person", "dossier", "text", low=0, max_length=200),
    Setting("time_zone", "dossier", "zone", max_length=64),
    Setting("erase_free_text", "dossier", "bool"),
)
BY_KEY = {s.key: s for s in SETTINGS}
_ENUMS: dict[str, Callable[[str], Any]] = {
    "task_type": TaskType,
    "default_sample_method": SampleMethod,
    "reject_scope": RejectScope,
    "aql": float,
}


class SettingsError(InvalidInput):
    """Settings refused; ``fields`` maps each setting to the reason."""

    def __init__(self, fields: Mapping[str, Any], *, conflict: bool = False) -> None:
        self.fields = dict(fields)
        self.status_code = 409 if conflict else 400
        super().__init__(
            _l("The settings were not changed.")
            if not conflict
            else _l("The settings were not changed: they contradict work already done.")
        )

    def __str__(self) -> str:
        lines = [f"  - {key}: {message}" for key, message in self.fields.items()]
        return "\n".join([str(self.args[0]), *lines])


def current_value(project: Project, key: str) -> Any:
    """The setting's value as shown and audited (enum values as strings, AQL as text)."""
    value = getattr(project, key)
    if key == "aql":
        return _aql(value)
    if value is None:  # not set: no responsible person, the default zone
        return DEFAULT_TIME_ZONE if key == "time_zone" else ""
    return value.value if hasattr(value, "value") else value


def current_settings(project: Project) -> dict[str, Any]:
    """Every setting of ``project`` by key."""
    return {s.key: current_value(project, s.key) for s in SETTINGS}


def parse_value(setting: Setting, raw: Any) -> Any:
    """The value ``raw`` (text from a form or the CLI, or a Python value) means.

    :raises ValueError: with the reason, when it is not valid for the setting.
    """
    text = raw.strip() if isinstance(raw, str) else raw
    parsers = {"bool": _parse_bool, "text": _parse_text, "choice": _parse_choice, "zone": _zone}
    parser = parsers.get(setting.kind, _parse_number)
    return parser(setting, text)


def _parse_bool(setting: Setting, text: Any) -> bool:
    if isinstance(text, bool):
        return text
    lowered = str(text).lower()
    if lowered in ("1", "true", "yes", "on", "y"):
        return True
    if lowered in ("0", "false", "no", "off", "n", ""):
        return False
    raise ValueError(_l("Enter true or false."))


def _parse_text(setting: Setting, text: Any) -> str:
    value = str(text or "")
    if len(value) < (setting.low or 0):
        raise ValueError(_l("Required."))
    if len(value) > setting.max_length:
        raise ValueError(_l("At most %(n)d characters.", n=setting.max_length))
    return value


def _zone(setting: Setting, text: Any) -> str:
    """An IANA zone name (empty: the default); checked against the zoneinfo database."""
    name = str(text or "") or DEFAULT_TIME_ZONE
    if name not in available_timezones():
        raise ValueError(
            _l("%(zone)s is not an IANA time zone, e.g. Asia/Shanghai or Europe/Berlin.", zone=name)
        )
    return name


def _parse_choice(setting: Setting, text: Any) -> Any:
    value = _aql(float(text)) if setting.key == "aql" and _is_float(text) else str(text)
    if value in setting.choices:
        return _ENUMS.get(setting.key, str)(value)
    if setting.key == "aql":
        raise ValueError(
            _l(
                "AQL %(value)s is not one of ISO 2859-1's preferred values: %(values)s.",
                value=text,
                values=", ".join(setting.choices),
            )
        )
    raise ValueError(_l("Choose one of: %(values)s.", values=", ".join(setting.choices)))


def _parse_number(setting: Setting, text: Any) -> float | int:
    if isinstance(text, bool) or not _is_float(text):
        raise ValueError(_l("Enter a number."))
    number: float | int = float(text)
    if setting.kind == "int":
        if not float(number).is_integer():
            raise ValueError(_l("Enter a whole number."))
        number = int(number)
    assert setting.low is not None and setting.high is not None
    if not setting.low <= number <= setting.high:
        if setting.kind == "rate":
            raise ValueError(_l("Enter a share between 0 and 1 (0.1 is 10 %)."))
        raise ValueError(
            _l("Enter a number from %(low)g to %(high)g.", low=setting.low, high=setting.high)
        )
    return number


def _is_float(text: Any) -> bool:
    try:
        return math.isfinite(float(text))
    except (TypeError, ValueError):
        return False


def parse_settings(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values of ``changes`` (key → text or value), every one checked.

    :raises SettingsError: unknown keys or invalid values, each with its reason.
    """
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for key, raw in changes.items():
        setting = BY_KEY.get(key)
        if setting is None:
            errors[key] = _l("Unknown setting; the settings are: %(keys)s.", keys=", ".join(BY_KEY))
            continue
        try:
            values[key] = parse_value(setting, raw)
        except ValueError as error:
            errors[key] = error.args[0]
    if errors:
        raise SettingsError(errors)
    return values


def _contradictions(session: Session, project: Project, new: dict[str, Any]) -> dict[str, Any]:
    """Why ``new`` (the changed values) contradicts work already done, by setting."""
    problems: dict[str, Any] = {}
    if "redundancy_k" in new or "overlap_share" in new:
        trial = cast(
            Project,
            SimpleNamespace(
                redundancy_k=new.get("redundancy_k", project.redundancy_k),
                overlap_share=new.get("overlap_share", project.overlap_share),
            ),
        )
        over, most = session.execute(
            sa.select(sa.func.count(Item.id), sa.func.max(Item.annotation_count)).where(
                Item.project_id == project.id, Item.annotation_count > target_expr(trial)
            )
        ).one()
        if over:
            key = "redundancy_k" if "redundancy_k" in new else "overlap_share"
            problems[key] = _l(
                "%(n)d items already hold more annotations than this allows (up to %(most)d); "
                "k cannot go below what items already hold.",
                n=over,
                most=most,
            )
    if "task_type" in new and new["task_type"] != project.task_type:
        problems.update(task_type_problems(session, project, new["task_type"]))
    if new.get("separate_roles") and not project.separate_roles:
        both = _holders_of_both_roles(session, project)
        if both:
            problems["separate_roles"] = _l(
                "%(names)s annotate and review in this project; remove one of their roles first.",
                names=", ".join(both),
            )
    return problems


def _holders_of_both_roles(session: Session, project: Project) -> list[str]:
    rows = session.execute(
        sa.select(User.username)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.project_id == project.id,
            Membership.role.in_([ProjectRole.annotator, ProjectRole.reviewer]),
        )
        .group_by(User.username)
        .having(sa.func.count(sa.distinct(Membership.role)) > 1)
        .order_by(User.username)
    )
    return list(rows.scalars())


def update_settings(
    session: Session, project: Project, changes: Mapping[str, Any], *, actor: User | None = None
) -> dict[str, tuple[Any, Any]]:
    """Change the project's settings; return ``{key: (old, new)}`` of those that changed.

    All or nothing: one invalid value or contradiction refuses every change. The project row
    is locked so two changes do not interleave their checks.

    :raises SettingsError: invalid values (status 400) or contradictions with work done (409).
    """
    values = parse_settings(changes)
    project = lock_row(session, project)
    old = current_settings(project)
    changed = {
        key: value
        for key, value in values.items()
        if old[key] != (value.value if hasattr(value, "value") else _shown(key, value))
    }
    if not changed:
        return {}
    problems = _contradictions(session, project, changed)
    if problems:
        raise SettingsError(problems, conflict=True)
    for key, value in changed.items():
        setattr(project, key, value)
    session.flush()
    if "redundancy_k" in changed or "overlap_share" in changed:
        refresh_free_slots(session, project)
    diff = {key: (old[key], current_value(project, key)) for key in changed}
    record_event(
        session,
        "project.settings",
        "project",
        project.id,
        actor=actor,
        project_id=project.id,
        details={
            "slug": project.slug,
            "changes": {k: {"old": o, "new": n} for k, (o, n) in diff.items()},
        },
    )
    return diff


def _shown(key: str, value: Any) -> Any:
    return _aql(value) if key == "aql" else value


__all__ = ["GROUPS", "SETTINGS", "Setting", "SettingsError", "update_settings"]
