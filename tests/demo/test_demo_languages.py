"""The demo's sentiment rulebook in Chinese (issue 18, item 7): the English primary text
carries a Chinese translation, so a Chinese annotator reads the rulebook, the labeling
screen's clauses, the label buttons and the quiz in Chinese; an English reader still reads
English."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.demo.seed import seed_demo
from annotate.models import Project, Rulebook, RulebookVersion
from annotate.services.training.modules import module_for_version

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def demo(db):
    seed_demo(n_items=20)
    db.session.commit()
    return db


def _versions(session):
    project = session.scalar(sa.select(Project).where(Project.slug == "demo"))
    versions = session.scalars(
        sa.select(RulebookVersion)
        .join(Rulebook)
        .where(Rulebook.project_id == project.id)
        .order_by(RulebookVersion.id)
    ).all()
    return project, {v.version: v for v in versions}


def test_both_demo_versions_carry_their_chinese_translation(demo):
    project, versions = _versions(demo.session)
    assert set(versions) == {"1.0.0", "2.0.0"}
    for version in versions.values():
        assert version.language == "en" and set(version.translations or {}) == {"zh"}
        assert version.translations["zh"]["title"] == "商品评论情感"
    names = {label["key"]: label.get("name_zh") for label in project.labels}
    assert names == {"positive": "正面", "negative": "负面", "neutral": "中性", "mixed": "混合"}


def test_a_chinese_annotator_reads_the_demo_rulebook_in_chinese(demo, client, login):
    _, versions = _versions(demo.session)
    module = module_for_version(demo.session, versions["1.0.0"])
    login("ann1", "demo")
    zh = client.get(f"/annotate/training/modules/{module.id}", headers=ZH).text
    assert "商品评论情感" in zh and "混合：有明确的称赞和明确的抱怨" in zh
    assert "Mixed: clear praise and clear complaint" not in zh
    en = client.get(f"/annotate/training/modules/{module.id}", headers=EN).text
    assert "Mixed: clear praise and clear complaint" in en and "明确的称赞" not in en

    label = client.get("/annotate/demo", headers=ZH)
    assert label.status_code == 200
    assert 'id="R1.1"' in label.text
    assert "混合：有明确的称赞和明确的抱怨，没有总体评价" in label.text
    assert "商品评论情感" in label.text
    for name in ("正面", "负面", "中性", "混合"):
        assert name in label.text
    assert "Mixed: clear praise" not in label.text


def test_the_manager_sees_the_chinese_text_of_the_demo_versions(demo, client, login):
    login("manager", "demo")
    base = "/admin/projects/demo/rulebooks/"
    v1 = client.get(base + "1.0.0", headers=ZH).text
    assert 'id="version-languages"' in v1 and "明确的总体评价起决定作用" in v1
    v2 = client.get(base + "2.0.0", headers=ZH).text
    assert "商品对服务：以商品一方为准" in v2
    english = client.get(base + "2.0.0?lang=en", headers=ZH).text
    assert "Product versus service: the product side decides" in english


def test_the_demo_draft_publishes_with_its_translation_and_quiz(demo):
    from annotate.services.training.publishing import publish_with_training

    _, versions = _versions(demo.session)
    published = publish_with_training(demo.session, versions["2.0.0"])
    module = module_for_version(demo.session, published)
    by_key = {q.key: q for q in module.questions}
    assert by_key["q11"].translations["zh"]["choices"][by_key["q11"].answer] == "正面"
    assert set(published.translations) == {"zh"}
