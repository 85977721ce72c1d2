"""A non-member asking for another project's labeling screen learns nothing about it."""

from __future__ import annotations

from annotate.models import ProjectRole


def test_non_member_gets_404_without_the_project_name(db, make_project, make_user, client, login):
    mine = make_project("mine")
    secret = make_project("secret")
    secret.name = "Operation Nightingale"
    db.session.commit()
    make_user("ann", project=mine, roles=[ProjectRole.annotator])
    make_user("boss", project=secret, roles=[ProjectRole.manager])
    login("ann")
    for method, url in (
        ("GET", "/annotate/secret"),
        ("POST", "/annotate/secret/1/submit"),
        ("POST", "/annotate/secret/1/skip"),
        ("POST", "/annotate/secret/1/flag"),
    ):
        response = client.open(url, method=method, data={"kind": "pii", "reason": "x"})
        assert response.status_code == 404, url
        assert "Nightingale" not in response.get_data(as_text=True)
    # the same answer as for a project that does not exist
    assert client.get("/annotate/nothing-here").status_code == 404
    assert client.get("/annotate/mine").status_code == 200


def test_a_manager_without_the_annotator_role_is_not_shown_the_screen(
    make_project, make_user, client, login
):
    project = make_project("p")
    other = make_project("q")
    make_user("ann", project=other, roles=[ProjectRole.annotator])
    make_user("mgr", project=project, roles=[ProjectRole.manager])
    login("ann")
    assert client.get("/annotate/p").status_code == 404
