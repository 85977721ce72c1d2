"""Serving commands: ``run`` (needs a real secret key) and ``demo``."""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, pass_script_info
from flask.cli import run_command as flask_run_command

from annotate import create_app
from annotate.config import DemoConfig
from annotate.database import db


def is_loopback(host: str) -> bool:
    """True if ``host`` names only this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(
                ipaddress.ip_address(info[4][0]).is_loopback
                for info in socket.getaddrinfo(host, None)
            )
        except (socket.gaierror, ValueError):
            return False


@click.command(
    "run",
    params=flask_run_command.params,
    help=flask_run_command.help,
    context_settings={"ignore_unknown_options": False},
)
@click.pass_context
def run_command(ctx: click.Context, **kwargs: object) -> None:
    """Flask's development server, refusing to start without ANNOTATE_SECRET_KEY."""
    info: ScriptInfo = ctx.ensure_object(ScriptInfo)
    app = info.load_app()
    if app.config.get("SECRET_KEY_EPHEMERAL"):
        click.echo(
            "Error: ANNOTATE_SECRET_KEY is not set; refusing to serve. "
            "Use `annotate demo` for a demonstration.",
            err=True,
        )
        sys.exit(1)
    ctx.invoke(flask_run_command, **kwargs)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--seed-only", is_flag=True, help="Build and seed the database, then exit.")
@click.option(
    "--keep", is_flag=True, help="Keep an existing demo database instead of rebuilding it."
)
@click.option(
    "--public",
    is_flag=True,
    help="Allow binding a non-loopback address (the demo passwords are public!).",
)
@click.option(
    "--force-wipe-database",
    "force_wipe",
    metavar="NAME",
    help="Wipe a database that holds other data than the demo's: repeat its name "
    "(the PostgreSQL database's, or the SQLite file's).",
)
@pass_script_info
def demo_command(
    info: ScriptInfo,
    host: str,
    port: int,
    seed_only: bool,
    keep: bool,
    public: bool,
    force_wipe: str | None,
) -> None:
    """Build a fresh demo database with seeded users and data, and serve it.

    Uses ANNOTATE_DATABASE_URL when set, else instance/demo.sqlite. Only an empty database
    or one the demo seeded is rebuilt; any other is refused unless --force-wipe-database
    repeats its name.
    """
    # Deferred for start-up time: the demo seeding imports every service.
    from annotate.cli.progress import progress_bar
    from annotate.demo.guard import wipe_refusal
    from annotate.demo.seed import DEMO_PASSWORD, DEMO_USERS, build_demo_database

    if not seed_only and not public and not is_loopback(host):
        raise click.UsageError(
            f"{host} is not a loopback address; the demo accounts have "
            "public passwords. Pass --public to bind it anyway."
        )
    config: dict[str, object] = {"CONFIG_CLASS": DemoConfig, "LOAD_ENV": True}
    app = create_app(config)
    with app.app_context():
        refusal = wipe_refusal(db.engine, force_wipe)
        if refusal is not None:
            db.engine.dispose()
            click.echo(f"Error: {refusal}", err=True)
            sys.exit(1)
        with progress_bar("Seeding the demo") as step:
            summary = build_demo_database(
                fresh=not keep,
                guidelines=Path(current_app.config["GUIDELINES_DIR"]),
                progress=step,
            )
        url = current_app.extensions["sqlalchemy"].engine.url
        click.echo(f"Demo database: {url.render_as_string(hide_password=True)}")
        click.echo(summary)
        if seed_only:
            db.session.remove()
            db.engine.dispose()
            return
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"\nServing on http://{shown_host}:{port}/  (Ctrl+C to stop)")
    click.echo(f"Accounts (password '{DEMO_PASSWORD}'): {', '.join(DEMO_USERS)}")
    from annotate.services.jobs.runners import runner_name

    if runner_name(app) == "thread":  # no worker: this process runs the schedule itself
        from annotate.services.jobs.clock import start_timer

        start_timer(app)
    # app.run() is a no-op under a Flask CLI group, so serve with Werkzeug directly.
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
