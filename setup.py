"""Build hook: the wheel carries a copy of the shipped rulebooks (``guidelines/``).

``guidelines/`` stays at the repository root, where the rulebook authors edit it; building the
package copies it into the built ``annotate/guidelines`` so an installed ``annotate demo`` can
load it (:func:`annotate.config.shipped_guidelines_dir`). The copy goes to the build directory
only, never into the source tree; editable installs read the root copy directly. Everything
else about the package is declared in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithGuidelines(build_py):
    """``build_py`` that also copies ``guidelines/`` into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        source = ROOT / "guidelines"
        if not (source / "README.md").is_file():
            raise SystemExit(
                f"{source}: the shipped rulebooks are missing; cannot build a "
                "wheel the demo can run from."
            )
        target = Path(self.build_lib) / "annotate" / "guidelines"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(".*", "__pycache__"))


setup(cmdclass={"build_py": BuildWithGuidelines})
