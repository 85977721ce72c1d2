"""Languages: Flask-Babel set up to follow the user's setting, then Accept-Language."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user

from annotate.extensions import babel


def select_locale() -> str:
    """The user's saved language, else the session's choice, else the browser's."""
    languages = list(current_app.config["LANGUAGES"])
    if not has_request_context():  # the CLI, background work: the default language
        return languages[0]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def _translations() -> Any:
    """The catalogue of the current locale, looked up once per locale and request.

    Flask-Babel finds it anew for every string (domain, locale, cache key), and a page
    translates dozens; the locale object itself is the key, so ``refresh()`` and
    ``force_locale()`` still switch the catalogue at once.
    """
    from flask_babel import get_locale, get_translations

    locale = get_locale()
    cached = g.get("_annotate_translations")
    if cached is None or cached[0] is not locale:
        cached = g._annotate_translations = (locale, get_translations())
    return cached[1]


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with the locale selector; expose languages to templates."""
    import os

    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", os.path.join(os.path.dirname(__file__), "translations")
    )
    babel.init_app(app, locale_selector=select_locale)
    # Added to the environment by Jinja's i18n extension (Environment.extend), so undeclared.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.before_request
    def forget_cached_locale() -> None:
        # Flask-Babel caches the locale on the app context, which outlives one request
        # when an app context is already pushed (CLI, tests); choose afresh per request.
        from flask_babel import refresh

        refresh()

    @app.context_processor
    def inject_languages() -> dict[str, object]:
        from flask_babel import get_locale

        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}
