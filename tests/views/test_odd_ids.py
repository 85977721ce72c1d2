"""Integer ids outside the columns' range: every ``<int:…>`` route answers 4xx, never 5xx.

Werkzeug's own ``int`` matched any digits: 2**31 reached PostgreSQL (``integer out of range``),
2**63 the SQLite driver (``OverflowError``) and 5,000 digits ``int()`` itself (``ValueError``),
each a 500. The app's ``int`` converter (``annotate.routing``) stops at ``2**31 - 1``.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from annotate.models import ProjectRole
from annotate.routing import MAX_ID
from annotate.services.accounts.tokens import create_token

ODD_IDS = [str(MAX_ID), str(MAX_ID + 1), str(2**63), "9" * 5000]


def _int_routes(app):
    for rule in app.url_map.iter_rules():
        ints = [
            name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)
        ]
        if ints:
            yield rule, ints


def _url(rule, value: str, slug: str) -> str:
    def fill(match: re.Match) -> str:
        kind, name = match.group(1), match.group(2)
        if kind == "int":
            return value
        return slug if name == "slug" else "jsonl"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


@pytest.mark.parametrize("role", ["admin", "annotator"])
def test_out_of_range_ids_never_answer_5xx(app, db, client, login, make_user, make_project, role):
    project = make_project("odd")
    user = make_user(
        "uu",
        admin=role == "admin",
        project=project,
        roles=[ProjectRole.annotator] if role == "annotator" else [],
    )
    secret = create_token(db.session, user, "t")[1]
    db.session.commit()
    login("uu")
    routes = list(_int_routes(app))
    assert len(routes) >= 17  # the 17 routes found by the audit, at least
    failures = []
    for rule, _names in routes:
        for value in ODD_IDS:
            url = _url(rule, value, project.slug)
            headers = {"Authorization": f"Bearer {secret}"} if url.startswith("/api/") else {}
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = client.open(
                    url, method=method, headers=headers, data={"note": "x", "reason": "x"}
                )
                if response.status_code >= 500:
                    failures.append((method, url[:80], response.status_code))
                elif value != str(MAX_ID):  # beyond the range: the route does not match
                    assert response.status_code == 404, (method, url[:80])
    assert not failures
