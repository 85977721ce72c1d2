"""Rulebook sources: parsing the shipped guidelines, refusals, import and publish."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotate.models import VersionStatus
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.rulebooks.parsing import parse_rulebook, parse_rulebook_file
from annotate.services.rulebooks.versions import current_version, import_rulebook, publish_version
from tests.factories import MINIMAL

GUIDELINES = Path(__file__).resolve().parents[3] / "guidelines"
SHIPPED = ["sentiment/v1.0.0.md", "helpfulness/v1.0.0.md", "content-safety/v1.0.0.md"]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_rulebooks_parse(name):
    parsed = parse_rulebook_file(GUIDELINES / name)
    assert parsed.clauses and all(c.key.startswith("R") for c in parsed.clauses)
    assert len(parsed.sha256) == 64


def test_content_safety_covers_all_31_appendix_a_risks():
    parsed = parse_rulebook_file(GUIDELINES / "content-safety" / "v1.0.0.md")
    per_category = {}
    for clause in parsed.clauses:
        category = clause.key.split(".")[0]
        per_category[category] = per_category.get(category, 0) + 1
    assert sum(per_category.get(f"R{n}", 0) for n in range(1, 6)) >= 31
    assert parsed.front_matter["kind"] == "security"


def test_clauses_carry_examples_and_counter_examples():
    parsed = parse_rulebook(MINIMAL)
    clause = parsed.clauses[0]
    assert clause.key == "R1.1" and clause.title == "First rule"
    assert clause.text == "Text of the rule."
    assert [e["kind"] for e in clause.examples] == ["example", "counter"]


def test_missing_keys_and_sections_are_all_listed_with_lines():
    broken = MINIMAL.replace("change_note: first\n", "").replace("## Method\nm\n", "")
    with pytest.raises(InvalidInput) as info:
        parse_rulebook(broken, "x.md")
    text = str(info.value)
    assert "x.md:2: front matter lacks 'change_note'" in text
    assert "missing required section '## Method'" in text


def test_no_front_matter_is_refused():
    with pytest.raises(InvalidInput, match="front matter"):
        parse_rulebook("# just markdown\n", "y.md")


def test_import_publish_and_duplicate(db, make_project):
    project = make_project("rb")
    version = import_rulebook(db.session, project, parse_rulebook(MINIMAL))
    assert version.status == VersionStatus.draft
    assert current_version(db.session, project) is None
    publish_version(db.session, version)
    assert current_version(db.session, project) == version
    assert version.requires_retraining
    with pytest.raises(Conflict):
        import_rulebook(db.session, project, parse_rulebook(MINIMAL))
    with pytest.raises(Conflict, match="never change"):
        publish_version(db.session, version)
    minor = import_rulebook(db.session, project, parse_rulebook(MINIMAL.replace("1.0.0", "1.1.0")))
    publish_version(db.session, minor)
    assert not minor.requires_retraining
    major = import_rulebook(db.session, project, parse_rulebook(MINIMAL.replace("1.0.0", "2.0.0")))
    publish_version(db.session, major)
    assert major.requires_retraining
    assert current_version(db.session, project) == major
