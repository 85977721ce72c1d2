"""Start-up time of the console script (issue 19: ``annotate --help`` and
``annotate sample-plan …`` start in < 0.4 s).

    python bench/cli_start.py [--repeat 7]

Runs each command in a fresh interpreter ``--repeat`` times and keeps the median wall time.
Baselines measured in the same run: a bare interpreter (``python -c pass``, the no-op
ceiling) and one that imports the app (``annotate.create_app``, what every command paid
before the group listed its commands from a table). Prints seconds, the ratio to the bare
interpreter and the target.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET = 0.4
CASES = {
    "python -c pass (no-op ceiling)": ["-c", "pass"],
    "import the app (old start-up)": [
        "-c",
        "import annotate.cli, annotate.models, annotate.metrics.summary",
    ],
    "annotate --help": ["-m", "annotate.cli", "--help"],
    "annotate sample-plan": [
        "-m",
        "annotate.cli",
        "sample-plan",
        "--lot-size",
        "1000",
        "--aql",
        "1",
    ],
}


def wall(args: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    figures = {name: wall(args, options.repeat) for name, args in CASES.items()}
    floor = figures["python -c pass (no-op ceiling)"]
    print(f"{'case':34} {'median s':>9} {'× bare':>7}  target")
    for name, seconds in figures.items():
        target = f"< {TARGET} s: {'met' if seconds < TARGET else 'MISSED'}"
        shown = target if name.startswith("annotate") else ""
        print(f"{name:34} {seconds:9.3f} {seconds / floor:7.1f}  {shown}")


if __name__ == "__main__":
    main()
