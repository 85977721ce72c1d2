"""A rulebook version in two languages (issue 18, item 7): ``language`` in the front matter,
a translation imported and published with its primary text under one version number, the
translation checked against it, and training passed on the version counting for both."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent, RulebookVersion, VersionStatus
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.labeling.clauses import published_clauses, published_title
from annotate.services.rulebooks.bump import clause_decisions
from annotate.services.rulebooks.diff import diff_versions
from annotate.services.rulebooks.parsing import parse_rulebook
from annotate.services.rulebooks.versions import new_draft_from, update_draft
from annotate.services.training.modules import module_for_version, module_text
from annotate.services.training.publishing import import_path, publish_with_training

ZH = """---
id: demo
title: 演示规则
version: 1.0.0
kind: functional
language: zh
task_type: single_label
labels: ["yes", "no"]
change_note: 首次发布。
---
## 标注目标
目标。
## 数据格式
格式。
## 标注方法
方法。
## 质量指标
指标。
## 条款
### R1.1 第一条规则
规则正文。

**示例：** 某内容 → `yes`

**反例：** 其他内容 → 不是 `yes`，因为……
"""

EN = """---
id: demo
title: Demo rules
version: 1.0.0
kind: functional
language: en
task_type: single_label
labels: ["yes", "no"]
change_note: First version.
---
## Goal
g
## Data format
d
## Method
m
## Quality indicators
q
## Clauses
### R1.1 First rule
Text of the rule.

**Example:** something → `yes`

**Counter-example:** other → not `yes`, because …
"""

QUIZ_ZH = """rulebook: demo
version: 1.0.0
questions:
  - {key: q1, clause: R1.1, prompt: "某内容应标为？", choices: ["是", "否"], answer: 0,
     explanation: "见 R1.1。"}
"""
QUIZ_EN = """rulebook: demo
version: 1.0.0
questions:
  - {key: q1, clause: R1.1, prompt: "How is something labelled?", choices: ["yes", "no"],
     answer: 0, explanation: "See R1.1."}
"""


def _folder(tmp_path: Path, en: str = EN, quiz_en: str = QUIZ_EN) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir(parents=True)
    (folder / "v1.0.0.md").write_text(ZH, encoding="utf-8")
    (folder / "v1.0.0.quiz.yaml").write_text(QUIZ_ZH, encoding="utf-8")
    (folder / "v1.0.0.en.md").write_text(en, encoding="utf-8")
    (folder / "v1.0.0.en.quiz.yaml").write_text(quiz_en, encoding="utf-8")
    return folder


def test_language_is_read_from_the_front_matter():
    parsed = parse_rulebook(ZH, "zh")
    assert parsed.language == "zh"
    assert parse_rulebook(EN, "en").language == "en"
    # Sources written before `language` existed are English.
    assert parse_rulebook(EN.replace("language: en\n", ""), "old").language == "en"
    with pytest.raises(InvalidInput) as refused:
        parse_rulebook(ZH.replace("language: zh", "language: fr"), "fr")
    assert any("language must be one of zh, en" in p for p in refused.value.problems)


def test_chinese_sections_examples_and_decisions_parse_like_english_ones():
    zh, en = parse_rulebook(ZH, "zh"), parse_rulebook(EN, "en")
    [clause] = zh.clauses
    assert [e["kind"] for e in clause.examples] == ["example", "counter"]
    assert clause_decisions(clause) == clause_decisions(en.clauses[0])  # type: ignore[arg-type]
    assert clause_decisions(clause) == {(False, "yes"), (True, "yes")}  # type: ignore[arg-type]


def test_a_version_and_its_translation_are_imported_and_published_together(
    db, tmp_path, make_project
):
    project = make_project("zh1")
    [draft] = import_path(db.session, _folder(tmp_path), project).versions
    assert draft.language == "zh" and draft.title == "演示规则"
    assert set(draft.translations) == {"en"}
    assert draft.translations["en"]["title"] == "Demo rules"
    module = module_for_version(db.session, draft)
    assert module.questions[0].prompt == "某内容应标为？"
    assert module.questions[0].translations["en"]["choices"] == ["yes", "no"]

    published = publish_with_training(db.session, draft)
    db.session.commit()
    assert published.status == VersionStatus.published
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "rulebook.publish")
    ).one()
    assert event.details["language"] == "zh"
    assert event.details["translations"] == {"en": published.translations["en"]["sha256"]}
    # One version number, one module: the translation is read, not trained separately.
    assert module_text(module, "zh").startswith("---\nid: demo\ntitle: 演示规则")
    assert "title: Demo rules" in module_text(module, "en")
    assert published_title(db.session, published, "en") == "Demo rules"
    assert [c.title for c in published_clauses(db.session, published, "en")] == ["First rule"]
    assert [c.title for c in published_clauses(db.session, published, "zh")] == ["第一条规则"]

    # The translation is as immutable as the primary text.
    published.translations = {"en": {**published.translations["en"], "body": "changed"}}
    with pytest.raises(Conflict, match="Published versions never change"):
        db.session.flush()
    db.session.rollback()


def test_a_translation_that_says_something_else_is_refused(db, tmp_path, make_project):
    project = make_project("zh2")
    other_decision = EN.replace("→ not `yes`", "→ `no`")
    with pytest.raises(InvalidInput) as refused:
        import_path(db.session, _folder(tmp_path, en=other_decision), project)
    assert any("R1.1 decides differently" in p for p in refused.value.problems)

    missing_clause = EN.replace("### R1.1 First rule", "### R1.2 First rule")
    with pytest.raises(InvalidInput) as refused:
        import_path(db.session, _folder(tmp_path / "b", en=missing_clause), project)
    assert any("missing R1.1" in p for p in refused.value.problems)

    other_answer = QUIZ_EN.replace("answer: 0", "answer: 1")
    with pytest.raises(InvalidInput) as refused:
        import_path(db.session, _folder(tmp_path / "c", quiz_en=other_answer), project)
    assert any("same answer" in p for p in refused.value.problems)
    assert db.session.scalar(sa.select(sa.func.count(RulebookVersion.id))) == 0


def test_a_translation_alone_is_not_imported(db, tmp_path, make_project):
    folder = _folder(tmp_path)
    with pytest.raises(InvalidInput, match="this is a translation"):
        import_path(db.session, folder / "v1.0.0.en.md", make_project("zh3"))


def test_new_draft_copies_the_translation_and_publishing_checks_it_again(
    db, tmp_path, make_project
):
    project = make_project("zh4")
    [draft] = import_path(db.session, _folder(tmp_path), project).versions
    v1 = publish_with_training(db.session, draft)
    v2 = new_draft_from(db.session, v1, "1.1.0")
    assert v2.translations["en"]["body"].count("version: 1.1.0") == 1
    # The primary text gains a clause its translation lacks: publishing refuses.
    update_draft(
        db.session,
        v2,
        v2.body.replace("version: 1.1.0", "version: 1.1.0")
        + "\n### R1.2 新规则\n正文。\n\n**示例：** 甲 → `no`\n",
    )
    with pytest.raises(InvalidInput) as refused:
        publish_with_training(db.session, v2)
    assert any("missing R1.2" in p for p in refused.value.problems)


def test_the_diff_is_shown_in_the_readers_language(db, tmp_path, make_project):
    project = make_project("zh5")
    [draft] = import_path(db.session, _folder(tmp_path), project).versions
    v1 = publish_with_training(db.session, draft)
    v2 = new_draft_from(db.session, v1, "1.0.1")
    zh_text = v2.body.replace("规则正文。", "规则正文（更清楚）。")
    update_draft(db.session, v2, zh_text)
    assert diff_versions(v1, v2, "zh").language == "zh"
    assert diff_versions(v1, v2, "zh").count("changed") == 1
    english = diff_versions(v1, v2, "en")
    assert english.language == "en" and english.count("changed") == 0
    assert english.clauses[0].title == "First rule"


def test_the_cli_import_names_the_languages(db, runner, tmp_path, make_project, make_user):
    make_project("zhcli")
    make_user("editor", admin=True)
    runner.env = {"ANNOTATE_ACTOR": "editor"}
    result = runner.invoke(
        args=["rulebook", "import", str(_folder(tmp_path)), "--project", "zhcli"]
    )
    assert result.exit_code == 0, result.output
    assert "Imported demo 1.0.0 as a draft" in result.output
    assert "zh, translated into en" in result.output
    alone = runner.invoke(
        args=["rulebook", "import", str(tmp_path / "demo" / "v1.0.0.en.md"), "--project", "zhcli"]
    )
    assert alone.exit_code == 1 and "this is a translation" in alone.output
