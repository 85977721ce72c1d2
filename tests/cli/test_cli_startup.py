"""The console script starts fast: its group lists the commands from a table and imports a
command only to run it (``annotate/cli/main.py``). The table must match the commands."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

import click

from annotate.cli import app_commands
from annotate.cli.direct import DIRECT
from annotate.cli.main import APP, COMMANDS, FLASK, main

HEAVY = ("numpy", "scipy", "sklearn", "pandas", "sqlalchemy", "pyarrow")


def _modules_after(code: str) -> set[str]:
    """The heavy modules imported by a fresh interpreter that ran ``code``."""
    script = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: print(json.dumps(sorted({m.split('.')[0] for m in "
        f"sys.modules}} & set({HEAVY!r})))))\n" + code
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert "Traceback" not in done.stderr, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_imports_nothing_heavy():
    assert _modules_after("import annotate.cli.main") == set()


def test_help_and_sample_plan_import_nothing_heavy():
    run = "from annotate.cli.main import main\ntry:\n    main([{}])\nexcept SystemExit:\n    pass\n"
    assert _modules_after(run.format("'--help'")) == set()
    plan = "'sample-plan', '--lot-size', '1000', '--aql', '1.0'"
    assert _modules_after(run.format(plan)) == set()


def test_agreement_loads_neither_pandas_nor_scipy(tmp_path):
    # pyarrow's to_numpy imports pandas, the bootstrap scipy: a second of start-up each
    path = tmp_path / "r.csv"
    path.write_text("item,annotator,label\ni1,a,x\ni1,b,x\ni2,a,y\ni2,b,x\n")
    run = f"from annotate.cli.main import main\ntry:\n    main(['agreement', {str(path)!r}])\n"
    assert _modules_after(run + "except SystemExit:\n    pass\n") == {"numpy", "pyarrow"}


def test_the_table_lists_every_command_with_its_own_help(app):
    real = dict(app_commands())
    plugins = {ep.name for ep in entry_points(group="flask.commands")}
    ctx = click.Context(main)
    for name, (source, text) in COMMANDS.items():
        if source == FLASK:
            assert name in plugins or name in app.cli.commands, name
            continue
        with app.app_context():
            command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        if source == APP:
            assert command is real.pop(name)
        assert command.get_short_help_str(limit=1000) == text, name
    assert real == {}, f"commands missing from annotate.cli.main.COMMANDS: {sorted(real)}"


def test_help_lists_the_table_and_commands_still_run(tmp_path):
    listing = subprocess.run(
        [sys.executable, "-m", "annotate.cli", "--help"], capture_output=True, text=True
    )
    assert listing.returncode == 0
    for name in COMMANDS:
        assert f"\n  {name} " in listing.stdout
    plan = subprocess.run(
        [sys.executable, "-m", "annotate.cli", "sample-plan", "--lot-size", "1000", "--aql", "1"],
        capture_output=True,
        text=True,
    )
    assert json.loads(plan.stdout)["sample_size"] == 80
    unknown = subprocess.run(
        [sys.executable, "-m", "annotate.cli", "no-such-command"], capture_output=True, text=True
    )
    assert unknown.returncode == 2 and "No such command 'no-such-command'" in unknown.stderr


def test_app_less_commands_run_without_flask(tmp_path):
    # the console script runs them straight away (annotate/cli/direct.py): no Flask start-up
    for name, source in DIRECT.items():
        assert COMMANDS[name][0] == source, name
    path = tmp_path / "r.csv"
    path.write_text("item,annotator,label\ni1,a,x\ni1,b,x\ni2,a,y\ni2,b,x\n")
    script = (
        "import sys\nfrom annotate.cli.direct import run\n"
        f"try:\n    run(['agreement', {str(path)!r}])\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'werkzeug'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert '"n_items": 2' in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"
    bad = subprocess.run(
        [sys.executable, "-m", "annotate.cli", "agreement", str(tmp_path / "none.csv")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "Usage: python -m annotate.cli agreement [OPTIONS] FILE" in bad.stderr
    assert "cannot read" in bad.stderr


def test_building_the_app_imports_no_scipy_stats():
    # Every command that needs the app (annotate import, export, worker) and every gunicorn
    # worker builds it: scipy.stats alone took ~0.4 s of a 1.7 s one-line `annotate import`.
    # The intervals use scipy.special's ndtri and betaincinv, which equal norm.ppf and
    # beta.ppf bit for bit (the metrics tests cross-check them with statsmodels).
    code = (
        "import sys\nfrom annotate import create_app\nfrom annotate.config import TestConfig\n"
        "create_app({'CONFIG_CLASS': TestConfig})\n"
        "assert 'scipy.stats' not in sys.modules, 'scipy.stats imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
