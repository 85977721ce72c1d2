"""The ``annotate`` command: init, user create, project create, demo."""

from __future__ import annotations

import os
import subprocess
import sys

import sqlalchemy as sa

from annotate.cli.main import APP, COMMANDS, FLASK, main
from annotate.models import Project, User


def test_user_create_reads_password_from_stdin(runner, db):
    result = runner.invoke(
        args=["user", "create", "alice", "--admin", "--password-stdin"], input="correct horse\n"
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "alice"))
    assert user.is_admin and user.password_hash.startswith("$argon2")


def test_user_create_prompts_for_password(runner, db):
    result = runner.invoke(args=["user", "create", "bob"], input="pw-1234\npw-1234\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User).where(User.username == "bob")) is not None


def test_user_create_existing_name_fails_cleanly(runner, make_user):
    make_user("carol", admin=True)
    result = runner.invoke(
        args=["--as", "carol", "user", "create", "carol", "--password-stdin"], input="pw12\n"
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert "Traceback" not in result.output


def test_project_create_with_labels_and_scale(runner, db, make_user):
    make_user("root", admin=True)
    runner.env = {"ANNOTATE_ACTOR": "root"}
    make_user("boss")
    result = runner.invoke(
        args=[
            "project",
            "create",
            "senti",
            "--name",
            "Sentiment",
            "--task-type",
            "single_label",
            "--labels",
            "pos,neg,neu",
            "--manager",
            "boss",
        ]
    )
    assert result.exit_code == 0, result.output
    project = db.session.scalar(sa.select(Project).where(Project.slug == "senti"))
    assert [label["key"] for label in project.labels] == ["pos", "neg", "neu"]
    assert [label["hotkey"] for label in project.labels] == ["1", "2", "3"]
    result = runner.invoke(
        args=[
            "project",
            "create",
            "stars",
            "--name",
            "Stars",
            "--task-type",
            "rating",
            "--scale",
            "1-5",
            "--manager",
            "boss",
        ]
    )
    assert result.exit_code == 0, result.output
    stars = db.session.scalar(sa.select(Project).where(Project.slug == "stars"))
    assert stars.label_schema == {"scale": {"min": 1, "max": 5, "step": 1}}
    assert stars.measurement_level.value == "ordinal"


def test_project_create_bad_input_fails_cleanly(runner, db, make_user):
    make_user("root", admin=True)
    runner.env = {"ANNOTATE_ACTOR": "root"}
    make_user("boss")
    cases = [
        [
            "project",
            "create",
            "Bad Slug",
            "--name",
            "x",
            "--task-type",
            "single_label",
            "--labels",
            "a",
        ],
        ["project", "create", "nolabels", "--name", "x", "--task-type", "single_label"],
        ["project", "create", "badscale", "--name", "x", "--task-type", "rating", "--scale", "5-1"],
    ]
    for args in cases:
        result = runner.invoke(args=[*args, "--manager", "boss"])
        assert result.exit_code == 1, args
        assert "Error:" in result.output and "--as" not in result.output
    bad_type = runner.invoke(args=["project", "create", "x", "--name", "x", "--task-type", "essay"])
    assert bad_type.exit_code == 2
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0


def test_every_command_and_option_has_help(app):
    import click

    def walk(command, path):
        if isinstance(command, click.Group):
            for name in command.list_commands(click.Context(command)):
                walk(command.get_command(click.Context(command), name), [*path, name])
            return
        assert command.help or command.short_help, f"{' '.join(path)} has no help"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{' '.join(path)} {param.opts} has no help"

    third_party = {"db", "limiter", "shell", "routes"}
    ours = {name for name, (source, _) in COMMANDS.items() if source not in (APP, FLASK)}
    ours -= third_party
    assert {"demo", "run", "agreement", "sample-plan", "sample-size"} <= ours
    for name in sorted(ours):
        walk(main.get_command(click.Context(main), name), [name])
    mine = set(app.cli.commands) - third_party
    assert {
        "init",
        "user",
        "project",
        "import",
        "export",
        "rulebook",
        "sample",
        "audit",
        "dossier",
    } <= mine
    for name in sorted(mine):
        walk(app.cli.get_command(click.Context(app.cli), name), [name])


def _annotate(*args, env, input_text=None):
    return subprocess.run(
        [sys.executable, "-m", "annotate.cli", *args],
        env=env,
        input=input_text,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_seed_only_then_other_commands_share_the_database(tmp_path):
    """`ANNOTATE_DATABASE_URL=… annotate demo --seed-only` then any command on that data."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOTATE_")}
    env["ANNOTATE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'scratch.sqlite'}"
    seeded = _annotate("demo", "--seed-only", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert "ann1" in seeded.stdout
    assert "Seeding" not in seeded.stderr  # the progress bar draws on a terminal only
    again = _annotate("user", "create", "ann1", "--password-stdin", env=env, input_text="x1234\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    created = _annotate(
        "user", "create", "newbie", "--password-stdin", env=env, input_text="x1234\n"
    )
    assert created.returncode == 0, created.stderr
    routes = _annotate("init", env=env)
    assert routes.returncode == 0, routes.stderr
    engine = sa.create_engine(env["ANNOTATE_DATABASE_URL"])
    with engine.connect() as connection:
        names = {row[0] for row in connection.execute(sa.text("SELECT username FROM users"))}
    engine.dispose()
    assert {"admin", "manager", "reviewer", "ann1", "ann2", "ann3", "newbie"} <= names


def test_run_refuses_without_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOTATE_")}
    env["ANNOTATE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite'}"
    result = _annotate("run", "--port", "5999", env=env)
    assert result.returncode == 1
    assert "ANNOTATE_SECRET_KEY" in result.stderr


def test_demo_refuses_a_public_host_without_flag(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOTATE_")}
    env["ANNOTATE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite'}"
    result = _annotate("demo", "--host", "0.0.0.0", env=env)
    assert result.returncode == 2
    assert "--public" in result.stderr
