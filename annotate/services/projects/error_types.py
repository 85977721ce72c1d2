"""Editing a project's error types (the manager's screen): add, rename in Chinese and
English, retire. Reviewers choose among the types not retired; a retired type keeps its key
and names, so the reviews that used it still read well.

Keys never change and are never dropped (reviews store them); names may. Every accepted
change appends one ``project.error_types`` audit event with the old and new list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import Project, User
from annotate.services.audit import record_event
from annotate.services.errors import InvalidInput
from annotate.services.locks import lock_row
from annotate.services.projects.schema import (
    KEY_RE,
    check_error_types,
    error_type_keys,
    error_type_name,
)

#: Longest display name of an error type.
MAX_NAME = 100


def editable_rows(project: Project) -> list[dict[str, Any]]:
    """The project's error types as the editor shows them: key, English and Chinese names
    (the usual names filled in for plain keys), retired or not."""
    types = list(project.error_types or [])
    rows = []
    for key, entry in zip(error_type_keys(types), types, strict=True):
        own = entry if isinstance(entry, Mapping) else {}
        with force_locale("en"):
            name = str(own.get("name") or error_type_name([], key, "en"))
        with force_locale("zh"):
            name_zh = str(own.get("name_zh") or error_type_name([], key, "zh"))
        rows.append(
            {"key": key, "name": name, "name_zh": name_zh, "retired": bool(own.get("retired"))}
        )
    return rows


def _problems(rows: Sequence[Mapping[str, Any]], old_keys: list[str]) -> dict[str, Any]:
    problems: dict[str, Any] = {}
    seen: set[str] = set()
    for n, row in enumerate(rows):
        key = str(row.get("key") or "").strip()
        if not KEY_RE.match(key):
            problems[f"key-{n}"] = _l(
                "A key is 1-64 letters, digits, _ . or -, starting with a letter or digit."
            )
        elif key in seen:
            problems[f"key-{n}"] = _l("Error type %(key)s is listed twice.", key=key)
        seen.add(key)
        for field in ("name", "name_zh"):
            text = str(row.get(field) or "").strip()
            if not text:
                problems[f"{field}-{n}"] = _l("Give a name in both languages.")
            elif len(text) > MAX_NAME:
                problems[f"{field}-{n}"] = _l("A display name has at most 100 characters.")
    missing = [k for k in old_keys if k not in seen]
    if missing:
        problems["removed"] = _l(
            "Error type %(key)s was removed: retire it instead (reviews keep its key).",
            key=missing[0],
        )
    return problems


class ErrorTypesError(InvalidInput):
    """The error types were not saved; ``fields`` maps each row's field to its problem."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.fields = dict(fields)
        super().__init__(_l("The error types were not saved."), list(self.fields.values()))


def save_error_types(
    session: Session,
    project: Project,
    rows: Sequence[Mapping[str, Any]],
    *,
    actor: User | None = None,
) -> bool:
    """Replace the project's error types by ``rows`` (``key``, ``name``, ``name_zh``,
    ``retired``); return whether anything changed. All or nothing; audited.

    :raises ErrorTypesError: a bad or repeated key, an empty or long name, a key dropped.
    """
    project = lock_row(session, project)
    old = list(project.error_types or [])
    if problems := _problems(rows, error_type_keys(old)):
        raise ErrorTypesError(problems)
    new = check_error_types(
        [
            {
                "key": str(row["key"]).strip(),
                "name": str(row["name"]).strip(),
                "name_zh": str(row["name_zh"]).strip(),
                "retired": bool(row.get("retired")),
            }
            for row in rows
        ]
    )
    if new == old:
        return False
    project.error_types = new
    session.flush()
    record_event(
        session,
        "project.error_types",
        "project",
        project.id,
        actor=actor,
        project_id=project.id,
        details={"slug": project.slug, "old": old, "new": new},
    )
    return True
