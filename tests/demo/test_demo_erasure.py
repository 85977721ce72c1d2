"""Issue 20 item 5, done when: after ``annotate user erase ann3`` on the demo, the dossier
still builds, ``annotate audit verify`` (and ``--deep``) passes, nothing in the database holds
the name, and no page an administrator or a manager can reach shows it."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

import sqlalchemy as sa

from annotate.database import db as _db
from annotate.demo.seed import DEMO_PASSWORD, seed_demo
from annotate.models import User

NAMES = ("ann3", "Annotator Three")
_HREF = re.compile(r'href="(/[^"#]*)"')


def _texts_holding(session, needle: str) -> list[str]:
    """Every (table.column) whose stored text contains ``needle``."""
    found = []
    for table in _db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.Text | sa.JSON):
                hit = session.scalar(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(sa.cast(column, sa.Text).contains(needle))
                )
                if hit:
                    found.append(f"{table.name}.{column.name}")
    return found


def _crawl(client, starts: list[str], per_shape: int = 2, limit: int = 400) -> dict[str, str]:
    """GET every page reachable by links from ``starts`` (a few per URL shape)."""
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    pages: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(pages) < limit:
        url = queue.popleft()
        path = urlsplit(url).path
        shape = re.sub(r"\d+", "N", path)
        if url in seen or path.startswith(("/static", "/bootstrap", "/logout", "/auth/logout")):
            continue
        seen.add(url)
        if shapes.get(shape, 0) >= per_shape:
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        body = response.get_data(as_text=True)
        response.close()
        if response.status_code != 200:
            continue
        pages[url] = body
        if response.mimetype == "text/html":
            queue.extend(h.replace("&amp;", "&") for h in _HREF.findall(body))
    return pages


def test_erasing_ann3_on_the_demo(app, db, runner, tmp_path, monkeypatch):
    from annotate.services.quality.dossier import build

    monkeypatch.setattr(build, "pdf_renderer", lambda: None)  # the HTML is the dossier
    seed_demo(n_items=120)
    db.session.commit()
    ann3 = db.session.scalar(sa.select(User).where(User.username == "ann3"))
    runner.env = {"ANNOTATE_ACTOR": "admin"}
    result = runner.invoke(args=["user", "erase", "ann3", "--confirm", "ann3"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(User, ann3.id).username == f"erased-{ann3.id}"

    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    deep = runner.invoke(args=["audit", "verify", "--deep"])
    assert deep.exit_code == 0, deep.output
    dossier = runner.invoke(
        args=[
            "dossier",
            "build",
            "demo",
            "-o",
            str(tmp_path / "d"),
            "--lang",
            "en",
            "--bootstrap",
            "0",
        ]
    )
    assert dossier.exit_code == 0, dossier.output
    html = (tmp_path / "d" / "index.html").read_text(encoding="utf-8")
    assert f"erased-{ann3.id}" in html and not any(n in html for n in NAMES)

    for name in NAMES:
        assert _texts_holding(db.session, name) == [], name

    for who in ("admin", "manager"):
        with app.test_client() as client:
            client.post("/logout")  # the previous role's user is remembered in g otherwise
            login = client.post("/login", data={"username": who, "password": DEMO_PASSWORD})
            assert login.status_code == 302
            starts = ["/", "/admin/users/", "/admin/audit/", "/reports/demo", "/reports/ner"]
            starts += [
                f"/reports/demo/annotators/{ann3.id}",
                f"/admin/audit/?actor=erased-{ann3.id}",
            ]
            pages = _crawl(client, starts)
            assert ("/admin/users/" in pages) == (who == "admin")
            assert len(pages) > 20, who
            shown = [url for url, body in pages.items() if any(n in body for n in NAMES)]
            assert shown == [], (who, shown)
            # the crawl does reach the pages that name annotators
            assert any(f"erased-{ann3.id}" in body for body in pages.values()), who
