"""``annotate import-predictions``: a file of model predictions for a project's items."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from annotate.cli.core import cli_actor, fail
from annotate.database import db
from annotate.services.errors import DomainError, InvalidInput


@click.command("import-predictions")
@click.argument("project")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", default=None, help="Model name of predictions that name none.")
@click.option("--version", "version", default=None, help="Model version of those that name none.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "jsonl", "csv", "labelstudio"]),
    default="auto",
    show_default=True,
    help="File format; auto: .csv is CSV, .json Label Studio, anything else JSONL.",
)
@with_appcontext
def import_predictions_command(
    project: str, file: Path, model: str | None, version: str | None, fmt: str
) -> None:
    """Import the model predictions in FILE for PROJECT's existing items, all or nothing.

    One record per item: its id and a prediction object (model, version, value, score 0-1),
    or model/version/value/score fields (CSV columns), or Label Studio tasks with
    predictions. A file naming an unknown item, a label outside the schema or a model
    version an item already has is refused whole, every problem listed with its line."""
    from annotate.services.data.formats import guess_format, iter_records
    from annotate.services.data.prediction_import import import_predictions
    from annotate.services.projects.projects import get_project

    actor = cli_actor()
    fmt = guess_format(file.name) if fmt == "auto" else fmt
    digest = hashlib.sha256()
    with file.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    try:
        target = get_project(db.session, project)
        problems: list[str] = []
        with file.open("rb") as stream:
            result = import_predictions(
                db.session,
                target,
                iter_records(stream, fmt, problems),
                source=f"file {file.name} (sha256 {digest.hexdigest()})",
                actor=actor,
                parse_problems=problems,
                model=model,
                version=version,
            )
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        click.echo(f"Error: {error.args[0]}", err=True)
        if counts := getattr(error, "counts", None):
            click.echo(f"  {json.dumps(counts)}", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(result.summary())


commands = [import_predictions_command]
