"""Every page, as each role, in Chinese: no text of the catalogue is left in English.

The crawl visits every GET route of ``app.url_map`` (HTML pages; not the API, files or
downloads) with real ids from the factories — a reviewed batch, feedback, alerts and a
retraining, a flagged item, a quiz attempt — as admin, manager, reviewer and annotator with
``Accept-Language: zh-CN``. A page fails when one of its texts (a text node, a ``title``,
``placeholder``, ``aria-label`` or ``alt``) is a msgid of ``messages.po`` whose Chinese
translation differs from it: the rendering stayed English. Messages with placeholders
count when their longest fixed part (three words or more) shows.

(``tests/browser/test_pages_zh.py`` looks at the main pages in Chromium; this walks them all.)
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from annotate.database import utcnow
from annotate.markdown import render_markdown
from annotate.models import (
    Annotation,
    Batch,
    Feedback,
    FlagKind,
    Item,
    ItemFlag,
    QuizQuestion,
    RulebookVersion,
    SampledAnnotation,
    SupervisionAction,
    TrainingAttempt,
    TrainingModule,
    User,
    Verdict,
)

PO = Path(__file__).resolve().parents[2] / "annotate/translations/zh/LC_MESSAGES/messages.po"
ROLES = ("admin", "manager", "reviewer", "ann1")
#: Responses that are files, not pages.
SKIP = {"reports.dossier_zip", "reports.metrics_csv", "rulebooks.transcript_csv"}
PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0-9.]*[sdfr]|%%")


def _catalogue() -> tuple[set[str], list[str]]:
    """English msgids whose Chinese differs: whole texts, and fixed parts of messages with
    placeholders (their longest part of three words or more)."""
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    whole: set[str] = set()
    parts: list[str] = []
    for message in catalog:
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        msgstr = message.string[0] if isinstance(message.string, tuple) else message.string
        if not msgid or not msgstr or msgstr == msgid or not re.search("[A-Za-z]{2}", msgid):
            continue
        if PLACEHOLDER.search(msgid):
            longest = max((p.strip() for p in PLACEHOLDER.split(msgid)), key=len)
            if len(longest.split()) >= 3:
                parts.append(longest)
        else:
            whole.add(" ".join(msgid.split()))
    return whole, parts


class _Texts(HTMLParser):
    """The texts a reader sees: text nodes and the attributes that show."""

    SHOWN = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.texts += [value for name, value in attrs if name in self.SHOWN and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data)


def english_left(
    html: str, whole: set[str], parts: list[str], data: frozenset[str] = frozenset()
) -> list[str]:
    """The catalogue's English texts shown on ``html`` (texts in ``data`` are data: a
    username "reviewer" is not the role's name left untranslated)."""
    parser = _Texts()
    parser.feed(html)
    texts = [" ".join(t.split()) for t in parser.texts]
    texts = [t for t in texts if t not in data]
    found = sorted({t for t in texts if t in whole})
    page = " ".join(texts)
    found += sorted({p for p in parts if p in page})
    return found


@pytest.fixture
def world(db):
    """A project with everything a page can show: reviews (one incorrect, with an error type
    and a clause), feedback, an alert and a retraining, a flagged item, a quiz attempt."""
    from annotate.services.labeling.flags import flag_item
    from annotate.services.quality.report import ReportOptions, compute_report
    from annotate.services.quality.supervision import raise_alerts, take_action
    from annotate.services.review.reviews import next_for, record_review
    from annotate.services.review.sampling import draw_plan
    from tests.factories import labelled_project

    project = labelled_project(db.session, n_items=40, n_unlabelled=10)
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    batch = db.session.scalars(sa.select(Batch).order_by(Batch.id)).first()
    plan = draw_plan(db.session, batch, method="fixed_n", n=4, seed=1, calibration=0)
    version = db.session.scalar(sa.select(RulebookVersion))
    clause = version.clauses[0].key
    for n in range(2):
        sampled = next_for(db.session, plan, users["reviewer"])
        if n == 0:
            wrong = next(
                label["key"] for label in project.labels if label["key"] != sampled.annotation.value
            )
            record_review(
                db.session,
                sampled,
                users["reviewer"],
                Verdict.incorrect,
                corrected_value=wrong,
                error_type="wrong_label",
                clause_key=clause,
                comment="见规则。",
            )
        else:
            record_review(db.session, sampled, users["reviewer"], Verdict.correct)
    project.min_peer_agreement = 0.99
    project.min_n_before_judging = 1
    raise_alerts(db.session, compute_report(db.session, project, ReportOptions(0)))
    take_action(
        db.session,
        project,
        users["ann3"],
        SupervisionAction.retrain,
        "重读 R1。",
        actor=users["manager"],
    )
    item = db.session.scalars(sa.select(Item).where(Item.annotation_count == 0)).first()
    flag_item(db.session, item, users["ann2"], FlagKind.personal_info, "电话号码")
    module = db.session.scalar(sa.select(TrainingModule))
    db.session.add(
        TrainingAttempt(
            user_id=users["ann1"].id,
            module_id=module.id,
            project_id=None,
            score=1.0,
            passed=True,
            answers={},
            started_at=utcnow() - timedelta(minutes=5),
            submitted_at=utcnow(),
        )
    )
    db.session.commit()
    # Two jobs of the manager: a metrics CSV done, an import whose upload is gone (failed).
    from annotate.services.jobs.queue import run_job, submit

    done = submit(db.session, "metrics", actor=users["manager"], project=project)
    failed = submit(
        db.session,
        "import",
        actor=users["manager"],
        project=project,
        params={"upload": "uploads/missing.jsonl", "format": "jsonl", "batch": "b"},
    )
    db.session.commit()
    run_job(done.id)
    run_job(failed.id)
    sampled = db.session.scalar(sa.select(SampledAnnotation).order_by(SampledAnnotation.id.desc()))
    data = {u.username for u in users.values()} | {project.name, project.slug}
    data |= {str(v) for label in project.labels for v in label.values()}
    # The rulebook (an English document here) and its quiz are content, not messages.
    content = _Texts()
    content.feed(render_markdown(version.body))
    data |= {" ".join(t.split()) for t in content.texts}
    for question in db.session.scalars(sa.select(QuizQuestion)):
        data |= {question.prompt, question.explanation, *map(str, question.choices)}
    return data, {
        "slug": project.slug,
        "fmt": "csv",
        "item_id": item.id,
        "template_key": "content_safety",
        "version": version.version,
        "question_id": db.session.scalar(sa.select(QuizQuestion.id)),
        "user_id": users["ann1"].id,
        "attempt_id": db.session.scalar(sa.select(TrainingAttempt.id)),
        "module_id": module.id,
        "batch_id": batch.id,
        "plan_id": plan.id,
        "sampled_id": sampled.id,
        "job_id": failed.id,
        "flag_id": db.session.scalar(sa.select(ItemFlag.id)),
        "annotation_id": db.session.scalar(
            sa.select(Annotation.id).where(Annotation.annotator_id == users["ann1"].id).limit(1)
        ),
    }


def _pages(app, ids):
    from flask import url_for

    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in SKIP:
            continue
        if rule.endpoint.split(".")[0] in ("api", "static", "bootstrap", "main", "auth"):
            continue
        with app.test_request_context():
            yield url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments})


def test_no_english_from_the_catalogue_on_a_chinese_page(app, db, world, client):
    data, ids = world
    whole, parts = _catalogue()
    assert "Percent agreement" in whole and len(parts) > 100  # the catalogue was read
    pages = sorted(set(_pages(app, ids)))
    problems: dict[str, list[str]] = {}
    shown = 0
    for username in ROLES:
        client.post("/logout")
        client.post("/login", data={"username": username, "password": "demo"})
        for url in pages:
            response = client.get(url, headers={"Accept-Language": "zh-CN"})
            assert response.status_code < 500, f"{url} as {username}"
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            shown += 1
            left = english_left(response.get_data(as_text=True), whole, parts, frozenset(data))
            if left:
                problems[f"{url} as {username}"] = left
    assert shown >= 55  # the walk saw the pages, not refusals (61 on 2026-12-07)
    assert not problems, "\n".join(f"{page}: {left}" for page, left in problems.items())


def test_the_checker_sees_english_left_in_a_page():
    whole, parts = _catalogue()
    page = (
        '<p title="Percent agreement">一致率</p><script>"Percent agreement"</script>'
        "<p>租约 <time>14天后</time> 到期</p><p>Your annotation work in P is suspended. "
        "Reason: x</p>"
    )
    assert english_left(page, whole, parts) == [
        "Percent agreement",
        "Your annotation work in",
    ]
    assert english_left("<td>reviewer</td>", whole, parts, frozenset({"reviewer"})) == []
    assert english_left("<p>一致率</p><td>Krippendorff's α</td>", whole, parts) == []


def test_stored_messages_read_in_the_readers_language(db, world, client):
    """Alerts, feedback, error types and metric names: codes rendered per request."""
    _data, ids = world
    client.post("/login", data={"username": "manager", "password": "demo"})
    zh = {"Accept-Language": "zh-CN"}
    dashboard = client.get("/reports/demo", headers=zh).get_data(as_text=True)
    assert "一致率" in dashboard and "Cohen's κ（两两平均）" in dashboard
    assert "低于阈值" in dashboard and "is below the threshold" not in dashboard
    assert "agreement with peers" not in dashboard  # the breaches name the metric too
    english = client.get("/reports/demo", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Percent agreement" in english and "is below the threshold" in english
    client.post("/logout")
    client.post("/login", data={"username": "ann3", "password": "demo"})
    quality = client.get("/annotate/quality/demo", headers=zh).get_data(as_text=True)
    assert "请重新参加 Product-review sentiment 的培训后再继续标注。原因：重读 R1。" in quality
    assert "重新培训" in quality and ">retrain<" not in quality
    client.post("/logout")
    reviewed = db.session.scalar(
        sa.select(User)
        .join(Feedback, Feedback.annotator_id == User.id)
        .where(Feedback.review_id.is_not(None), Feedback.code == "review.verdict_clause")
    )
    client.post("/login", data={"username": reviewed.username, "password": "demo"})
    feedback = client.get("/annotate/feedback/", headers=zh).get_data(as_text=True)
    assert "标签错误" in feedback and "wrong_label" not in feedback
    client.post("/logout")
    client.post("/login", data={"username": "reviewer", "password": "demo"})
    plan = ids["plan_id"]
    screen = client.get(f"/review/plans/{plan}/next", headers=zh, follow_redirects=True)
    html = screen.get_data(as_text=True)
    # (pre-filled with the project's most common error type: selected, review in 3 keys)
    assert re.search(r'<option (selected )?value="wrong_label">标签错误</option>', html)
    assert '<option value="ambiguous_item">条目有歧义</option>' in html
