"""Major, minor or patch is checked, not declared.

A version that adds, removes or renames a label, changes the task type, removes a clause or
changes the decision of a clause (the labels its examples and counter-examples lead to) alters
what annotators must do: it must be a major version, which requires re-training. A minor or
patch number for such a change is refused at publication (``guidelines/README.md``, "Choose
the bump"). The rulebook's labels are also checked against the project's labels, so that the
labels annotators read are the labels they can choose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from annotate.models import Clause, Project, RulebookVersion, TaskType, VersionStatus

#: ``→ `label``` or ``→ not `label``` at the end of an example (the decision it shows); a
#: Chinese source writes ``→ 不是 `label```.
DECISION_RE = re.compile(r"→\s*(not\s+|不是\s*)?`([^`]+)`")


def label_keys(front_matter: Mapping[str, Any]) -> list[str]:
    """The label keys of a rulebook's front matter (``[a, b]`` or ``[{key: a, …}]``)."""
    labels = front_matter.get("labels") or []
    if not isinstance(labels, list):
        return []
    keys = []
    for label in labels:
        key = label.get("key") if isinstance(label, dict) else label
        if key is not None:
            keys.append(str(key))
    return keys


def clause_decisions(clause: Clause) -> frozenset[tuple[bool, str]]:
    """What a clause decides: ``(negated, label)`` for every ``→ `label``` / ``→ not
    `label``` in its text, examples and counter-examples."""
    texts = [clause.text, *(str(e.get("text", "")) for e in clause.examples or [])]
    return frozenset(
        (bool(m[1]), m[2].strip()) for text in texts for m in DECISION_RE.finditer(text)
    )


def _names(keys: Iterable[str]) -> str:
    return ", ".join(sorted(keys))


def major_reasons(old: RulebookVersion, new: RulebookVersion) -> list[str]:
    """Why going from ``old`` to ``new`` needs a major version (empty: it does not)."""
    reasons: list[str] = []
    before, after = set(label_keys(old.front_matter)), set(label_keys(new.front_matter))
    if after - before:
        reasons.append(str(_l("it adds the label(s) %(labels)s", labels=_names(after - before))))
    if before - after:
        reasons.append(str(_l("it removes the label(s) %(labels)s", labels=_names(before - after))))
    old_task, new_task = old.front_matter.get("task_type"), new.front_matter.get("task_type")
    if old_task != new_task:
        reasons.append(
            str(
                _l(
                    "it changes the task type from %(old)s to %(new)s",
                    old=old_task or "—",
                    new=new_task or "—",
                )
            )
        )
    previous = {c.key: c for c in old.clauses}
    current = {c.key: c for c in new.clauses}
    removed = sorted(set(previous) - set(current))
    if removed:
        reasons.append(str(_l("it removes the clause(s) %(keys)s", keys=", ".join(removed))))
    changed = sorted(
        key
        for key in set(previous) & set(current)
        if clause_decisions(previous[key]) != clause_decisions(current[key])
    )
    if changed:
        reasons.append(
            str(_l("it changes the decision of clause(s) %(keys)s", keys=", ".join(changed)))
        )
    return reasons


def published_base(version: RulebookVersion) -> RulebookVersion | None:
    """The newest published version of the same rulebook older than ``version``."""
    number = (version.major, version.minor, version.patch)
    older = [
        v
        for v in version.rulebook.versions
        if v.id != version.id
        and v.status == VersionStatus.published
        and (v.major, v.minor, v.patch) < number
    ]
    return max(older, key=lambda v: (v.major, v.minor, v.patch), default=None)


def bump_problem(version: RulebookVersion) -> str | None:
    """Why ``version``'s number is too small for its changes, or None."""
    base = published_base(version)
    if base is None or version.major > base.major:
        return None
    reasons = major_reasons(base, version)
    if not reasons:
        return None
    return str(
        _l(
            "Version %(version)s cannot be a minor or patch version of %(base)s: %(reasons)s. "
            "Such a change must be a major version (%(major)s.0.0), which annotators re-train "
            "for; start a new draft with that number.",
            version=version.version,
            base=base.version,
            reasons="; ".join(reasons),
            major=base.major + 1,
        )
    )


def project_label_problem(version: RulebookVersion, project: Project) -> str | None:
    """Why the rulebook's labels are not the project's labels, or None.

    Pairwise, rating and free-text projects have no label schema of their own to compare;
    a project without labels yet is not compared either.
    """
    if project.task_type in (TaskType.pairwise, TaskType.rating, TaskType.text):
        return None
    project_keys = [str(label.get("key")) for label in project.labels if isinstance(label, dict)]
    if not project_keys:
        return None
    book = set(label_keys(version.front_matter))
    theirs = set(project_keys)
    if book == theirs:
        return None
    parts = []
    if book - theirs:
        parts.append(str(_l("not in the project: %(labels)s", labels=_names(book - theirs))))
    if theirs - book:
        parts.append(str(_l("missing from the rulebook: %(labels)s", labels=_names(theirs - book))))
    return str(
        _l(
            "The rulebook's labels are not the project's labels (%(parts)s). Make the front "
            "matter's labels match the project's label schema.",
            parts="; ".join(parts),
        )
    )
