"""Project hygiene: the README's two quick-start lines, CI running the same tests, backends."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from annotate.config import TestConfig

ROOT = Path(__file__).resolve().parents[1]


def _quick_start_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```\n(.+?)\n```", section)


def test_readme_has_exactly_two_quick_start_lines():
    lines = _quick_start_lines()
    assert len(lines) == 2
    assert lines[0].endswith("annotate demo")
    assert lines[1].endswith("pytest")


def test_ci_runs_the_readme_test_command_on_sqlite_and_postgres():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _quick_start_lines()[1] in ci
    assert "ANNOTATE_TEST_DATABASE_URL=" in ci and "ANNOTATE_REQUIRE_POSTGRES=1" in ci
    assert "apt-get install -y -q chromium" in ci and "playwright install" not in ci
    for check in (
        ".venv/bin/ruff check .",
        ".venv/bin/ruff format --check .",
        ".venv/bin/mypy",
        ".ci/wheel-check",
        "ANNOTATE_REQUIRE_REDIS=1",
    ):
        assert check in ci, check


@pytest.mark.skipif(
    os.environ.get("ANNOTATE_REQUIRE_POSTGRES") != "1",
    reason="only when CI demands the PostgreSQL run",
)
def test_the_postgres_run_really_uses_postgres(app, db):
    assert db.engine.dialect.name == "postgresql", TestConfig.SQLALCHEMY_DATABASE_URI
    assert db.session.execute(db.text("SELECT version()")).scalar().startswith("PostgreSQL")


def test_no_module_is_too_long():
    # The package, its tests and the benchmark scripts. Migration scripts are generated
    # records of a schema, read once; they are not modules.
    versions = ROOT / "annotate" / "migrations" / "versions"
    paths = [p for folder in ("annotate", "tests", "bench") for p in (ROOT / folder).rglob("*.py")]
    long = {
        str(p.relative_to(ROOT)): n
        for p in paths
        if versions not in p.parents
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert not long, f"split these modules (400 lines max): {long}"
