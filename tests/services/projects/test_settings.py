"""Project settings: parsing, the checks against work done, audit and free slots."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent, Item, ProjectRole, SampleMethod, TaskType
from annotate.services.projects.settings import (
    SETTINGS,
    SettingsError,
    current_settings,
    parse_settings,
    update_settings,
)
from tests.factories import free_slots_out_of_step, import_batch


def test_every_setting_has_help_and_a_current_value(make_project):
    project = make_project()
    values = current_settings(project)
    assert set(values) == {s.key for s in SETTINGS}
    for setting in SETTINGS:
        assert str(setting.label) and str(setting.help)
    assert values["aql"] == "1" and values["default_sample_method"] == "iso2859"


def test_parse_accepts_text_and_checks_each_value():
    values = parse_settings(
        {"redundancy_k": "2", "gold_rate": "0.1", "aql": "1.0", "separate_roles": "no"}
    )
    assert values == {"redundancy_k": 2, "gold_rate": 0.1, "aql": 1.0, "separate_roles": False}
    with pytest.raises(SettingsError) as caught:
        parse_settings(
            {
                "redundancy_k": "0",
                "gold_rate": "1.5",
                "aql": "1.2",
                "inspection_level": "IV",
                "lease_minutes": "2.5",
                "min_alpha": "nan",
                "colour": "red",
            }
        )
    fields = caught.value.fields
    assert set(fields) == {
        "redundancy_k",
        "gold_rate",
        "aql",
        "inspection_level",
        "lease_minutes",
        "min_alpha",
        "colour",
    }
    assert "preferred values" in str(fields["aql"]) and "0.65, 1, 1.5" in str(fields["aql"])
    assert "between 0 and 1" in str(fields["gold_rate"])
    assert caught.value.status_code == 400


def test_update_changes_values_and_audits_old_and_new(db, make_project, make_user):
    project = make_project()
    boss = make_user("boss", admin=True)
    diff = update_settings(
        db.session,
        project,
        {"redundancy_k": "2", "gold_rate": "0.1", "min_alpha": "0.7", "aql": "1.0"},
        actor=boss,
    )
    db.session.commit()
    # AQL 1.0 was already the value: only three changed
    assert diff == {"redundancy_k": (3, 2), "gold_rate": (0.05, 0.1), "min_alpha": (0.8, 0.7)}
    assert (project.redundancy_k, project.gold_rate, project.min_alpha) == (2, 0.1, 0.7)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "project.settings"))
    assert event.details["changes"]["redundancy_k"] == {"old": 3, "new": 2}
    assert event.actor_id == boss.id
    assert update_settings(db.session, project, {"redundancy_k": 2}) == {}


def test_invalid_values_change_nothing(db, make_project):
    project = make_project()
    with pytest.raises(SettingsError):
        update_settings(db.session, project, {"redundancy_k": "2", "gold_rate": "-0.1"})
    db.session.rollback()
    assert project.redundancy_k == 3
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "project.settings")
        )
        == 0
    )


def test_k_cannot_go_below_what_items_hold(db, make_project):
    project = make_project()
    import_batch(db.session, project, "b1", n_items=4, gold=[0])
    item = db.session.scalar(sa.select(Item).where(Item.gold_answer.is_not(None)))
    item.annotation_count = 3
    db.session.commit()
    with pytest.raises(SettingsError) as caught:
        update_settings(db.session, project, {"redundancy_k": 2})
    assert caught.value.status_code == 409
    assert "up to 3" in str(caught.value.fields["redundancy_k"])
    db.session.rollback()
    update_settings(db.session, project, {"redundancy_k": 4})
    db.session.commit()
    assert db.session.get(Item, item.id).has_free_slot is True
    assert free_slots_out_of_step(db.session) == []


def test_raising_k_frees_slots_of_full_items(db, make_project):
    project = make_project()
    import_batch(db.session, project, "b1", n_items=3, gold=[0, 1, 2])
    db.session.execute(sa.update(Item).values(annotation_count=3, has_free_slot=False))
    db.session.commit()
    update_settings(db.session, project, {"redundancy_k": 5})
    db.session.commit()
    assert db.session.scalars(sa.select(Item.has_free_slot)).all() == [True, True, True]


def test_task_type_cannot_change_once_annotated(db, make_project):
    from tests.factories import labelled_project

    project = labelled_project(db.session, n_items=20, n_unlabelled=5)
    with pytest.raises(SettingsError) as caught:
        update_settings(db.session, project, {"task_type": "multi_label"})
    assert "annotations exist" in str(caught.value.fields["task_type"])
    fresh = make_project("fresh")
    update_settings(db.session, fresh, {"task_type": "multi_label"})
    assert fresh.task_type == TaskType.multi_label
    with pytest.raises(SettingsError) as caught:
        update_settings(db.session, fresh, {"task_type": "rating"})
    assert "does not fit" in str(caught.value.fields["task_type"])


def test_role_separation_refused_while_someone_holds_both(db, make_project, make_user):
    project = make_project(separate_roles=False)
    make_user("both", project=project, roles=[ProjectRole.annotator, ProjectRole.reviewer])
    with pytest.raises(SettingsError) as caught:
        update_settings(db.session, project, {"separate_roles": "on"})
    assert "both" in str(caught.value.fields["separate_roles"])


def test_sampling_method_is_an_enum(db, make_project):
    project = make_project()
    update_settings(db.session, project, {"default_sample_method": "all", "aql": "0.65"})
    assert project.default_sample_method == SampleMethod.all and project.aql == 0.65


def test_supervision_alerts_follow_the_settings(db):
    """The thresholds set here are the ones supervision judges annotators by."""
    from annotate.services.quality.report import ReportOptions, compute_report
    from annotate.services.quality.supervision import find_breaches
    from tests.factories import labelled_project

    project = labelled_project(db.session, n_items=150)
    update_settings(
        db.session, project, {"min_peer_agreement": "0.99", "min_n_before_judging": "5"}
    )
    breaches = find_breaches(compute_report(db.session, project, ReportOptions(0)))
    assert {b.metric for b in breaches} == {"cohen_kappa"}
    assert {b.threshold for b in breaches} == {0.99}
    update_settings(db.session, project, {"min_peer_agreement": "0"})
    assert find_breaches(compute_report(db.session, project, ReportOptions(0))) == []


def test_responsible_person_and_time_zone_for_the_dossier(db, make_project, make_user):
    project = make_project()
    boss = make_user("boss", admin=True)
    # Unset: no responsible person, the default zone.
    assert current_settings(project)["responsible_person"] == ""
    assert current_settings(project)["time_zone"] == "Asia/Shanghai"
    diff = update_settings(
        db.session,
        project,
        {"responsible_person": "  Wang Fang  ", "time_zone": "Europe/Berlin"},
        actor=boss,
    )
    db.session.commit()
    assert diff == {
        "responsible_person": ("", "Wang Fang"),
        "time_zone": ("Asia/Shanghai", "Europe/Berlin"),
    }
    assert (project.responsible_person, project.time_zone) == ("Wang Fang", "Europe/Berlin")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "project.settings"))
    assert event.details["changes"]["time_zone"] == {"old": "Asia/Shanghai", "new": "Europe/Berlin"}
    assert event.actor_id == boss.id


@pytest.mark.parametrize("zone", ["Mars/Olympus", "+08:00", "../etc/passwd", "asia/shanghai"])
def test_time_zone_must_be_an_iana_zone(db, make_project, zone):
    project = make_project()
    with pytest.raises(SettingsError) as caught:
        update_settings(db.session, project, {"time_zone": zone, "responsible_person": "x"})
    assert "IANA" in str(caught.value.fields["time_zone"])
    assert caught.value.status_code == 400
    assert project.time_zone is None and project.responsible_person is None


def test_responsible_person_has_a_length_limit(make_project):
    with pytest.raises(SettingsError) as caught:
        parse_settings({"responsible_person": "x" * 201})
    assert "200" in str(caught.value.fields["responsible_person"])
