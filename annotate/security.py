"""Hardening that depends on the configuration: the secret key rule, cookie and throttle
settings, honest client addresses behind a proxy, and security headers on every response.

The headers are a few lines of ``after_request`` rather than Flask-Talisman: we need five
fixed headers (six over HTTPS), while Talisman also redirects to HTTPS and rewrites cookie
settings that ``config.py`` already owns (the app is often served on plain HTTP inside a
network), and it would be one more dependency to keep up with.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

#: Settings only code may switch on (``annotate demo``, the CLI, the test suite): never
#: ``instance/config.py`` or an ``ANNOTATE_*`` variable, so ``ANNOTATE_DEMO=1 gunicorn …``
#: cannot run with a throwaway key per worker.
CODE_ONLY = ("DEMO", "TESTING", "ALLOW_EPHEMERAL_SECRET")

#: Shortest secret key accepted outside demo and test mode.
MIN_SECRET_BYTES = 32
#: Longest "keep me logged in" allowed, whatever REMEMBER_COOKIE_DURATION says.
MAX_REMEMBER = timedelta(days=30)

#: No inline script or style, no framing, no plugins; Bootstrap's CSS draws icons as data: images.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: Sent only when ANNOTATE_SESSION_COOKIE_SECURE says the site is served over HTTPS: on plain
#: HTTP inside a network the header would be ignored, and a wrong one locks browsers out.
HSTS = "max-age=31536000; includeSubDomains"


def secret_key_problem(app: Flask) -> str | None:
    """Why the configured secret key cannot be used, or None (demo and test mode accept any)."""
    if app.config.get("DEMO") or app.config.get("TESTING"):
        return None
    if len(str(app.config["SECRET_KEY"]).encode("utf-8")) < MIN_SECRET_BYTES:
        return (
            f"ANNOTATE_SECRET_KEY is shorter than {MIN_SECRET_BYTES} bytes. Set it to a long "
            "random value, e.g. `export ANNOTATE_SECRET_KEY=$(python3 -c 'import secrets; "
            "print(secrets.token_hex(32))')`."
        )
    return None


def configure(app: Flask) -> None:
    """Derive settings before the extensions read them: the remember cookie is ``Secure``
    whenever the session cookie is and lasts 30 days at most; the throttle counts in Redis
    or in the database."""
    from annotate.throttle import DATABASE_STORAGE_URI

    if app.config.get("SESSION_COOKIE_SECURE"):
        app.config["REMEMBER_COOKIE_SECURE"] = True
    remember = app.config.get("REMEMBER_COOKIE_DURATION") or MAX_REMEMBER
    if not isinstance(remember, timedelta):
        remember = timedelta(seconds=int(remember))
    app.config["REMEMBER_COOKIE_DURATION"] = min(remember, MAX_REMEMBER)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or DATABASE_STORAGE_URI


def init_app(app: Flask) -> None:
    """Trust ``TRUSTED_PROXIES`` proxies' X-Forwarded-For/-Proto; add the headers."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    headers = dict(HEADERS)
    if app.config.get("SESSION_COOKIE_SECURE"):
        # Served over HTTPS (the proxy terminates TLS): browsers must never fall back to HTTP.
        headers["Strict-Transport-Security"] = HSTS

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
