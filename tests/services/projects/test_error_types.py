"""The error-type editor's service: add, rename in both languages, retire; refusals for
repeated or bad keys, empty names and dropped keys; audited; reviewers offered only the
types not retired."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent
from annotate.services.projects.error_types import (
    ErrorTypesError,
    editable_rows,
    save_error_types,
)
from annotate.services.projects.schema import active_error_type_keys, error_type_name


def _row(key, name, name_zh, retired=False):
    return {"key": key, "name": name, "name_zh": name_zh, "retired": retired}


def test_add_rename_retire_audited(app, db, make_project, make_user):
    project = make_project("et")
    boss = make_user("boss")
    project.error_types = ["wrong_label"]
    db.session.commit()
    with app.test_request_context():
        rows = editable_rows(project)
    assert rows[0]["key"] == "wrong_label" and rows[0]["name"] == "wrong label"
    assert rows[0]["name_zh"] != "wrong label" and not rows[0]["retired"]
    changed = save_error_types(
        db.session,
        project,
        [
            _row("wrong_label", "Wrong label", "标错了", retired=True),
            _row("missed_clause", "Missed clause", "漏看条款"),
        ],
        actor=boss,
    )
    assert changed
    assert active_error_type_keys(project.error_types) == ["missed_clause"]
    assert error_type_name(project.error_types, "wrong_label", "zh") == "标错了"
    assert error_type_name(project.error_types, "missed_clause", "en") == "Missed clause"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "project.error_types")
    )
    assert event.details["old"] == ["wrong_label"] and event.actor_id == boss.id
    # Saving the same again changes nothing and records nothing.
    assert not save_error_types(db.session, project, [dict(e) for e in project.error_types])


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([_row("a", "A", "甲"), _row("a", "A2", "甲2")], "key-1"),
        ([_row("bad key", "A", "甲")], "key-0"),
        ([_row("a", "", "甲")], "name-0"),
        ([_row("a", "A", " ")], "name_zh-0"),
        ([_row("a", "A" * 101, "甲")], "name-0"),
        ([], "removed"),
    ],
)
def test_bad_rows_are_refused_and_nothing_changes(db, make_project, rows, field):
    project = make_project("et")
    project.error_types = ["old"] if field == "removed" else []
    db.session.commit()
    before = list(project.error_types)
    with pytest.raises(ErrorTypesError) as caught:
        save_error_types(db.session, project, rows)
    assert field in caught.value.fields
    db.session.rollback()
    assert project.error_types == before
