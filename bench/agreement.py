"""``annotate agreement`` on a 1,000,000-row CSV against pandas + krippendorff (issue 19).

    python bench/agreement.py [--rows 1000000] [--annotators 20] [--per-item 4] [--repeat 3]

Generates ``item,annotator,label`` rows (``--per-item`` annotators of ``--annotators`` on each
item, five labels, annotators mostly agreeing) and times, each in a fresh process (start-up
included, best of ``--repeat``, wall and the child's CPU):

* **ours**: ``python -m annotate.cli agreement FILE`` (every headline figure: percent
  agreement, mean Cohen's κ over the pairs, Fleiss, Scott, AC1 and α);
* **baseline**: ``pandas.read_csv`` + ``pivot`` + ``krippendorff.alpha`` (α only) on the same
  file.

annotate's bytecode is compiled first, as installing a package does: with
``PYTHONDONTWRITEBYTECODE`` set, every run would otherwise compile its modules from source
(~0.07 s of CPU), while pandas and krippendorff come compiled.

Prints both, the speed-up (target ≥ 3× in wall and in CPU), the two α (they must agree to
1e-9), and checks that a malformed copy of the file (a duplicate pair near the end) gets the
row reader's line-numbered error. Needs pandas and krippendorff (the test extra).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = """
import sys, json
import pandas as pd, krippendorff
frame = pd.read_csv(sys.argv[1], dtype={"item": str, "annotator": str, "label": float})
matrix = frame.pivot(index="annotator", columns="item", values="label").to_numpy()
print(json.dumps({"krippendorff_alpha": krippendorff.alpha(reliability_data=matrix,
      level_of_measurement="nominal")}))
"""


def make_file(path: Path, rows: int, annotators: int, per_item: int) -> None:
    rng = random.Random(0)
    names = [f"ann{a:02d}" for a in range(annotators)]
    with path.open("w", encoding="utf-8") as out:
        out.write("item,annotator,label\n")
        for item in range(rows // per_item):
            truth = rng.randrange(5)
            for name in rng.sample(names, per_item):
                label = truth if rng.random() < 0.8 else rng.randrange(5)
                out.write(f"item{item:07d},{name},{label + 1}\n")


def run(args: list[str], repeat: int) -> tuple[float, float, str]:
    """Best wall time, the CPU of that run (user + system of the child) and its stdout."""
    best = (float("inf"), 0.0, "")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode:
            raise SystemExit(f"{args}: exit {done.returncode}\n{done.stderr}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if wall < best[0]:
            best = (wall, cpu, done.stdout)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--annotators", type=int, default=20)
    parser.add_argument("--per-item", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "annotate")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.csv"
        make_file(path, options.rows, options.annotators, options.per_item)
        ours = run(["-m", "annotate.cli", "agreement", str(path)], options.repeat)
        base = run(["-c", BASELINE, str(path)], options.repeat)
        alpha = json.loads(ours[2])["krippendorff_alpha"]
        alpha_base = json.loads(base[2])["krippendorff_alpha"]
        print(
            f"{options.rows:,} rows, {options.annotators} annotators, {options.per_item} per item"
        )
        print(f"{'':34} {'wall s':>8} {'CPU s':>8}")
        print(f"{'annotate agreement (all figures)':34} {ours[0]:8.2f} {ours[1]:8.2f}")
        print(f"{'pandas + pivot + krippendorff':34} {base[0]:8.2f} {base[1]:8.2f}")
        for what, i in (("wall", 0), ("CPU", 1)):
            ratio = base[i] / ours[i]
            verdict = "met" if ratio >= 3 else "MISSED"
            print(f"speed-up ({what}): {ratio:.1f}x  target >= 3x: {verdict}")
        diff = abs(alpha - alpha_base)
        print(f"alpha: ours {alpha!r}, krippendorff {alpha_base!r}, diff {diff:.1e}")
        assert abs(alpha - alpha_base) <= 1e-9, "alpha differs"
        lines = path.read_text(encoding="utf-8").splitlines()
        broken = Path(tmp) / "broken.csv"
        broken.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "annotate.cli", "agreement", str(broken)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        print(f"malformed copy: exit {done.returncode}, {done.stderr.strip().splitlines()[-1]}")
        assert f"line {len(lines) + 1}: duplicate" in done.stderr


if __name__ == "__main__":
    main()
