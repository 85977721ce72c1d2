"""The compliance dossier: the per-duty status table, the rules in full, local times with their
offset, rounded figures, gaps stated as gaps, zh by default, a signed bundle that
``dossier verify`` checks."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent, Batch, Project, User
from annotate.services.quality.dossier.signing import generate_key, verify_bundle
from annotate.services.review.decisions import decide_batch
from annotate.services.review.reviews import next_for, record_review
from annotate.services.review.sampling import draw_plan
from tests.factories import labelled_project

STATUSES = {"met", "not_met", "no_evidence"}


@pytest.fixture
def demo(app, db):
    app.config["SIGNING_KEY"] = generate_key()[0]
    return labelled_project(db.session, n_items=120)


def _build(runner, out, *extra):
    result = runner.invoke(args=["dossier", "demo", "-o", str(out), "--bootstrap", "20", *extra])
    assert result.exit_code == 0, result.output
    return (out / "index.html").read_text(encoding="utf-8")


def _duty_status(html: str, number: int) -> str:
    found = re.search(rf'<tr id="duty-{number}" data-status="([a-z_]+)"', html)
    assert found, f"duty {number} missing"
    return found[1]


def test_cli_writes_a_chinese_dossier_with_every_duty(runner, demo, db, tmp_path):
    out = tmp_path / "dossier"
    html = _build(runner, out)
    assert '<html lang="zh-Hans">' in html
    for section in ("duties", "rules", "quality", "sampling", "training", "supervision"):
        assert f'id="{section}"' in html
    for section in ("provenance", "audit"):
        assert f'id="{section}"' in html
    assert {_duty_status(html, n) for n in range(1, 6)} <= STATUSES
    # No sample plan: duty (3) has no evidence, and the section says so as a gap.
    assert _duty_status(html, 3) == "no_evidence"
    assert "期间无证据" in html and "缺口" in html
    assert 'id="table-sample_plans"' not in html
    # The rulebook's full text (a clause heading of the sentiment rulebook) and its hash.
    version = db.session.scalar(sa.select(Project).where(Project.slug == "demo")).rulebooks[0]
    published = version.versions[0]
    assert published.sha256 in html and 'id="clause-R1.1"' in html
    assert published.clauses[0].title in html
    # Times in Asia/Shanghai with the offset; figures rounded.
    assert "UTC+08:00" in html
    assert not re.search(r"\d\.\d{5,}", html), "a raw float in the dossier"
    # Only the stylesheet beside it: no script, nothing external.
    assert re.findall(r"<link[^>]*>", html) == ['<link rel="stylesheet" href="dossier.css">']
    assert "<script" not in html and "style=" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.dossier"))
    assert event.details["lang"] == "zh" and event.details["signed"] is True
    assert (out / "metrics.csv").read_text().startswith("project,scope,scope_id,")
    for line in (out / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


def test_english_on_request(runner, demo, tmp_path):
    html = _build(runner, tmp_path / "en", "--lang", "en")
    assert '<html lang="en">' in html
    assert "no evidence in the period" in html and "Gap:" in html
    assert "Status per duty (Art. 8)" in html


def test_verify_passes_then_fails_after_one_byte_changes(runner, demo, tmp_path):
    out = tmp_path / "dossier"
    _build(runner, out)
    result = runner.invoke(args=["dossier", "verify", str(out)])
    assert result.exit_code == 0, result.output
    assert verify_bundle(out).ok
    target = out / "batch_decisions.csv"
    data = bytearray(target.read_bytes())
    data[0] ^= 1
    target.write_bytes(bytes(data))
    result = runner.invoke(args=["dossier", "verify", str(out)])
    assert result.exit_code == 1
    assert "batch_decisions.csv" in result.output


def test_a_resigned_bundle_fails_against_the_operators_key(app, runner, demo, tmp_path):
    out = tmp_path / "dossier"
    html = _build(runner, out)
    public = re.search(r'<code class="hash" id="public-key">([^<]+)</code>', html)[1]
    (out / "extra.txt").write_text("added later")
    assert any("extra.txt" in p for p in verify_bundle(out, public).problems)
    (out / "extra.txt").unlink()
    # Someone rebuilds SHA256SUMS after an edit and signs with another key: the bundle's own
    # key matches, the operator's does not.
    from annotate.services.quality.dossier.signing import load_private_key, write_sums

    (out / "metrics.csv").write_text("forged\n")
    names = [
        p.name for p in out.iterdir() if p.suffix in (".csv", ".html", ".css", ".json", ".pdf")
    ]
    write_sums(out, names, load_private_key(generate_key()[0]))
    assert verify_bundle(out).ok
    assert not verify_bundle(out, public).ok


def test_unsigned_without_a_key_and_verify_says_so(app, runner, demo, tmp_path):
    app.config["SIGNING_KEY"] = None
    html = _build(runner, tmp_path / "d")
    assert 'id="public-key"' not in html
    result = runner.invoke(args=["dossier", "verify", str(tmp_path / "d")])
    assert result.exit_code == 1 and "not signed" in result.output


def test_sampling_and_supervision_give_evidence(runner, demo, db, tmp_path):
    batch = db.session.scalar(sa.select(Batch).where(Batch.name == "reviews-2026-10"))
    reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
    plan = draw_plan(db.session, batch, method="fixed_n", n=5, seed=1, calibration=0)
    while (sampled := next_for(db.session, plan, reviewer)) is not None:
        record_review(db.session, sampled, reviewer, "correct")
    decide_batch(db.session, plan, reviewer)
    db.session.commit()
    html = _build(runner, tmp_path / "d", "--lang", "en")
    assert _duty_status(html, 3) in {"met", "not_met"}
    assert 'id="table-sample_plans"' in html and 'id="table-batch_decisions"' in html
    decisions = (tmp_path / "d" / "batch_decisions.csv").read_text().splitlines()
    assert decisions[0].endswith("decided_at,decided_by") and decisions[1].endswith(",reviewer")


def test_period_and_time_zone(runner, demo, db, tmp_path):
    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    project.time_zone = "Europe/Berlin"
    db.session.commit()
    html = _build(runner, tmp_path / "d", "--from", "2020-01-01", "--to", "2020-01-31")
    assert "2020-01-01 00:00 UTC+01:00" in html and "2020-02-01 00:00 UTC+01:00" in html
    # Nothing happened in January 2020: no annotator, no rule in force.
    assert _duty_status(html, 1) == "no_evidence" and _duty_status(html, 4) == "no_evidence"
    bad = runner.invoke(args=["dossier", "demo", "-o", str(tmp_path / "x"), "--from", "soon"])
    assert bad.exit_code == 1 and "soon" in bad.output
    assert not (tmp_path / "x").exists()


def test_a_broken_chain_still_builds_and_says_where(runner, demo, db, tmp_path):
    event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id).limit(1))
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == event.id).values(details={"edited": True})
    )
    db.session.commit()
    html = _build(runner, tmp_path / "d", "--lang", "en")
    assert 'id="chain-broken"' in html
    assert f"broken at event {event.id}" in html


def test_download_zip_in_the_page_language_and_bad_dates(client, login, demo):
    login("manager", "demo")
    response = client.get("/reports/demo/dossier.zip?lang=en&from=&to=")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        names = zf.namelist()
        index = zf.read(next(n for n in names if n.endswith("/index.html"))).decode()
    assert '<html lang="en">' in index and "by annotate" not in index
    assert any(n.endswith("/SHA256SUMS.sig") for n in names)
    assert any(n.endswith("/dossier.css") for n in names)
    assert client.get("/reports/demo/dossier.zip?from=31-12-2026").status_code == 400
    assert client.get("/reports/demo/dossier.zip?lang=fr").status_code == 400


def test_keys_generate_prints_a_usable_key(runner):
    from annotate.cli.main import main
    from annotate.services.quality.dossier.signing import load_private_key

    result = runner.invoke(main, ["keys", "generate"])
    assert result.exit_code == 0
    line = next(x for x in result.output.splitlines() if x.startswith("ANNOTATE_SIGNING_KEY="))
    assert load_private_key(line.split("=", 1)[1]) is not None


def test_unreadable_audit_details_still_give_a_dossier(runner, demo, db, tmp_path):
    """An event's details edited to invalid JSON in the database (possible in SQLite): the
    dossier still builds and its first page says the chain cannot be verified."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses invalid JSON in a json column")
    newest = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    db.session.execute(
        sa.text("UPDATE audit_events SET details = '{broken' WHERE id = :id"), {"id": newest - 1}
    )
    db.session.commit()
    db.session.expire_all()
    html = _build(runner, tmp_path / "d", "--lang", "en")
    assert 'id="chain-broken"' in html and "not valid JSON" in html
    assert f"broken at event {newest - 1}:" in html


def _counted_in(html: str) -> int:
    found = re.search(r"Counted in these figures: the (\d+) current annotations", html)
    assert found, "the figures' count is missing"
    return int(found[1])


def test_figures_count_only_the_annotations_of_the_period(runner, demo, db, tmp_path, monkeypatch):
    """A period before some annotations: the agreement and accuracy figures count fewer."""
    from datetime import UTC, datetime

    from annotate.models import Annotation, Item
    from annotate.services.quality.report import ReportOptions, compute_report

    # The annotations of the first 30 items were made in October; the others today.
    in_october = db.session.scalars(sa.select(Item.id).order_by(Item.id).limit(30)).all()
    db.session.execute(
        sa.update(Annotation)
        .where(Annotation.item_id.in_(in_october))
        .values(submitted_at=datetime(2026, 10, 15, 4, tzinfo=UTC))
    )
    db.session.commit()
    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    full = compute_report(db.session, project, ReportOptions(bootstrap=0))
    window = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    part = compute_report(db.session, project, ReportOptions(bootstrap=0, window=window))
    expected = db.session.scalar(
        sa.select(sa.func.count(Annotation.id)).where(
            Annotation.item_id.in_(in_october),
            Annotation.is_current.is_(True),
            sa.cast(Annotation.value, sa.Text) != "null",
        )
    )
    assert 0 < part.data.n == expected < full.data.n
    agreement = [r.get("project", "demo", "percent_agreement") for r in (part, full)]
    assert agreement[0].n_annotations < agreement[1].n_annotations
    # The many-annotator path (cells keyed on value multisets, sparse tables) keeps the window.
    from annotate.services.quality import sql as report_sql

    with monkeypatch.context() as patched:
        patched.setattr(report_sql, "VECTOR_BUDGET", 0)
        sparse = compute_report(db.session, project, ReportOptions(bootstrap=0, window=window))
    assert sparse.data.anonymous and sparse.data.n == expected
    assert sparse.data.sparse.ann.size and sparse.data.n_annotators == part.data.n_annotators
    peer = [r.get("project", "demo", "percent_agreement") for r in (sparse, part)]
    assert peer[0].value == peer[1].value and peer[0].n_annotations == peer[1].n_annotations

    html_full = _build(runner, tmp_path / "all", "--lang", "en")
    html_oct = _build(
        runner, tmp_path / "oct", "--lang", "en", "--from", "2026-10-01", "--to", "2026-10-31"
    )
    assert _counted_in(html_oct) == expected < _counted_in(html_full) == full.data.n
    assert "submitted in the period" in html_oct
    # metrics.csv holds the period's figures too.
    n_in = {}
    for name in ("oct", "all"):
        rows = csv.DictReader(io.StringIO((tmp_path / name / "metrics.csv").read_text()))
        row = next(
            r for r in rows if r["scope"] == "project" and r["metric"] == "percent_agreement"
        )
        n_in[name] = int(row["n_annotations"])
    assert n_in == {"oct": agreement[0].n_annotations, "all": agreement[1].n_annotations}


def test_first_page_names_the_responsible_person_and_zone_from_the_settings(
    runner, demo, db, tmp_path
):
    from annotate.services.projects.settings import update_settings

    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    unset = _build(runner, tmp_path / "before", "--lang", "en")
    assert "not set" in unset and "Asia/Shanghai" in unset
    update_settings(
        db.session, project, {"responsible_person": "Wang Fang", "time_zone": "Asia/Kolkata"}
    )
    db.session.commit()
    html = _build(runner, tmp_path / "after", "--lang", "en")
    frame = html[: html.index('id="duties"')]
    assert "<td>Wang Fang</td>" in frame and "<td>Asia/Kolkata</td>" in frame
    assert "UTC+05:30" in html and "UTC+08:00" not in html
