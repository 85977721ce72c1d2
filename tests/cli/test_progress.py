"""Long CLI commands show a progress bar on a terminal and print nothing of it otherwise
(``annotate/cli/progress.py``)."""

from __future__ import annotations

import io
import sys

import click._termui_impl
import pytest

from annotate.cli import progress
from annotate.cli.progress import progress_bar
from tests.factories import labelled_project


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch):
    """Make standard error a terminal for the bar (CliRunner's own included)."""
    monkeypatch.setattr(progress, "on_terminal", lambda: True)
    monkeypatch.setattr(click._termui_impl, "isatty", lambda stream: True)


def test_the_bar_is_silent_off_a_terminal(capsys):
    with progress_bar("Importing", 10) as report:
        report(4)
        report(10, 10)
    assert capsys.readouterr().err == ""


def test_the_bar_draws_on_a_terminal_and_ends_full(monkeypatch):
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with progress_bar("Importing", 10) as report:
        report(4)
        report(7, 20)  # a total learnt on the way
    assert "Importing" in screen.getvalue() and "20/20" in screen.getvalue()
    assert "100%" in screen.getvalue()


def _data(tmp_path, n=30):
    data = tmp_path / "more.jsonl"
    data.write_text("".join(f'{{"id": "x{i}", "text": "t{i}"}}\n' for i in range(n)))
    return data


def test_import_export_and_report_are_quiet_in_a_pipe(runner, db, tmp_path):
    labelled_project(db.session, n_items=20)
    runner.env = {"ANNOTATE_ACTOR": "manager"}
    for args, label in (
        (["import", "demo", str(_data(tmp_path))], "Importing"),
        (["export", "dataset", "demo", "-o", str(tmp_path / "out.jsonl")], "Exporting"),
        (["export", "metrics", "demo", "--bootstrap", "0"], "Computing"),
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert label not in result.stderr and "%" not in result.stderr


def test_import_export_and_report_draw_a_bar_on_a_terminal(runner, db, tmp_path, terminal):
    labelled_project(db.session, n_items=20)
    runner.env = {"ANNOTATE_ACTOR": "manager"}
    for args, label in (
        (["import", "demo", str(_data(tmp_path))], "Importing"),
        (["export", "dataset", "demo", "-o", str(tmp_path / "out.jsonl")], "Exporting"),
        (["supervise", "demo"], "Computing the report"),
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert label in result.stderr and "100%" in result.stderr, result.stderr
