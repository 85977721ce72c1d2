"""Data commands: ``import`` items into a batch, ``batch list``, ``export dataset``."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from annotate.cli.core import cli_actor, fail
from annotate.cli.progress import progress_bar
from annotate.database import db
from annotate.services.errors import DomainError, InvalidInput


@click.command("import")
@click.argument("project")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch", "batch_name", help="Batch to import into (default: the file's name).")
@click.option("--source", default="", help="Where the data comes from (kept with the batch).")
@click.option("--licence", default="", help="The data's licence, e.g. CC-BY-4.0.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "jsonl", "csv", "labelstudio"]),
    default="auto",
    show_default=True,
    help="File format; auto: .csv is CSV, .json Label Studio, anything else JSONL.",
)
@click.option(
    "--dedupe",
    type=click.Choice(["id", "content"]),
    default="id",
    show_default=True,
    help="Skip records whose id is already in the project (id), or also those whose content "
    "another item has (content). Either way such records are listed.",
)
@click.option(
    "--rulebook-version",
    default=None,
    help="The rulebook version the file's annotations (Label Studio) were made under; "
    "without it they count as 'no rulebook version'.",
)
@with_appcontext
def import_command(
    project: str,
    file: Path,
    batch_name: str | None,
    source: str,
    licence: str,
    fmt: str,
    dedupe: str,
    rulebook_version: str | None,
) -> None:
    """Import the items in FILE into PROJECT: every line is checked, all or nothing.

    JSONL and CSV files are streamed (constant memory whatever their size). Refused, with the
    line named: NUL characters and lone surrogates, nesting deeper than 64 levels, NaN,
    Infinity and integers beyond 64 bits, an unclosed CSV quote, a file with no items."""
    from annotate.services.data.formats import guess_format, iter_records
    from annotate.services.data.imports import import_records
    from annotate.services.projects.projects import get_project

    actor = cli_actor()
    fmt = guess_format(file.name) if fmt == "auto" else fmt
    digest, lines = hashlib.sha256(), 0
    with file.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
            lines += block.count(b"\n")
    try:
        target = get_project(db.session, project)
        problems: list[str] = []
        with file.open("rb") as stream, progress_bar("Importing", lines) as report:
            done = [0]

            def advance(chunk: int) -> None:  # import_records reports each chunk it checks
                done[0] += chunk
                report(done[0])

            result = import_records(
                db.session,
                target,
                iter_records(stream, fmt, problems),
                batch_name=batch_name or file.stem,
                source=source or f"file {file.name} (sha256 {digest.hexdigest()})",
                licence=licence,
                actor=actor,
                parse_problems=problems,
                progress=advance,
                dedupe=dedupe,
                rulebook_version=rulebook_version,
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
    for heading, listed in (
        ("skipped (duplicate id)", result.duplicates),
        ("skipped (duplicate content)", result.duplicate_content),
        ("imported, sharing content with another item", result.shared_content),
    ):
        for line in listed[:20]:
            click.echo(f"  {heading}: {line}", err=True)
        if len(listed) > 20:
            click.echo(f"  … and {len(listed) - 20} more {heading}", err=True)
    if result.annotations_without_version:
        click.echo(
            f"{result.annotations_without_version} imported annotations have no rulebook "
            "version (name one with --rulebook-version).",
            err=True,
        )
    if result.shared_content:
        click.echo(f"{len(result.shared_content)} items share content with existing items.")
    if result.predictions:
        click.echo(f"{result.predictions} model predictions imported with the items.")
    click.echo(result.summary())


@click.group("batch")
def batch_group() -> None:
    """Inspect batches of imported data."""


@batch_group.command("list")
@click.argument("project")
@with_appcontext
def batch_list_command(project: str) -> None:
    """Print PROJECT's batches as JSON (name, status, item count, provenance)."""
    from annotate.services.data.imports import list_batches
    from annotate.services.projects.projects import get_project

    try:
        target = get_project(db.session, project)
    except DomainError as error:
        fail(error)
    click.echo(json.dumps(list_batches(db.session, target), ensure_ascii=False, indent=2))


@click.command("dataset")
@click.argument("project")
@click.option(
    "--format",
    "fmt",
    default="jsonl",
    show_default=True,
    help="jsonl, csv, labelstudio (Label Studio task JSON, re-importable), parquet, "
    "long-csv or long-parquet (one row per annotation).",
)
@click.option(
    "--annotators",
    type=click.Choice(["pseudonym", "name"]),
    default="pseudonym",
    show_default=True,
    help="How the long formats name annotators: a stable per-project pseudonym or the username.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@with_appcontext
def export_dataset_command(project: str, fmt: str, output: Path | None, annotators: str) -> None:
    """Write PROJECT's items with their current annotations, consensus and provenance
    (quarantined items and void batches left out), streamed page by page; or, in the long
    formats, every annotation with its rulebook version, round and review verdict."""
    from annotate.services.data.export import (
        BINARY_FORMATS,
        check_format,
        record_dataset_export,
    )
    from annotate.services.projects.projects import get_project

    try:
        target = get_project(db.session, project)
        check_format(fmt)
    except DomainError as error:
        fail(error)
    actor = cli_actor(required=False)
    binary = fmt in BINARY_FORMATS
    if output is None:
        stats = _export(target, fmt, sys.stdout.buffer if binary else sys.stdout, annotators)
    else:
        partial = output.with_name(output.name + ".part")
        with (
            partial.open("wb") if binary else partial.open("w", encoding="utf-8", newline="")
        ) as out:
            stats = _export(target, fmt, out, annotators)
        partial.replace(output)
    record_dataset_export(db.session, target, stats, actor=actor, via="cli")
    db.session.commit()
    click.echo(
        f"Exported {stats.rows} items and {stats.annotations} annotations "
        f"({fmt}, sha256 {stats.sha256}){f' to {output}' if output else ''}.",
        err=True,
    )


def _export(project: Any, fmt: str, out: Any, annotators: str) -> Any:
    """Write the export to ``out`` (a progress bar in items on a terminal); its stats."""
    import sqlalchemy as sa
    from flask import current_app

    from annotate.models import Item
    from annotate.services.data.export import ExportStats, check_format, iter_dataset

    total = db.session.scalar(
        sa.select(sa.func.count(Item.id)).where(Item.project_id == project.id)
    )
    stats = ExportStats(check_format(fmt, annotators))
    chunks = iter_dataset(
        db.session, project, fmt, stats, annotators=annotators, secret=current_app.secret_key
    )
    with progress_bar("Exporting", total) as report:
        for chunk in chunks:
            out.write(chunk)
            report(stats.rows)
    return stats


commands = [import_command, batch_group]
#: Subcommands of ``annotate export``.
export_commands = [export_dataset_command]
