"""The problems of a user import and of a rulebook source in the reader's language (issue 18,
item 5): the services keep the English text (the CLI's and the API's stable form), the pages
show it in Chinese to a Chinese reader and in English to an English one."""

from __future__ import annotations

import io
from html import unescape

import pytest

from annotate.models import ProjectRole
from tests.factories import MINIMAL

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}
BOOK = "/admin/projects/book"

USERS = (
    b"username,display_name,roles\n"
    b"x,,\n"  # a bad username
    b"taken,T,\n"  # an account that exists
    b"bob,B,news:boss\n"  # a bad role
    b"bob,B2,nope:annotator\n"  # a duplicate, an unknown project
    b"c,d\n"  # a missing column
)
#: Each problem of USERS in English (the stable form) and as a Chinese page shows it.
USER_PROBLEMS = (
    (
        "line 2: invalid username 'x': use 2-64 letters, digits, _ . -",
        "第 2 行：用户名 'x' 无效：请使用 2-64 个字母、数字或 _ . -",
    ),
    ("line 3: user taken already exists.", "第 3 行：用户 taken 已存在。"),
    (
        "line 4: 'news:boss' is not project:role (role one of annotator, reviewer, manager).",
        "第 4 行：'news:boss' 不是“项目:角色”格式（角色为 annotator、reviewer 或 manager 之一）。",
    ),
    ("line 5: username bob is already on line 4.", "第 5 行：用户名 bob 已出现在第 4 行。"),
    ("line 5: no project 'nope'.", "第 5 行：没有项目 'nope'。"),
    ("line 6: 2 fields, expected 3.", "第 6 行：有 2 个字段，应为 3 个。"),
    ("Nothing was imported: fix these lines.", "未导入任何用户：请修正以下各行。"),
)

BAD_BOOK = (
    MINIMAL.replace("version: 1.0.0", "version: '1.0'")
    .replace("kind: functional", "kind: odd\nlanguage: fr")
    .replace('labels: ["yes", "no"]\n', "")
    .replace("## Goal", "### R0.1 Too early\n## Goal")
    + "### R1.1 Again\nsame key\n"
)
#: Each problem of BAD_BOOK in English and in Chinese.
BOOK_PROBLEMS = (
    ("bad.md:2: front matter lacks 'labels'", "bad.md:2: 前置元数据缺少 'labels'"),
    (
        "bad.md:2: version '1.0' is not semantic (MAJOR.MINOR.PATCH)",
        "bad.md:2: 版本号 '1.0' 不符合语义化版本格式（主版本.次版本.修订号）",
    ),
    (
        "bad.md:2: kind must be functional, security or legal, not 'odd'",
        "bad.md:2: kind 必须是 functional、security 或 legal，而不是 'odd'",
    ),
    (
        "bad.md:2: language must be one of zh, en, not 'fr'",
        "bad.md:2: language 必须是 zh, en 之一，而不是 'fr'",
    ),
    (
        "bad.md:10: clause R0.1 is outside '## Clauses'",
        "bad.md:10: 条款 R0.1 不在 '## Clauses'（条款）一节之下",
    ),
    ("bad.md:26: duplicate clause key R1.1", "bad.md:26: 条款编号 R1.1 重复"),
    ("bad.md: rulebook refused", "bad.md: 规则手册被拒绝"),
)


@pytest.fixture
def admin(make_user, make_project, login):
    make_project("news")
    make_user("root", admin=True)
    make_user("taken")
    login("root")


def _import_users(client, headers):
    response = client.post(
        "/admin/users/import",
        data={"csv-file": (io.BytesIO(USERS), "users.csv")},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert response.status_code == 400
    return unescape(response.get_data(as_text=True))


def test_user_import_problems_read_chinese_on_a_chinese_page(db, client, admin):
    page = _import_users(client, ZH)
    for english, chinese in USER_PROBLEMS:
        assert chinese in page, chinese
        assert english not in page, english
    header = client.post(
        "/admin/users/import",
        data={"csv-file": (io.BytesIO(b"name,roles\nbob,\n"), "users.csv")},
        content_type="multipart/form-data",
        headers=ZH,
    )
    assert header.status_code == 400
    assert "第 1 行必须是表头：username,display_name,roles" in header.text
    assert "must be the header" not in header.text


def test_user_import_problems_read_english_on_an_english_page(db, client, admin):
    page = _import_users(client, EN)
    for english, chinese in USER_PROBLEMS:
        assert english in page, english
        assert chinese not in page, chinese


@pytest.fixture
def book(make_project, make_user, login):
    project = make_project("book")
    make_user("mgr", project=project, roles=[ProjectRole.manager])
    login("mgr")
    return project


def _upload(client, headers, text=BAD_BOOK):
    response = client.post(
        BOOK + "/rulebooks/new",
        data={"markdown": (io.BytesIO(text.encode()), "bad.md")},
        content_type="multipart/form-data",
        headers=headers,
    )
    return unescape(response.get_data(as_text=True)), response.status_code


def test_rulebook_problems_read_chinese_on_a_chinese_page(db, client, book):
    page, status = _upload(client, ZH)
    assert status == 400
    for english, chinese in BOOK_PROBLEMS:
        assert chinese in page, chinese
        assert english not in page, english
    empty, status = _upload(client, ZH, "no front matter")
    assert status == 400
    assert "bad.md:1: 缺少 YAML 前置元数据（首行应为 '---'）" in empty
    assert "bad.md: 不是规则手册" in empty and "missing YAML front matter" not in empty
    # A draft whose version is changed on its edit page.
    made, status = _upload(client, ZH, MINIMAL)
    assert status == 302
    edit = client.post(
        BOOK + "/rulebooks/1.0.0/edit",
        data={"body": MINIMAL.replace("version: 1.0.0", "version: 1.1.0")},
        headers=ZH,
    )
    shown = unescape(edit.get_data(as_text=True))
    assert edit.status_code == 400
    assert "demo 1.0.0:2: version 必须保持为 '1.0.0'；如需其他版本，请新建草稿" in shown
    assert "demo 1.0.0: 草稿被拒绝" in shown
    assert "must stay" not in shown and "draft refused" not in shown


def test_rulebook_problems_read_english_on_an_english_page(db, client, book):
    page, status = _upload(client, EN)
    assert status == 400
    for english, chinese in BOOK_PROBLEMS:
        assert english in page, english
        assert chinese not in page, chinese


def test_missing_sections_read_chinese_on_the_publish_page(db, client, book):
    _upload(client, ZH, MINIMAL.replace("## Method\nm\n", ""))
    page = unescape(client.get(BOOK + "/rulebooks/1.0.0/publish", headers=ZH).text)
    assert "demo 1.0.0: 缺少必需的章节 '## Method'" in page
    assert "missing required section" not in page


def test_translation_problems_read_chinese(db, client, book):
    _upload(client, ZH, MINIMAL)
    other = MINIMAL.replace("kind: functional", "kind: functional\nlanguage: zh")
    wrong = client.post(
        BOOK + "/rulebooks/1.0.0/edit?lang=zh",
        data={"body": other.replace("language: zh", "language: en")},
        headers=ZH,
    )
    assert wrong.status_code == 400
    assert "demo 1.0.0 (zh):2: language 必须是 'zh'" in unescape(wrong.text)
    assert "language must be" not in wrong.text
    saved = client.post(
        BOOK + "/rulebooks/1.0.0/edit?lang=zh",
        data={"body": other.replace("### R1.1", "### R1.2")},
        headers=ZH,
        follow_redirects=True,
    )
    # The warning on saving names the version, the publish page the rulebook and version.
    saving = "1.0.0 (zh): 条款必须与 1.0.0 的条款相同且顺序一致；缺少 R1.1；原文中没有 R1.2"
    assert saving in unescape(saved.text) and "must be those of" not in saved.text
    reason = "条款必须与 demo 1.0.0 的条款相同且顺序一致；缺少 R1.1；原文中没有 R1.2"
    page = unescape(client.get(BOOK + "/rulebooks/1.0.0/publish", headers=ZH).text)
    assert f"demo 1.0.0 (zh): {reason}" in page
    assert "must be those of" not in page
    english = unescape(client.get(BOOK + "/rulebooks/1.0.0/publish", headers=EN).text)
    assert "the clauses must be those of demo 1.0.0 in the same order; missing R1.1" in english


BAD_QUIZ = b"""rulebook: other
version: 1.0.0
pass_mark: 2
questions:
  - key: q1
    clause: R9.9
    prompt: p
    choices: [a, b]
    answer: 5
    explanation: e
  - key: q1
    clause: R1.1
    prompt: p
    choices: [a]
    answer: 0
    explanation: e
"""
#: The problems of BAD_QUIZ (uploaded with MINIMAL) in English and in Chinese.
QUIZ_PROBLEMS = (
    (
        "demo.md (quiz):1: quiz is for rulebook 'other', not 'demo'",
        "demo.md (quiz):1: 测验属于规则手册 'other'，而不是 'demo'",
    ),
    (
        "demo.md (quiz):1: pass_mark must be a number in (0, 1]",
        "demo.md (quiz):1: pass_mark 必须是 (0, 1] 之间的数",
    ),
    (
        "demo.md (quiz):5: question q1: answer must be an index 0-1",
        "demo.md (quiz):5: 题目 q1：answer 必须是 0-1 之间的序号",
    ),
    ("demo.md (quiz):11: duplicate question key 'q1'", "demo.md (quiz):11: 题目编号 'q1' 重复"),
    (
        "demo.md (quiz):11: question q1 needs at least two choices",
        "demo.md (quiz):11: 题目 q1 至少需要两个选项",
    ),
    ("demo.md (quiz): quiz refused", "demo.md (quiz): 测验被拒绝"),
)


@pytest.mark.parametrize("headers", [ZH, EN], ids=["zh", "en"])
def test_quiz_problems_read_in_the_readers_language(db, client, book, headers):
    response = client.post(
        BOOK + "/rulebooks/new",
        data={
            "markdown": (io.BytesIO(MINIMAL.encode()), "demo.md"),
            "quiz": (io.BytesIO(BAD_QUIZ), "quiz.yml"),
        },
        content_type="multipart/form-data",
        headers=headers,
    )
    assert response.status_code == 400
    page = unescape(response.text)
    for english, chinese in QUIZ_PROBLEMS:
        shown, hidden = (chinese, english) if headers is ZH else (english, chinese)
        assert shown in page, shown
        assert hidden not in page, hidden
