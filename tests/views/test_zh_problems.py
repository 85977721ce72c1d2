"""Problems and refusals in the reader's language (issue 18, item 5): an import's problems
stay line-numbered English in the API (its stable form) and read Chinese on Chinese pages —
the job's failure page, the item browser's filter problems, the import options' refusals."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext, refresh

from annotate.models import Job, ProjectRole, User
from annotate.problem_text import problem_text
from annotate.services.accounts.tokens import create_token
from annotate.services.problems import PROBLEMS, problem
from tests.views.test_zh_crawl import _catalogue, english_left

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
BAD = (
    b'{"id": "a", "text": ""}\n'
    b'{"id": "b", "text": "fine", "gold": "maybe"}\n'
    b"{not json\n"
    b'{"id": "d", "text": "t", "personal_info": "perhaps"}\n'
    b'{"id": "e", "text": "t"}\n'
    b'{"id": "e", "text": "other"}\n'
)
#: What a reader may see in English on the Chinese page: the file's own field names and values.
DATA = re.compile(r"^(text|gold|id|personal_info|'maybe'|yes|no|true|false|single_label|'e')$")


@pytest.fixture
def target(db, make_project, make_user):
    project = make_project("odd")
    make_user("boss", project=project, roles=[ProjectRole.manager])
    return project


def _words(html: str) -> list[str]:
    """The Latin-letter words of the problem list and the error heading of a job page."""
    block = html[html.index('id="job-error"') :]
    block = block[block.index(">") + 1 : block.index("</div>")]
    text = unescape(re.sub(r"<[^>]+>", " ", block))
    return [w for w in re.findall(r"[A-Za-z_']+", text) if not DATA.match(w)]


def test_a_refused_import_reads_chinese_on_the_job_page(db, client, login, target):
    login("boss")
    response = client.post(
        "/admin/data/odd",
        data={"file": (io.BytesIO(BAD), "bad.jsonl"), "fmt": "auto", "batch": "b"},
        content_type="multipart/form-data",
        headers=ZH,
    )
    assert response.status_code == 303 and "/jobs/" in response.location
    job = db.session.scalar(sa.select(Job))
    english = job.problems
    assert "line 1: text: required for single_label items" in english
    assert any(p.startswith("line 2: gold: 'maybe' is not a label") for p in english)
    page = client.get(response.location, headers=ZH).get_data(as_text=True)
    assert 'id="job-error"' in page
    assert "第 1 行: text: single_label 类条目必填" in page
    assert "第 2 行: gold: &#39;maybe&#39; 不是本项目的标签（可选：yes, no）" in page
    assert "第 4 行: personal_info: 必须是 true 或 false" in page
    assert "id: &#39;e&#39; 在本文件中出现了两次（首次在第 5 行）" in page
    assert "未导入任何内容" in page
    whole, parts = _catalogue()
    assert english_left(page, whole, parts) == []
    # No English sentence: what Latin words remain are the file's fields and values (and the
    # JSON parser's own words in the malformed line, given in parentheses).
    left = set(_words(page)) - {
        "JSON",
        "Expecting",
        "property",
        "name",
        "enclosed",
        "in",
        "double",
        "quotes",
    }
    assert left == set(), left
    # The same problems in English are the stable form (and the English page shows it).
    en = client.get(response.location, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "line 1: text: required for single_label items" in en


def test_the_api_keeps_the_stable_english_form(db, client, target):
    boss = db.session.scalar(sa.select(User).where(User.username == "boss"))
    secret = create_token(db.session, boss, "ci")[1]
    db.session.commit()
    response = client.post(
        "/api/v1/projects/odd/items?batch=b&format=jsonl",
        data=BAD,
        content_type="application/x-ndjson",
        headers={"Authorization": f"Bearer {secret}", **ZH},
    )
    job = response.get_json()
    assert job["state"] == "failed"
    assert "line 1: text: required for single_label items" in job["problems"]


def test_bad_requests_on_zh_pages_read_chinese(db, client, login, target):
    login("boss")
    browse = client.get("/admin/data/odd/items?status=bogus&q=" + "x" * 201, headers=ZH)
    assert browse.status_code == 400
    text = browse.get_data(as_text=True)
    assert "status: 须为以下之一：" in text and "q: 最多 200 个字符" in text
    assert "at most 200 characters" not in text
    refused = client.post(
        "/admin/data/odd",
        data={
            "file": (io.BytesIO(b'{"text": "a"}\n'), "ok.jsonl"),
            "fmt": "auto",
            "batch": "b",
            "dedupe": "bogus",
        },
        content_type="multipart/form-data",
        headers=ZH,
    )
    assert refused.status_code == 400
    whole, parts = _catalogue()
    assert english_left(refused.get_data(as_text=True), whole, parts) == []


def test_every_problem_has_a_chinese_text_and_round_trips(app):
    samples = [
        "line 3: text: " + problem("required_for", task="single_label"),
        "line 8: annotations[2].value: " + problem("not_a_label", value="'x'", choices="yes, no"),
        "file: " + problem("not_utf8", reason="invalid start byte", byte=4),
        "line 2: 'k\\x00': " + problem("bad_key", problem=problem("nul")),
        "something no msgid matches: at all",
    ]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert [problem_text(s) for s in samples] == samples
    with app.test_request_context(headers=ZH):
        refresh()  # the app context (and Flask-Babel's cache in it) outlives one request
        for msgid in PROBLEMS.values():
            with force_locale("zh"):
                assert gettext(msgid) != msgid, msgid
        assert problem_text(samples[0]) == "第 3 行: text: single_label 类条目必填"
        assert problem_text(samples[3]) == "第 2 行: 'k\\x00': 某个键含有 NUL 字符（\\u0000）"
        assert problem_text(samples[4]) == samples[4]


def test_a_reviewers_bad_correction_reads_chinese(app):
    from annotate.services.review.reviews import _without_field

    reason = "corrected_value: " + problem("not_a_label", value="'x'", choices="yes, no")
    with app.test_request_context(headers=ZH):
        refresh()
        assert str(_without_field(reason)) == "'x' 不是本项目的标签（可选：yes, no）"


def test_every_odd_file_of_the_corpus_reads_chinese(app):
    """The parse problems of every file of tests/corpus/import have a Chinese text."""
    from pathlib import Path

    from annotate.services.data.formats import guess_format, read_records

    corpus = Path(__file__).resolve().parent.parent / "corpus" / "import"
    with app.test_request_context(headers=ZH):
        refresh()
        for path in sorted(p for p in corpus.iterdir() if p.suffix in (".jsonl", ".csv", ".json")):
            if path.name == "expected.json":
                continue
            problems = read_records(path.read_bytes(), guess_format(path.name))[1]
            assert problems, path.name
            for found in problems:
                shown = problem_text(found)
                assert shown.startswith("第 ") and not re.search(r"[a-z]{3,} [a-z]{3,}", shown), (
                    found,
                    shown,
                )
