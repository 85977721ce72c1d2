"""Configuration classes. Every knob is documented here; deployments override with
``instance/config.py`` or ``ANNOTATE_*`` environment variables (``ANNOTATE_SECRET_KEY``,
``ANNOTATE_DATABASE_URL``, ``ANNOTATE_SESSION_COOKIE_SECURE=true`` …)."""

from __future__ import annotations

import os
from pathlib import Path


def shipped_guidelines_dir() -> Path:
    """The shipped rulebooks: the copy inside an installed package (``annotate/guidelines``,
    put there when the wheel is built), else ``guidelines/`` at the root of a checkout."""
    package = Path(__file__).resolve().parent
    inside = package / "guidelines"
    return inside if inside.is_dir() else package.parent / "guidelines"


def normalise_database_url(url: str) -> str:
    """Make ``postgres://``/``postgresql://`` URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Defaults for a real deployment."""

    #: Signs sessions and CSRF tokens. Required outside demo and test mode.
    SECRET_KEY: str | None = None
    #: Demo mode (``annotate demo``) may run with a generated secret key.
    DEMO = False
    #: Database; ``ANNOTATE_DATABASE_URL`` overrides. Relative SQLite paths live in instance/.
    SQLALCHEMY_DATABASE_URI = "sqlite:///annotate.sqlite"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    #: Session cookie hardening; set ANNOTATE_SESSION_COOKIE_SECURE=true behind HTTPS.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # seconds: one working day
    #: Failed-login throttle (Flask-Limiter syntax), counted per client address.
    LOGIN_RATE_LIMIT = "5 per minute;30 per hour"
    #: Where the limiter keeps its counters; use redis://… with several gunicorn workers.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Languages offered in the navigation; the first is the fallback.
    LANGUAGES = {"en": "English", "zh": "简体中文"}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    #: Bootstrap is served from the package: the product runs offline.
    BOOTSTRAP_SERVE_LOCAL = True
    #: Directory of rulebook sources (Markdown + quiz YAML) the demo seeds from: the checkout's
    #: ``guidelines/`` or, installed from a wheel, the package's copy.
    GUIDELINES_DIR = str(shipped_guidelines_dir())
    #: Bootstrap resamples behind the dashboard's coefficient intervals (0 turns them off).
    REPORT_BOOTSTRAP = 200
    #: Seed of those resamples, so a report can be reproduced exactly.
    REPORT_SEED = 0
    #: Maximum upload size (bytes) for imports through the web UI.
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024


class DemoConfig(Config):
    """``annotate demo``: a throwaway SQLite database and a generated secret."""

    DEMO = True
    SQLALCHEMY_DATABASE_URI = "sqlite:///demo.sqlite"


class TestConfig(Config):
    """The test suite: in-memory SQLite unless ANNOTATE_TEST_DATABASE_URL names another."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("ANNOTATE_TEST_DATABASE_URL", "sqlite://"))
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    PASSWORD_HASH_FAST = True
    REPORT_BOOTSTRAP = 50
