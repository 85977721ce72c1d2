"""``annotate project``: create (from a template), show and set a project's settings, and the
project-creator permission. Thin wrappers over :mod:`annotate.services.projects`."""

from __future__ import annotations

import json
from typing import Any

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from annotate.cli.core import cli_actor, fail
from annotate.database import db
from annotate.models import RulebookKind, TaskType, User
from annotate.services.errors import DomainError, NotFound
from annotate.services.projects.templates import TEMPLATES


def _user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user {username!r}.")
    return user


@click.group("project")
def project_group() -> None:
    """Manage projects: create, show and set their settings."""


@project_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Human-readable project name.")
@click.option(
    "--manager",
    "manager_name",
    default=None,
    help="Username of the project's first manager (default: the account of --as).",
)
@click.option(
    "--template",
    type=click.Choice(sorted(k for k in TEMPLATES if k != "blank")),
    help="Start from a template: its task type, labels (en/zh names, hotkeys) and settings.",
)
@click.option(
    "--task-type",
    type=click.Choice([t.value for t in TaskType]),
    help="What annotators produce for each item (required without --template).",
)
@click.option("--labels", help="Comma-separated label keys, e.g. positive,negative,neutral.")
@click.option("--scale", help="Rating scale as MIN-MAX, e.g. 1-5 (rating projects).")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in RulebookKind]),
    default=None,
    help="Kind of rulebook (default: the template's, else functional); security projects "
    "review every annotation.",
)
@with_appcontext
def project_create_command(
    slug: str,
    name: str,
    manager_name: str | None,
    template: str | None,
    task_type: str | None,
    labels: str | None,
    scale: str | None,
    kind: str | None,
) -> None:
    """Create the project SLUG; the --manager user becomes its manager."""
    from annotate.services.projects.projects import create_project
    from annotate.services.projects.schema import check_schema

    chosen = TEMPLATES.get(template or "")
    if chosen is None and task_type is None:
        fail("Give --task-type or --template.")
    settings: dict[str, Any] = dict(chosen.settings) if chosen else {}
    kwargs: dict[str, Any] = {}
    actor = cli_actor()
    try:
        manager = _user(manager_name) if manager_name else actor
        if manager is None:
            fail("Give --manager USERNAME (or --as USERNAME): a project needs a manager.")
        if chosen is not None and chosen.task_type is not None and task_type is None:
            task_type = chosen.task_type.value
            if not labels and not scale:
                schema, level = check_schema(
                    chosen.task_type,
                    [dict(label) for label in chosen.labels],
                    chosen.scale,
                    chosen.measurement_level,
                )
                kwargs = {"label_schema": schema, "measurement_level": level}
        rulebook_kind = RulebookKind(
            kind or (chosen.rulebook_kind.value if chosen else RulebookKind.functional.value)
        )
        assert task_type is not None
        project = create_project(
            db.session,
            slug,
            name,
            task_type,
            labels=labels.split(",") if labels else None,
            scale=scale,
            rulebook_kind=rulebook_kind,
            actor=actor,
            manager=manager,
            **kwargs,
            **settings,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    assert manager is not None  # fail() above exits otherwise
    click.echo(
        f"Created project {project.slug} ({project.task_type.value}); manager {manager.username}."
    )


@project_group.command("show")
@click.argument("slug")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts.",
)
@with_appcontext
def project_show_command(slug: str, fmt: str) -> None:
    """Show the project SLUG: its label schema and every setting with its help."""
    from annotate.services.projects.projects import get_project
    from annotate.services.projects.settings import SETTINGS, current_settings

    try:
        project = get_project(db.session, slug)
    except DomainError as error:
        fail(error)
    values = current_settings(project)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "slug": project.slug,
                    "rulebook_kind": project.rulebook_kind.value,
                    "measurement_level": project.measurement_level.value,
                    "label_schema": project.label_schema,
                    "settings": values,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"{project.slug}: {project.name} ({project.rulebook_kind.value})")
    for label in project.labels:
        click.echo(
            f"  label {label['key']}: {label.get('name', '')} / {label.get('name_zh', '')}"
            f"  hotkey {label.get('hotkey') or '-'}"
        )
    if "scale" in project.label_schema:
        scale = project.label_schema["scale"]
        click.echo(f"  scale {scale['min']}-{scale['max']} step {scale.get('step', 1)}")
    click.echo(f"  measurement level {project.measurement_level.value}")
    group = None
    for setting in SETTINGS:
        if setting.group != group:
            group = setting.group
            click.echo(f"[{group}]")
        click.echo(f"  {setting.key} = {values[setting.key]}")
        click.echo(f"      {setting.help}" + (f" {setting.basis}" if setting.basis else ""))


@project_group.command("set")
@click.argument("slug")
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@click.option("--by", "by", default=None, help="Username recorded as the author (default: --as).")
@with_appcontext
def project_set_command(slug: str, assignments: tuple[str, ...], by: str | None) -> None:
    """Change settings of the project SLUG, e.g. ``redundancy_k=2 gold_rate=0.1 aql=1.0``.

    All or nothing: one invalid value or a change contradicting work already done changes
    nothing. ``annotate project show SLUG`` lists the keys.
    """
    from annotate.services.projects.projects import get_project
    from annotate.services.projects.settings import update_settings

    changes: dict[str, str] = {}
    for pair in assignments:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"{pair!r} is not KEY=VALUE.")
        changes[key.strip()] = value
    try:
        project = get_project(db.session, slug)
        actor = cli_actor(by=by)
        diff = update_settings(db.session, project, changes, actor=actor)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    if not diff:
        click.echo("Nothing changed.")
    for key, (old, new) in diff.items():
        click.echo(f"{key}: {old} -> {new}")


@project_group.command("creator")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="Take the permission away instead.")
@with_appcontext
def project_creator_command(username: str, revoke: bool) -> None:
    """Give USERNAME the permission to create projects (or take it away)."""
    from annotate.services.projects.projects import set_project_creator

    actor = cli_actor()
    try:
        user = _user(username)
        set_project_creator(db.session, user, not revoke, actor=actor)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    state = "may" if user.can_create_projects else "may no longer"
    click.echo(f"{user.username} {state} create projects.")


commands = [project_group]
