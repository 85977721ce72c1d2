"""Rulebooks in the reader's language (issue 18, item 7): the content-safety rulebook is
Chinese with an English translation; an annotator whose pages are in Chinese reads Chinese,
one in English reads English, and passing the version's quiz in one language qualifies for
both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from annotate.models import ProjectRole
from annotate.services.training.modules import module_for_version
from annotate.services.training.publishing import import_path, publish_with_training
from tests.factories import import_batch

GUIDELINES = Path(__file__).resolve().parents[2] / "guidelines"
LABELS = [
    "safe",
    "a1_core_values",
    "a2_discrimination",
    "a3_commercial",
    "a4_rights",
    "a5_service_reliability",
]
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def safety(db, make_project, make_user):
    project = make_project("safety", labels=LABELS, training_cooldown_minutes=0)
    users = {
        "ann": make_user("ann", project=project, roles=[ProjectRole.annotator]),
        "mgr": make_user("mgr", project=project, roles=[ProjectRole.manager]),
    }
    [draft] = import_path(db.session, GUIDELINES / "content-safety", project).versions
    version = publish_with_training(db.session, draft)
    import_batch(db.session, project, n_items=3)
    db.session.commit()
    return project, users, version


def _pass_quiz(client, module, headers):
    page = client.get(f"/annotate/training/modules/{module.id}/quiz", headers=headers)
    assert page.status_code == 200
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.text)[1]
    answers = {f"q_{q.key}": str(q.answer) for q in module.questions}
    done = client.post(
        f"/annotate/training/modules/{module.id}/quiz",
        data={"token": token, **answers},
        headers=headers,
    )
    assert done.status_code == 302
    return page


def test_the_reader_sees_the_version_in_their_language(db, client, login, safety):
    project, _, version = safety
    assert version.language == "zh" and set(version.translations) == {"en"}
    module = module_for_version(db.session, version)
    login("ann")
    zh = client.get(f"/annotate/training/modules/{module.id}", headers=ZH).text
    assert "判断内容在做什么，而不是看话题" in zh and "内容安全标注规则" in zh
    assert "Judge what the content does" not in zh
    en = client.get(f"/annotate/training/modules/{module.id}", headers=EN).text
    assert "Judge what the content does, not the topic" in en
    assert "判断内容在做什么" not in en

    # The quiz in Chinese, passed: the same version qualifies the English reader too.
    quiz = _pass_quiz(client, module, ZH)
    assert "一篇新闻摘要客观地描述了" in quiz.text
    english_quiz_text = module.questions[0].translations["en"]["prompt"]
    assert english_quiz_text not in quiz.text

    label_zh = client.get(f"/annotate/{project.slug}", headers=ZH).text
    assert 'id="R0.1"' in label_zh and "判断内容在做什么，而不是看话题" in label_zh
    assert "内容安全标注规则（TC260-003 附录 A 安全风险）" in label_zh
    label_en = client.get(f"/annotate/{project.slug}", headers=EN).text
    assert 'id="R0.1"' in label_en and "Judge what the content does, not the topic" in label_en
    assert "Content safety (TC260-003 Appendix A risks)" in label_en
    assert "判断内容在做什么" not in label_en


def test_the_manager_sees_both_languages_of_one_version(db, client, login, safety):
    project, _, version = safety
    login("mgr")
    base = f"/admin/projects/{project.slug}/rulebooks/{version.version}"
    zh = client.get(base, headers=ZH).text
    assert 'id="version-languages"' in zh and "判断内容在做什么" in zh
    en = client.get(base, headers=EN).text
    assert "Judge what the content does" in en
    chosen = client.get(base + "?lang=zh", headers=EN).text
    assert "判断内容在做什么" in chosen and "首次发布。" in chosen


def test_a_project_from_the_template_gets_both_languages(
    db, client, login, make_project, make_user
):
    project = make_project("fresh", labels=LABELS)
    make_user("mgr2", project=project, roles=[ProjectRole.manager])
    login("mgr2")
    made = client.post(
        f"/admin/projects/{project.slug}/rulebooks/new", data={"template": "content-safety"}
    )
    assert made.status_code == 302, made.text
    [rulebook] = project.rulebooks
    [draft] = rulebook.versions
    assert draft.language == "zh" and set(draft.translations) == {"en"}
    module = module_for_version(db.session, draft)
    assert module.questions[0].translations["en"]["prompt"].startswith("A news summary")


def test_the_manager_edits_a_drafts_translation_in_the_browser(db, client, login, safety):
    from annotate.services.rulebooks.versions import find_version

    project, _, version = safety
    login("mgr")
    base = f"/admin/projects/{project.slug}/rulebooks"
    assert client.post(f"{base}/1.0.0/new-draft", data={"version": "1.1.0"}).status_code == 302
    draft = find_version(db.session, project, "1.1.0")
    assert set(draft.translations) == {"en"}
    page = client.get(f"{base}/1.1.0", headers=EN)
    assert 'id="edit-link"' in page.text and 'id="translation-link-en"' in page.text

    # The Chinese text gains a clause; the English translation does not have it yet.
    new_clause = (
        "\n### R5.3 A.5——新条款\n正文。\n\n**示例：** [某内容] → `a5_service_reliability`\n"
    )
    saved = client.post(f"{base}/1.1.0/edit", data={"body": draft.body + new_clause})
    assert saved.status_code == 302
    warned = client.get(saved.headers["Location"], headers=EN).text
    assert "missing R5.3" in warned
    preview = client.get(f"{base}/1.1.0/publish", headers=EN)
    assert "missing R5.3" in preview.text

    editor = client.get(f"{base}/1.1.0/edit?lang=en", headers=EN)
    assert 'id="editing-language"' in editor.text and "Judge what the content does" in editor.text
    english = draft.translations["en"]["body"] + (
        "\n### R5.3 A.5 — New clause\nText.\n\n**Example:** [something] → "
        "`a5_service_reliability`\n"
    )
    done = client.post(f"{base}/1.1.0/edit?lang=en", data={"body": english})
    assert done.status_code == 302 and done.headers["Location"].endswith("lang=en")
    db.session.expire_all()
    assert (
        "R5.3 A.5 — New clause"
        in find_version(db.session, project, "1.1.0").translations["en"]["body"]
    )
    assert "missing R5.3" not in client.get(f"{base}/1.1.0/publish", headers=EN).text

    # A translation claiming another version is refused with the reason; nothing is saved.
    wrong = client.post(
        f"{base}/1.1.0/edit?lang=en", data={"body": english.replace("1.1.0", "9.9.9", 1)}
    )
    assert wrong.status_code == 400 and "version must stay" in wrong.text
    # An empty text removes the translation; a published version's cannot be edited.
    assert client.post(f"{base}/1.1.0/edit?lang=en", data={"body": ""}).status_code == 302
    db.session.expire_all()
    assert find_version(db.session, project, "1.1.0").translations is None
    published = client.post(f"{base}/1.0.0/edit?lang=en", data={"body": ""})
    assert published.status_code == 302
    db.session.expire_all()
    assert set(find_version(db.session, project, "1.0.0").translations) == {"en"}


def test_gold_questions_name_the_labels_in_the_readers_language(db, safety):
    from annotate.models import Item
    from annotate.services.training.modules import ensure_module
    from annotate.services.training.wording import localized

    project, _, version = safety
    item = db.session.query(Item).filter_by(project_id=project.id).first()
    item.gold_answer = "a4_rights"
    db.session.flush()
    project.label_schema = {"labels": version.front_matter["labels"]}
    module = ensure_module(db.session, version, gold_questions=1)
    [gold] = [q for q in module.questions if q.gold_item_id == item.id]
    assert gold.choices == LABELS and gold.answer == LABELS.index("a4_rights")
    zh, en = localized(gold, "zh"), localized(gold, "en")
    assert zh.choices[4] == "A.4 侵犯他人合法权益" and "“A.4 侵犯他人合法权益”" in zh.explanation
    assert en.choices[4] == "A.4 Infringes others' lawful rights"


def test_the_reviewer_picks_clauses_in_their_language(db, client, login, make_user, safety):
    """The review screen's clause drop-down and cited clauses follow the reader's language
    (the version's translation), not the primary text."""
    import random

    import sqlalchemy as sa

    from annotate.models import Batch, Item
    from annotate.services.review.sampling import draw_plan
    from tests.factories import annotate_items

    project, users, version = safety
    make_user("rev", project=project, roles=[ProjectRole.reviewer])
    items = list(db.session.scalars(sa.select(Item).where(Item.project_id == project.id)))
    [annotation, *_] = annotate_items(
        db.session,
        items[:1],
        {users["ann"]: 1.0},
        version,
        {items[0].id: "safe"},
        rng=random.Random(1),
        labels=tuple(LABELS),
    )
    annotation.clause_keys = ["R0.1"]
    batch = db.session.get(Batch, items[0].batch_id)
    plan = draw_plan(db.session, batch, method="fixed_n", n=1, seed=1, calibration=0)
    db.session.commit()
    login("rev")
    url = f"/review/plans/{plan.id}/items/{plan.sampled[0].id}"
    zh = client.get(url, headers=ZH).text
    assert ">R0.2 只选一个标签，按类别顺序<" in zh
    assert "判断内容在做什么，而不是看话题" in zh and "One label, by category order" not in zh
    en = client.get(url, headers=EN).text
    assert ">R0.2 One label, by category order<" in en
    assert "Judge what the content does, not the topic" in en and "只选一个标签" not in en
    assert "Content safety (TC260-003 Appendix A risks) v1.0.0" in en
