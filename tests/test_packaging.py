"""The wheel carries what the installed app reads (the full build-and-serve check is
.ci/wheel-check; this catches a file the package-data patterns miss without building)."""

from __future__ import annotations

import glob
import os
import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_package_data_covers_every_file_the_package_reads():
    package = ROOT / "annotate"
    covered: set[str] = set()
    for pattern in PYPROJECT["tool"]["setuptools"]["package-data"]["annotate"]:
        covered.update(
            Path(p).as_posix() for p in glob.glob(pattern, root_dir=package, recursive=True)
        )
    tracked = subprocess.run(
        ["git", "ls-files", "annotate"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    data = {
        Path(f).relative_to("annotate").as_posix()
        for f in tracked
        if not f.endswith(".py") or f.startswith("annotate/migrations/")
    }
    assert data, "git ls-files found nothing"
    assert sorted(data - covered) == []
    for needed in (
        "migrations/alembic.ini",
        "migrations/env.py",
        "migrations/script.py.mako",
        "translations/zh/LC_MESSAGES/messages.mo",
    ):
        assert needed in covered


def test_the_build_backend_supports_the_licence_expression():
    """An SPDX ``license`` string and ``license-files`` need setuptools 77 (PEP 639)."""
    assert isinstance(PYPROJECT["project"]["license"], str)
    requires = " ".join(PYPROJECT["build-system"]["requires"])
    minimum = re.search(r"setuptools>=(\d+)", requires)
    assert minimum and int(minimum[1]) >= 77
    for name in PYPROJECT["project"]["license-files"]:
        assert (ROOT / name).is_file()


def test_the_wheel_check_is_an_executable_script():
    script = ROOT / ".ci" / "wheel-check"
    assert os.access(script, os.X_OK)
    text = script.read_text(encoding="utf-8")
    for step in ("pip wheel", "mktemp -d", 'annotate" init', "demo --seed-only", "gunicorn"):
        assert step in text
