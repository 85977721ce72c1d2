"""The dossier as a PDF (optional extra ``annotate[pdf]``, WeasyPrint): written beside the
HTML, listed in SHA256SUMS and checked by ``dossier verify`` like every other file."""

from __future__ import annotations

import os

import pytest

from annotate.services.quality.dossier.build import PDF, pdf_renderer
from annotate.services.quality.dossier.signing import SUMS, verify_bundle
from tests.services.quality.test_dossier import _build, demo  # noqa: F401


@pytest.fixture
def weasyprint():
    if pdf_renderer() is None:
        if os.environ.get("ANNOTATE_REQUIRE_BROWSER"):  # CI: Chromium brings Pango along
            pytest.fail("WeasyPrint or its Pango libraries are missing on the CI machine")
        pytest.skip("WeasyPrint (annotate[pdf]) or the system's Pango is not installed")


def test_the_dossier_is_also_a_signed_pdf(weasyprint, runner, demo, tmp_path):  # noqa: F811
    out = tmp_path / "dossier"
    html = _build(runner, out)
    pdf = (out / PDF).read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
    assert f"  {PDF}\n" in (out / SUMS).read_text()
    assert PDF in html  # the first page lists it with the other files
    assert verify_bundle(out).ok
    (out / PDF).write_bytes(pdf[:-1] + bytes([pdf[-1] ^ 1]))
    assert not verify_bundle(out).ok


def test_without_weasyprint_the_html_is_the_dossier(runner, demo, tmp_path, monkeypatch):  # noqa: F811
    from annotate.services.quality.dossier import build

    monkeypatch.setattr(build, "pdf_renderer", lambda: None)
    out = tmp_path / "dossier"
    _build(runner, out)
    assert not (out / PDF).exists() and PDF not in (out / SUMS).read_text()
    assert verify_bundle(out).ok
