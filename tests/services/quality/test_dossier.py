"""The compliance dossier: self-contained HTML, every Art. 8 section, CSVs, checksums."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent
from tests.factories import labelled_project


@pytest.fixture
def demo(db):
    labelled_project(db.session, n_items=120)


def test_cli_writes_a_self_contained_dossier(runner, demo, db, tmp_path):
    out = tmp_path / "dossier"
    result = runner.invoke(args=["dossier", "demo", "-o", str(out), "--bootstrap", "20"])
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text(encoding="utf-8")
    for section in (
        "provenance",
        "rules",
        "training",
        "sampling",
        "quality",
        "supervision",
        "audit",
    ):
        assert f'id="{section}"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "external asset in the dossier"
    assert "<link" not in html and "<script" not in html
    assert "CC0-1.0" in html and "demo generator" in html  # provenance
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.dossier"))
    assert event.details["audit_head"] in html
    for line in (out / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assert (out / "metrics.csv").read_text().startswith("project,scope,scope_id,")


def test_download_zip(client, login, demo):
    login("manager", "demo")
    response = client.get("/reports/demo/dossier.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        names = zf.namelist()
    assert any(n.endswith("/index.html") for n in names)
    assert any(n.endswith("/metrics.csv") for n in names)
