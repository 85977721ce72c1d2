"""Benchmark the labeling loop over real HTTP: gunicorn (2 workers) on PostgreSQL and SQLite.

    python bench/http_loop.py [--db-url postgresql+psycopg://postgres@127.0.0.1:5432/h9]
                         [--items 100000] [--duration 20] [--annotators 8] [--threads 4]
                         [--skip-pg] [--skip-sqlite] [--ceiling] [--cpu]

For each database: build it from scratch (``create_all``; SQLite is a temporary file in WAL
mode), create a single-label project with ``--items`` items imported through the import
service (5 % gold), a published rulebook, a legal-awareness module, and ``--annotators``
annotators, each with a membership, a qualification, a passed legal attempt and an API token.
Then start gunicorn on a free port of 127.0.0.1 with the README's production options (2
workers, the gthread worker class with ``--threads`` threads each; ``--threads 1``: sync
workers) and run two loops, each with one thread per annotator for ``--duration`` seconds:

* **api**: ``POST /api/v1/projects/<slug>/next`` → ``POST …/assignments/<id>/submit``;
* **html**: ``GET /annotate/<slug>`` → ``POST`` its form (with the page's CSRF token).

Prints cycles/s, p50/p95/p99 latency per request type and error counts, then one summary line
per database and loop, and the SQLite/PostgreSQL ratio. The load generator runs on the same
machine as gunicorn and competes with it for the CPU; the figures include that. ``--ceiling``
first runs the api loop against a Flask app that does nothing (``bench/http_ceiling.py``),
under the same gunicorn and client: the most this machine allows, whatever the application.
``--cpu`` prints the CPU time one cycle costs gunicorn, PostgreSQL, the load generator and the
rest of the machine (``bench/http_cpu.py``).
"""

from __future__ import annotations

import os
import sys

# Run from a checkout: the repository root first on the path (the file is not called http.py,
# which would shadow the standard library's http package for every script in bench/).
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, _ROOT)

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
from collections import defaultdict  # noqa: E402
from functools import partial  # noqa: E402

from bench import http_cpu  # noqa: E402
from bench._http_data import PASSWORD, SECRET, SLUG, build  # noqa: E402

HOST = "127.0.0.1"
MAX_CYCLES = 50_000  # per thread, on top of the time bound


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def gunicorn_args(workers: int, threads: int) -> list[str]:
    """The worker options measured (the README's production line uses the same)."""
    if threads > 1:
        return ["-w", str(workers), "-k", "gthread", "--threads", str(threads)]
    return ["-w", str(workers)]


def start_gunicorn(
    url: str, port: int, workers: int, threads: int = 1, app: str = "annotate:create_app()"
) -> subprocess.Popen:
    env = dict(os.environ, ANNOTATE_SECRET_KEY=SECRET, ANNOTATE_DATABASE_URL=url)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    proc = subprocess.Popen(
        [
            gunicorn,
            *gunicorn_args(workers, threads),
            "-b",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
            app,
        ],
        env=env,
        cwd=_ROOT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Client:
    """One keep-alive-if-possible connection with a cookie jar of one cookie name each."""

    def __init__(self, port: int, stats: Stats) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.stats = stats

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.stats.add(kind, time.perf_counter() - t0, ok=False)
            return 0, b"", {}
        elapsed = time.perf_counter() - t0
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self.conn.close()
        self.stats.add(kind, elapsed, ok=response.status < 400)
        return response.status, data, {k.lower(): v for k, v in response.getheaders()}


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.cycles = 0

    def add(self, kind: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1


def api_worker(port: int, token: str, stats: Stats, deadline: float) -> None:
    client = Client(port, stats)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for _ in range(MAX_CYCLES):
        if time.monotonic() >= deadline:
            return
        status, data, _h = client.call(
            "api next", "POST", f"/api/v1/projects/{SLUG}/next", b"", auth
        )
        lease = json.loads(data).get("assignment") if status == 200 else None
        if not lease:
            continue
        assignment = lease["id"]
        status, _d, _h = client.call(
            "api submit",
            "POST",
            f"/api/v1/projects/{SLUG}/assignments/{assignment}/submit",
            json.dumps({"value": "pos"}).encode(),
            auth,
        )
        if status == 201:
            with stats.lock:
                stats.cycles += 1


_CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')
_ACTION = re.compile(rb'id="answer-form" action="([^"]+)"')


def html_worker(port: int, username: str, stats: Stats, deadline: float) -> None:
    client = Client(port, stats)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    _s, page, _h = client.call("login", "GET", "/login")
    token = _CSRF.search(page)
    body = urllib.parse.urlencode(
        {
            "csrf_token": token.group(1).decode() if token else "",
            "username": username,
            "password": PASSWORD,
        }
    ).encode()
    status, _d, _h = client.call("login", "POST", "/login", body, form)
    if status != 302:
        return
    for _ in range(MAX_CYCLES):
        if time.monotonic() >= deadline:
            return
        status, page, _h = client.call("html GET screen", "GET", f"/annotate/{SLUG}")
        action, token = _ACTION.search(page), _CSRF.search(page)
        if status != 200 or action is None or token is None:
            continue
        body = urllib.parse.urlencode(
            {"csrf_token": token.group(1).decode(), "label": "pos", "duration_ms": "1500"}
        ).encode()
        status, _d, _h = client.call(
            "html POST submit", "POST", action.group(1).decode().replace("&amp;", "&"), body, form
        )
        if status == 302:
            with stats.lock:
                stats.cycles += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def run_loop(name: str, port: int, users: list[tuple[str, str]], duration: float) -> dict:
    stats = Stats()
    target = api_worker if name == "api" else html_worker
    deadline = time.monotonic() + duration
    t0 = time.perf_counter()
    threads = [
        threading.Thread(
            target=target,
            daemon=True,
            args=(port, token if name == "api" else username, stats, deadline),
        )
        for username, token in users
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 60)
    elapsed = time.perf_counter() - t0
    result = {"cycles": stats.cycles, "rate": stats.cycles / elapsed, "kinds": {}}
    print(
        f"  {name} loop: {stats.cycles} cycles in {elapsed:.1f} s = {result['rate']:.1f} cycles/s"
    )
    for kind, times in sorted(stats.times.items()):
        figures = {q: percentile(times, q) for q in (0.5, 0.95, 0.99)}
        result["kinds"][kind] = figures
        print(
            f"    {kind:<17} n={len(times):>6}  p50 {figures[0.5]:6.1f} ms  "
            f"p95 {figures[0.95]:6.1f} ms  p99 {figures[0.99]:6.1f} ms  "
            f"errors {stats.errors.get(kind, 0)}"
        )
    result["p95"] = max((f[0.95] for k, f in result["kinds"].items() if k != "login"), default=0.0)
    return result


def bench_database(label: str, url: str, args: argparse.Namespace) -> dict:
    t0 = time.perf_counter()
    users = build(url, args.items, args.annotators, args.done)
    print(
        f"{label}: built {args.items:,} items ({args.done:.0%} already done), "
        f"{args.annotators} annotators in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    port = free_port()
    proc = None
    try:
        proc = start_gunicorn(url, port, args.workers, args.threads)
        return {
            loop: http_cpu.measured(
                args.cpu, url, partial(run_loop, loop, port, users, args.duration)
            )
            for loop in args.loops
        }
    finally:
        if proc is not None:
            stop(proc)


def bench_ceiling(args: argparse.Namespace) -> dict:
    """The api loop against ``bench/http_ceiling.py`` (same gunicorn, same client, no app)."""
    port = free_port()
    proc = None
    try:
        proc = start_gunicorn(
            "sqlite://", port, args.workers, args.threads, app="bench.http_ceiling:create_app()"
        )
        print("Ceiling: the api loop against a Flask app that does nothing")
        return {
            "api": http_cpu.measured(
                args.cpu,
                "sqlite://",
                partial(run_loop, "api", port, [("", "none")] * args.annotators, args.duration),
            )
        }
    finally:
        if proc is not None:
            stop(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/h9")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=8)
    parser.add_argument(
        "--done",
        type=float,
        default=0.0,
        help="share of the items already fully annotated (late in a project)",
    )
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker (gthread; 1: sync workers)"
    )
    parser.add_argument("--loops", default="api,html")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="first run the api loop against a Flask app that does nothing",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="print the CPU per cycle of gunicorn, PostgreSQL, the load "
        "generator and the rest of the machine (Linux)",
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    args.duration = max(1.0, min(args.duration, 120.0))
    args.annotators = max(1, min(args.annotators, 32))
    args.loops = [loop for loop in args.loops.split(",") if loop in ("api", "html")]
    print(
        f"{os.cpu_count()} CPU cores shared by gunicorn "
        f"({' '.join(gunicorn_args(args.workers, args.threads))}), PostgreSQL and this load "
        f"generator ({args.annotators} threads); {args.duration:.0f} s per loop"
    )
    results: dict[str, dict] = {}
    if args.ceiling:
        results["ceiling"] = bench_ceiling(args)
    if not args.skip_pg:
        results["PostgreSQL"] = bench_database("PostgreSQL", args.db_url, args)
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="annotate-http-") as tmp:
            path = os.path.join(tmp, "bench.sqlite")
            import sqlite3

            with sqlite3.connect(path) as conn:
                conn.execute("PRAGMA journal_mode=WAL")
            results["SQLite (WAL)"] = bench_database("SQLite (WAL)", f"sqlite:///{path}", args)
    print("\nsummary (target: >= 200 cycles/s, p95 < 50 ms, SQLite within 20 % of PostgreSQL)")
    for label, loops in results.items():
        for loop, result in loops.items():
            print(
                f"  {label:<13} {loop:<4} {result['rate']:7.1f} cycles/s  "
                f"worst p95 {result['p95']:6.1f} ms"
            )
    if "PostgreSQL" in results and "SQLite (WAL)" in results:
        pg, lite = results["PostgreSQL"], results["SQLite (WAL)"]
        for loop in args.loops:
            ratio = lite[loop]["rate"] / pg[loop]["rate"] if pg[loop]["rate"] else 0.0
            print(f"  SQLite/PostgreSQL {loop}: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
