"""Configuration classes. Every knob is documented here; deployments override with
``instance/config.py`` or ``ANNOTATE_*`` environment variables (``ANNOTATE_SECRET_KEY``,
``ANNOTATE_DATABASE_URL``, ``ANNOTATE_SESSION_COOKIE_SECURE=true`` …)."""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
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
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Defaults for a real deployment."""

    #: Signs sessions and CSRF tokens. Required outside demo and test mode, at least 32 bytes.
    SECRET_KEY: str | None = None
    #: Demo mode (``annotate demo``) may run with a generated secret key. Only code sets it
    #: (like TESTING and ALLOW_EPHEMERAL_SECRET): ``ANNOTATE_DEMO`` and instance/config.py are
    #: ignored, so a production server can never start in demo mode.
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
    #: "Keep me logged in" (off by default on the form) lasts this long at most. The remember
    #: cookie is Secure whenever SESSION_COOKIE_SECURE is. Logout, a password change,
    #: deactivation and "log out everywhere" end it (``User.session_epoch``).
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # seconds: one working day
    #: Failed logins allowed per account (the submitted username), from any address
    #: (Flask-Limiter syntax). A throttled account never blocks another one.
    LOGIN_ACCOUNT_RATE_LIMIT = "5 per minute;20 per hour"
    #: Failed logins allowed per client address, whatever the accounts: higher than per
    #: account, since a whole office may sit behind one address.
    LOGIN_CLIENT_RATE_LIMIT = "30 per minute;200 per hour"
    #: Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted
    #: (Werkzeug's ProxyFix). 0: no proxy, the socket's address is the client's. Set 1 behind
    #: one nginx; never more than there are, or clients can forge their address.
    TRUSTED_PROXIES = 0
    #: Redis (e.g. redis://127.0.0.1:6379/0): the login throttle's counters live there.
    REDIS_URL: str | None = None
    #: Where the limiter keeps its counters. Unset: REDIS_URL if set, else the app's database
    #: (table rate_limit_counters) — always shared by every gunicorn worker.
    RATELIMIT_STORAGE_URI: str | None = None
    #: How background jobs (imports, exports, dossiers) run: ``rq`` (workers started with
    #: ``annotate worker``, queue in Redis), ``thread`` (one at a time on a background thread
    #: of this process: the demo) or ``inline`` (in the request, after its commit: the tests).
    #: Unset: ``rq`` when REDIS_URL is set, else ``thread``.
    JOBS_RUNNER: str | None = None
    #: Where jobs keep uploads and result files (on storage every host shares, with rq).
    #: Unset: ``jobs`` in the instance folder.
    JOB_FILES_DIR: str | None = None
    RATELIMIT_HEADERS_ENABLED = True
    #: Languages offered in the navigation; the first is the fallback.
    LANGUAGES = {"en": "English", "zh": "简体中文"}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    #: The IANA zone pages show times in (``ANNOTATE_TIMEZONE``); stored times stay UTC.
    TIMEZONE = "Asia/Shanghai"
    #: Bootstrap is served from the package: the product runs offline.
    BOOTSTRAP_SERVE_LOCAL = True
    #: Directory of rulebook sources (Markdown + quiz YAML) the demo seeds from: the checkout's
    #: ``guidelines/`` or, installed from a wheel, the package's copy.
    GUIDELINES_DIR = str(shipped_guidelines_dir())
    #: The provider (organisation) named on the compliance dossier's first page.
    PROVIDER_NAME: str | None = None
    #: Ed25519 key that signs dossiers (``ANNOTATE_SIGNING_KEY``, base64 of the raw 32 bytes,
    #: from ``annotate keys generate``). Unset: dossiers carry SHA256SUMS but no signature.
    SIGNING_KEY: str | None = None
    #: Bootstrap resamples behind the dashboard's coefficient intervals (0 turns them off).
    REPORT_BOOTSTRAP = 200
    #: Seed of those resamples, so a report can be reproduced exactly.
    REPORT_SEED = 0
    #: Scheduled work, every so many minutes (0 turns a task off): supervision alerts, the
    #: audit events of lapsed qualifications, and new report snapshots of projects whose data
    #: changed. Run by ``annotate worker --with-scheduler`` (rq) or by the demo server itself.
    SCHEDULE_SUPERVISE_MINUTES = 60
    SCHEDULE_EXPIRY_MINUTES = 24 * 60
    SCHEDULE_SNAPSHOT_MINUTES = 15
    #: A page that finds no report snapshot computes the first one itself only for projects
    #: with at most this many current annotations; larger ones wait for the job.
    SNAPSHOT_SYNC_MAX = 5000
    #: Queue a report snapshot after each import and batch decision.
    SNAPSHOT_AFTER_CHANGES = True
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
        os.environ.get("ANNOTATE_TEST_DATABASE_URL", "sqlite://")
    )
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    PASSWORD_HASH_FAST = True
    REPORT_BOOTSTRAP = 50
    JOBS_RUNNER = "inline"
    #: One folder per test process for uploads and job results.
    JOB_FILES_DIR = tempfile.mkdtemp(prefix="annotate-test-jobs-")
