"""Languages: Accept-Language, the user's saved choice, the switch, and a complete catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "annotate" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def test_accept_language_chooses_chinese(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert "登录" in page.get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en-GB"})
    assert "Log in" in english.get_data(as_text=True)


def test_saved_language_beats_the_browser(role_users, client, login, db):
    role_users["annotator"].locale = "zh"
    db.session.commit()
    login("ann")
    page = client.get("/annotate/", headers={"Accept-Language": "en"})
    assert "我的标注工作" in page.get_data(as_text=True)


def test_switch_saves_the_choice_for_the_user(role_users, client, login, db):
    login("ann")
    response = client.post("/language", data={"lang": "zh", "next": "/annotate/"})
    assert response.headers["Location"] == "/annotate/"
    db.session.refresh(role_users["annotator"])
    assert role_users["annotator"].locale == "zh"
    assert "我的标注工作" in client.get("/annotate/").get_data(as_text=True)


def test_switch_refuses_off_site_redirects_and_unknown_languages(client):
    response = client.post("/language", data={"lang": "xx", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def _source_messages() -> set[str]:
    keywords = dict(DEFAULT_KEYWORDS, lazy_gettext=None, _l=None)
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT),
        method_map=[("annotate/**.py", "python"), ("annotate/templates/**.html", "jinja2")],
        keywords=keywords,
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_a_chinese_translation():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    translated = {}
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        value = message.string[0] if isinstance(message.string, tuple) else message.string
        if key and value and not message.fuzzy:
            translated[key] = value
    missing = sorted(_source_messages() - set(translated) - {""})
    assert not missing, f"untranslated (run pybabel extract/update, translate): {missing}"


def _first(value):
    return value[0] if isinstance(value, (tuple, list)) else value


def _all(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def test_compiled_catalogue_matches_the_po_file():
    with PO.open("rb") as handle:
        po = {
            _first(m.id): _all(m.string)
            for m in read_po(handle)
            if m.id and not m.fuzzy and any(_all(m.string))
        }
    with MO.open("rb") as handle:
        mo = {_first(m.id): _all(m.string) for m in read_mo(handle) if m.id}
    stale = "messages.mo is stale: run pybabel compile -d annotate/translations"
    assert {key: mo.get(key) for key in po} == po, stale
