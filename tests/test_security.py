"""Security headers on every response, no inline script or style in the templates, the
secret-key length rule, and demo mode that only code can switch on."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from annotate import ConfigurationError, create_app
from annotate.config import Config

TEMPLATES = Path(__file__).resolve().parents[1] / "annotate" / "templates"
LONG_KEY = "k" * 32


@pytest.mark.parametrize(
    "path", ["/login", "/healthz", "/no/such/page", "/static/annotate.css", "/api/v1/openapi.json"]
)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    response.close()


def test_templates_hold_no_inline_script_or_style():
    """CSP refuses them: scripts and styles come from static/ (the offline dossier too: its
    stylesheet is dossier.css beside it)."""
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r"<style|\sstyle=", text), path
        assert "javascript:" not in text, path


def test_a_short_secret_key_is_refused(monkeypatch):
    monkeypatch.setenv("ANNOTATE_SECRET_KEY", "x")
    with pytest.raises(ConfigurationError, match="shorter than 32 bytes"):
        create_app()
    monkeypatch.setenv("ANNOTATE_SECRET_KEY", "k" * 31)
    with pytest.raises(ConfigurationError, match="32 bytes"):
        create_app({"CONFIG_CLASS": Config, "LOAD_ENV": True})
    monkeypatch.setenv("ANNOTATE_SECRET_KEY", LONG_KEY)
    assert create_app().config["SECRET_KEY"] == LONG_KEY


@pytest.mark.parametrize(
    "name", ["ANNOTATE_DEMO", "ANNOTATE_ALLOW_EPHEMERAL_SECRET", "ANNOTATE_TESTING"]
)
def test_the_environment_cannot_switch_on_demo_or_test_mode(monkeypatch, name):
    monkeypatch.delenv("ANNOTATE_SECRET_KEY", raising=False)
    monkeypatch.setenv(name, "1")
    with pytest.raises(ConfigurationError, match="ANNOTATE_SECRET_KEY is not set"):
        create_app()
    monkeypatch.setenv("ANNOTATE_SECRET_KEY", "short")
    with pytest.raises(ConfigurationError, match="32 bytes"):
        create_app()


def test_demo_mode_is_set_by_the_demo_command_only(monkeypatch):
    from annotate.config import DemoConfig

    monkeypatch.delenv("ANNOTATE_SECRET_KEY", raising=False)
    app = create_app(
        {"CONFIG_CLASS": DemoConfig, "LOAD_ENV": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    assert app.config["DEMO"] and app.config["SECRET_KEY_EPHEMERAL"]


def test_gunicorn_refuses_to_start_in_demo_mode_from_the_environment(tmp_path):
    """``ANNOTATE_DEMO=1 gunicorn 'annotate:create_app()'``: the factory refuses, gunicorn
    exits without serving (``--check-config`` loads the app and exits)."""
    env = {
        "ANNOTATE_DEMO": "1",
        "PATH": str(Path(sys.executable).parent),
        "ANNOTATE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(
        [str(gunicorn), "--check-config", "annotate:create_app()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "ANNOTATE_SECRET_KEY is not set" in result.stderr + result.stdout


def test_the_cli_names_a_short_key_without_a_traceback(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from annotate.cli.main import main

    monkeypatch.setenv("ANNOTATE_SECRET_KEY", "short")
    monkeypatch.setenv("ANNOTATE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 1
    assert "shorter than 32 bytes" in result.output
    assert "Traceback" not in result.output


def test_hsts_only_when_served_over_https():
    """Static files (no database: an app made here would leave a pooled connection behind)."""
    from annotate.config import TestConfig

    for secure in (False, True):
        app = create_app({"CONFIG_CLASS": TestConfig, "SESSION_COOKIE_SECURE": secure})
        response = app.test_client().get("/static/annotate.css")
        response.close()
        hsts = response.headers.get("Strict-Transport-Security")
        if secure:
            assert hsts is not None and hsts.startswith("max-age=31536000")
        else:
            assert hsts is None
