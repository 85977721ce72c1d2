"""Property-based fuzzing of the JSON API, driven by its own OpenAPI document.

Every operation of ``/api/v1/openapi.json`` is called with generated path parameters (real and
random slugs, ids up to 2**70), query strings, bodies (random bytes, JSON of any shape, JSONL
and CSV made of odd values), content types and tokens. No answer may be a 5xx, every error is
JSON with an ``error``, and every status is one the document lists for the operation. The
number of examples is bounded and derandomised (300: about 5 s on SQLite, 7 s on PostgreSQL).
"""

from __future__ import annotations

import json
import string
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from annotate.models import ProjectRole
from annotate.services.accounts.tokens import create_token
from tests.services.labeling.test_assignment import make_ready

EXAMPLES = 300
#: A small body limit, so that 413 is reached too.
BODY_LIMIT = 16384

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["\x00", "\ud800", "yes", "no", "A", "", "𝕏"])
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(max_size=6)
            | st.sampled_from(["id", "text", "value", "gold", "data", "annotations"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)


def _jsonl(values: list, ascii_only: bool = True) -> bytes:
    """JSON lines; ``ascii_only`` writes lone surrogates as ``\\ud800`` escapes, else as raw
    (invalid UTF-8) bytes."""
    return "\n".join(json.dumps(v, ensure_ascii=ascii_only, allow_nan=True) for v in values).encode(
        "utf-8", "surrogatepass"
    )


def _deep(depth: int) -> bytes:
    return b'{"id": "d", "text": "x", "m": ' + b"[" * depth + b"]" * depth + b"}"


#: A path segment: any text but "/" (Werkzeug decodes %2F, then redirects "a//b" with a 308).
_segment = st.text(st.characters(blacklist_characters="/"), min_size=1, max_size=8)
_bodies = st.one_of(
    st.binary(max_size=200),
    st.builds(_jsonl, st.lists(_json, max_size=5), st.booleans()),
    st.integers(min_value=60, max_value=5000).map(_deep),
    st.integers(min_value=19, max_value=5000).map(
        lambda n: b'{"id": "big", "text": "x", "n": ' + b"9" * n + b"}"
    ),
    st.lists(st.fixed_dictionaries({"id": _scalars, "text": _scalars}), max_size=5).map(_jsonl),
    st.text(alphabet=string.printable + '"\x00中', max_size=200).map(
        lambda t: ("id,text\n" + t).encode()
    ),
    st.builds(lambda v: json.dumps({"value": v}).encode(), _json),
    st.sampled_from([b'{"value": "yes"}', b'{"value": "no", "clause_keys": ["R1"]}']),
    st.lists(
        st.fixed_dictionaries(
            {"id": st.text(min_size=1, max_size=8), "text": st.text(min_size=1, max_size=20)}
        ),
        min_size=1,
        max_size=4,
    ).map(_jsonl),
    st.integers(min_value=BODY_LIMIT + 1, max_value=BODY_LIMIT + 2000).map(lambda n: b"x" * n),
)


@pytest.fixture
def api(app, db, make_project, make_user):
    """A ready project with a manager, an annotator (with a lease) and their tokens."""
    app.config["MAX_CONTENT_LENGTH"] = BODY_LIMIT
    project = make_project("fz", redundancy_k=1, overlap_share=0.0, gold_rate=0.0)
    manager = make_user("boss", project=project, roles=[ProjectRole.manager])
    annotator = make_user("ann", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [annotator], n_items=3)
    tokens = [
        create_token(db.session, manager, "m")[1],
        create_token(db.session, annotator, "a")[1],
    ]
    db.session.commit()
    return tokens


def _operations(client) -> list[tuple[str, str, dict]]:
    doc = client.get("/api/v1/openapi.json").get_json()
    return [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_no_api_call_answers_5xx(client, api, data):
    operations = _operations(client)
    path, method, op = data.draw(st.sampled_from(operations), label="operation")
    url = path
    query = {}
    for param in op.get("parameters", []):
        name = param["name"]
        if param["in"] == "path":
            odd = data.draw(st.integers(0, 3), label=f"odd {name}") == 0  # one in four
            if param["schema"]["type"] == "string":
                value = data.draw(_segment, label=name) if odd else "fz"
            else:
                value = data.draw(
                    st.integers(min_value=-5, max_value=2**70) if odd else st.integers(1, 6),
                    label=name,
                )
            url = url.replace("{" + name + "}", quote(str(value), safe=""))
        elif data.draw(st.booleans(), label=f"send {name}"):
            query[name] = data.draw(
                st.sampled_from(["jsonl", "csv", "labelstudio", "b"]) | st.text(max_size=10),
                label=name,
            )
    token = data.draw(st.sampled_from([*api, *api, "ann_wrong", None]), label="token")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs = {}
    if "requestBody" in op:
        kwargs["data"] = data.draw(_bodies, label="body")
        kwargs["content_type"] = data.draw(
            st.sampled_from([*op["requestBody"]["content"], "text/plain", "multipart/form-data"]),
            label="type",
        )
    response = client.open(
        "/api/v1" + url, method=method.upper(), headers=headers, query_string=query, **kwargs
    )
    event(f"{method} {path} {response.status_code}")
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert str(response.status_code) in op["responses"], (response.status_code, path)
    if response.status_code >= 400:
        assert "error" in response.get_json()


def test_the_409_and_413_answers_are_documented(client, api):
    """A second submit of one lease is a 409, an oversized body a 413; the document says so."""
    doc = client.get("/api/v1/openapi.json").get_json()["paths"]
    submit = doc["/projects/{slug}/assignments/{assignment_id}/submit"]["post"]["responses"]
    assert {"409", "413"} <= set(submit)
    assert "413" in doc["/projects/{slug}/items"]["post"]["responses"]
    annotator = {"Authorization": f"Bearer {api[1]}"}
    lease = client.post("/api/v1/projects/fz/next", headers=annotator).get_json()["assignment"]
    url = f"/api/v1/projects/fz/assignments/{lease['id']}/submit"
    assert client.post(url, json={"value": "yes"}, headers=annotator).status_code == 201
    again = client.post(url, json={"value": "yes"}, headers=annotator)
    assert again.status_code == 409 and again.is_json
    big = client.post(
        "/api/v1/projects/fz/items?batch=b",
        data=b"x" * (BODY_LIMIT + 1),
        headers={"Authorization": f"Bearer {api[0]}"},
    )
    assert big.status_code == 413 and big.is_json


@pytest.mark.parametrize(
    "body",
    [
        b'{"value": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"value": "a\\u0000b"}',
        b'{"value": "\\ud800"}',
        b'{"value": NaN}',
        b'{"value": ' + b"9" * 30 + b"}",
    ],
)
def test_submit_refuses_what_no_database_stores(client, api, body):
    annotator = {"Authorization": f"Bearer {api[1]}"}
    lease = client.post("/api/v1/projects/fz/next", headers=annotator).get_json()["assignment"]
    response = client.post(
        f"/api/v1/projects/fz/assignments/{lease['id']}/submit",
        data=body,
        content_type="application/json",
        headers=annotator,
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
