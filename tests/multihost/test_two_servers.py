"""The production layout end to end: two gunicorn servers (as if on two hosts) and one
``annotate worker``, against PostgreSQL and Redis. An import goes in through the first
server (202 and a job the worker runs), the items are labelled through the second, the
dataset is exported through the first, and the counts agree.

Runs when ``ANNOTATE_TEST_DATABASE_URL`` names PostgreSQL and Redis answers at
``ANNOTATE_TEST_REDIS_URL``; skipped otherwise, unless ``ANNOTATE_REQUIRE_POSTGRES=1`` /
``ANNOTATE_REQUIRE_REDIS=1`` say they must be there (CI). It makes its own database
(``test_multihost_<pid>``) and drops it afterwards, so it never touches the suite's.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

DATABASE_URL = os.environ.get("ANNOTATE_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("ANNOTATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
ITEMS = 30

pytestmark = pytest.mark.postgres


def _require(flag: str, message: str) -> None:
    if os.environ.get(flag) == "1":
        pytest.fail(f"{flag}=1 but {message}")
    pytest.skip(message)


def _server_database() -> sa.engine.URL:
    if not DATABASE_URL.startswith("postgresql"):
        _require("ANNOTATE_REQUIRE_POSTGRES", "ANNOTATE_TEST_DATABASE_URL names no PostgreSQL")
    from annotate.config import normalise_database_url

    return sa.engine.make_url(normalise_database_url(DATABASE_URL))


def _redis() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - any failure means: no Redis here
        _require("ANNOTATE_REQUIRE_REDIS", f"no Redis at {REDIS_URL}")


@pytest.fixture
def database() -> Iterator[str]:
    """A database of this test's own, created empty and dropped at the end."""
    base = _server_database()
    _redis()
    name = f"test_multihost_{os.getpid()}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _seed(url: str) -> dict[str, str]:
    """Schema, a ready project (one annotation per item), a manager and an annotator with
    API tokens; committed. Returns the tokens."""
    from annotate import create_app
    from annotate.config import TestConfig
    from annotate.database import db
    from annotate.models import ProjectRole
    from annotate.services.accounts.tokens import create_token
    from annotate.services.accounts.users import add_membership, create_user
    from annotate.services.projects.projects import create_project
    from tests.factories import make_ready

    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        project = create_project(
            db.session,
            "multi",
            "Multi",
            "single_label",
            labels=["yes", "no"],
            redundancy_k=1,
            overlap_share=0.0,
            gold_rate=0.0,
        )
        boss = create_user(db.session, "boss", "secret-pw")
        ann = create_user(db.session, "ann", "secret-pw")
        add_membership(db.session, boss, project, ProjectRole.manager)
        add_membership(db.session, ann, project, ProjectRole.annotator)
        make_ready(db, project, [ann], n_items=0)
        tokens = {
            "boss": create_token(db.session, boss, "ci")[1],
            "ann": create_token(db.session, ann, "ci")[1],
        }
        db.session.commit()
        db.engine.dispose()
    return tokens


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(
    base: str,
    method: str,
    path: str,
    token: str,
    body: bytes | None = None,
    kind: str = "application/json",
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": kind}
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    text = raw.decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def _log(path: Path, opened: list[Any]) -> Any:
    opened.append(path.open("w"))
    return opened[-1]


def _logs(folder: Path) -> str:
    return "\n".join(f"{p.name}:\n{p.read_text()[-3000:]}" for p in sorted(folder.glob("*.log")))


def _wait_until_serving(base: str, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{base}: the server exited")
        try:
            with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"no answer from {base}")


def test_two_servers_and_a_worker_share_postgresql_and_redis(database, tmp_path: Path):
    from gunicorn import version_info as gunicorn_version
    from redis import Redis
    from rq import Queue

    from annotate.services.jobs.runners import QUEUE

    tokens = _seed(database)
    Queue(QUEUE, connection=Redis.from_url(REDIS_URL)).empty()
    env = os.environ | {
        "ANNOTATE_DATABASE_URL": database,
        "ANNOTATE_SECRET_KEY": secrets.token_hex(32),
        "ANNOTATE_REDIS_URL": REDIS_URL,
        "ANNOTATE_JOB_FILES_DIR": str(tmp_path / "jobs"),  # the hosts' shared directory
    }
    env.pop("ANNOTATE_TEST_DATABASE_URL", None)
    ports, logs = [_free_port(), _free_port()], []
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "2"]
    if gunicorn_version >= (27,):  # its control socket is one path per user: one per server
        gunicorn.append("--no-control-socket")
    processes = [
        subprocess.Popen(
            [*gunicorn, "-b", f"127.0.0.1:{port}", "annotate:create_app()"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=_log(tmp_path / f"server-{port}.log", logs),
        )
        for port in ports
    ]
    processes.append(
        subprocess.Popen(
            [sys.executable, "-m", "annotate.cli", "worker"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=_log(tmp_path / "worker.log", logs),
        )
    )
    first, second = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        # Each process loads the app: a second or two, much longer on a loaded machine.
        deadline = time.monotonic() + 120
        for base, process in zip((first, second), processes, strict=False):
            _wait_until_serving(base, process, deadline)

        body = "\n".join(json.dumps({"id": f"i{n}", "text": f"text {n}"}) for n in range(ITEMS))
        status, job = _call(
            first,
            "POST",
            "/api/v1/projects/multi/items?batch=b1",
            tokens["boss"],
            body.encode(),
            "application/x-ndjson",
        )
        assert status == 202 and job["state"] == "queued", job
        url = job["status_url"]
        while job["state"] in ("queued", "running"):  # the worker runs it
            assert time.monotonic() < deadline + 60, job
            time.sleep(0.1)
            _, job = _call(first, "GET", url, tokens["boss"])
        assert job["state"] == "done" and job["result"]["counts"]["imported"] == ITEMS, job
        # The job's page is read the same from the other server (its row, not a memory).
        assert _call(second, "GET", url, tokens["boss"])[1]["state"] == "done"

        labelled = 0
        while True:
            status, claim = _call(second, "POST", "/api/v1/projects/multi/next", tokens["ann"])
            assert status == 200, claim
            if claim["assignment"] is None:
                break
            path = f"/api/v1/projects/multi/assignments/{claim['assignment']['id']}/submit"
            value = json.dumps({"value": "yes" if labelled % 3 else "no"}).encode()
            status, answer = _call(second, "POST", path, tokens["ann"], value)
            assert status == 201, answer
            labelled += 1
        assert labelled == ITEMS

        status, text = _call(first, "GET", "/api/v1/projects/multi/export", tokens["boss"])
        assert status == 200
        rows = [json.loads(line) for line in text.splitlines()]
        assert sorted(r["id"] for r in rows) == sorted(f"i{n}" for n in range(ITEMS))
        values = [a["value"] for r in rows for a in r["annotations"]]
        assert len(values) == ITEMS and values.count("no") == (ITEMS + 2) // 3
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()
        print(_logs(tmp_path))  # shown when the test fails
