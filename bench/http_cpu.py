"""Where the CPU went during a loop of ``bench/http_loop.py --cpu`` (Linux ``/proc`` only).

The CPU time of the processes is read before and after the loop and put in one of four
groups: the gunicorn master and workers, the PostgreSQL backends of the benchmark database
(SQLite runs inside the workers), this load generator, and everything else the machine did
(other work competing for the same cores, and the kernel). Divided by the cycles done, that
is the CPU one next + submit cycle costs each party; the cores divided by the sum of the first
three is the most cycles/s this machine could give with nothing else running.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from sqlalchemy.engine import make_url

GROUPS = ("gunicorn", "postgres", "load generator", "other")


def _group(pid: int, cmdline: str, database: str | None) -> str:
    if pid == os.getpid():
        return "load generator"
    if "gunicorn" in cmdline:
        return "gunicorn"
    if database and cmdline.startswith("postgres:") and f" {database} " in cmdline:
        return "postgres"
    return "other"


def snapshot(database: str | None) -> dict[str, int]:
    """Clock ticks of user + system time used so far, per group; ``other`` is the machine's
    busy time (``/proc/stat``) less the three others, so it holds the kernel's work and
    processes that come and go too."""
    with open("/proc/stat") as stat:
        machine = [int(v) for v in stat.readline().split()[1:]]
    ticks = dict.fromkeys(GROUPS, 0)
    ticks["machine"] = sum(machine) - machine[3] - machine[4]  # less idle and iowait
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{name}/cmdline", "rb") as cmd:
                cmdline = cmd.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        group = _group(int(name), cmdline, database)
        if group != "other":
            ticks[group] += int(fields[11]) + int(fields[12])
    ticks["other"] = ticks.pop("machine") - sum(ticks.values())
    return ticks


def report(before: dict[str, int], after: dict[str, int], cycles: int) -> None:
    """Print CPU ms per cycle for each group (processes that ended in between are missed)."""
    if not cycles:
        return
    per_tick = 1000 / os.sysconf("SC_CLK_TCK")
    costs = {g: (after[g] - before[g]) * per_tick / cycles for g in GROUPS}
    own = sum(costs[g] for g in GROUPS if g != "other")
    line = "    CPU per cycle: " + ", ".join(f"{g} {costs[g]:.1f} ms" for g in GROUPS)
    if own:
        line += f"; alone on the machine at most {1000 * os.cpu_count() / own:.0f} cycles/s"
    print(line)


def measured(enabled: bool, url: str, loop: Callable[[], dict]) -> dict:
    """Run ``loop`` (it returns a result with ``cycles``); if ``enabled``, print the CPU split."""
    database = make_url(url).database if url.startswith("postgresql") else None
    before = snapshot(database) if enabled else None
    result = loop()
    if before is not None:
        report(before, snapshot(database), result["cycles"])
    return result
