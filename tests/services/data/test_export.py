"""Dataset export: rows, consensus, formats, the Label Studio round trip, CLI and download."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa
from statsmodels.stats.proportion import proportion_confint

from annotate.models import (
    Annotation,
    AuditEvent,
    Batch,
    BatchStatus,
    Item,
    ProjectRole,
    Rulebook,
    RulebookVersion,
    VersionStatus,
)
from annotate.services.accounts.users import create_user
from annotate.services.data.export import ExportStats, iter_dataset, write_dataset
from annotate.services.data.formats import read_records
from annotate.services.data.imports import import_records


def _import(db, project, rows, batch="b1", **kwargs):
    text = "\n".join(json.dumps(r) for r in rows)
    records, problems = read_records(text.encode(), "jsonl")
    result = import_records(
        db.session, project, records, batch_name=batch, parse_problems=problems, **kwargs
    )
    db.session.flush()
    return result


def _version(db, project, version="1.0.0"):
    book = Rulebook(project_id=project.id, key="main", title="Main")
    db.session.add(book)
    db.session.flush()
    major, minor, patch = map(int, version.split("."))
    rv = RulebookVersion(
        rulebook_id=book.id,
        version=version,
        major=major,
        minor=minor,
        patch=patch,
        status=VersionStatus.published,
        title="Main",
        body="# Main",
        sha256="a" * 64,
    )
    db.session.add(rv)
    db.session.flush()
    return rv


def _annotate(db, project, votes, version=None):
    """``votes``: {external id: {username: value}} — written as current annotations."""
    users = {}
    items = {
        i.external_id: i
        for i in db.session.scalars(sa.select(Item).where(Item.project_id == project.id))
    }
    for ext, by_user in votes.items():
        for username, value in by_user.items():
            if username not in users:
                users[username] = create_user(db.session, username, None)
            db.session.add(
                Annotation(
                    item_id=items[ext].id,
                    annotator_id=users[username].id,
                    value=value,
                    clause_keys=["R1"] if version else [],
                    rulebook_version_id=version.id if version else None,
                    duration_ms=1500,
                )
            )
    db.session.flush()


def _export(db, project, fmt="jsonl", page_size=1000):
    return "".join(iter_dataset(db.session, project, fmt, page_size=page_size))


@pytest.fixture
def labelled(db, make_project):
    """A single-label project: 4 items (one quarantined, one in a void batch), 3 annotators."""
    project = make_project("p", labels=["pos", "neg"])
    _import(
        db,
        project,
        [
            {"id": "a", "text": "good", "gold": "pos"},
            {"id": "b", "text": "bad", "personal_info": True},
            {"id": "q", "text": "flagged"},
        ],
        source="crawl",
        licence="CC-BY-4.0",
    )
    _import(db, project, [{"id": "v", "text": "voided"}], batch="b2")
    db.session.scalar(sa.select(Batch).where(Batch.name == "b2")).status = BatchStatus.void
    db.session.scalar(sa.select(Item).where(Item.external_id == "q")).quarantined = True
    version = _version(db, project)
    _annotate(
        db,
        project,
        {
            "a": {"u1": "pos", "u2": "pos", "u3": "neg"},
            "b": {"u1": "neg", "u2": "neg"},
            "q": {"u1": "pos"},
            "v": {"u1": "pos"},
        },
        version,
    )
    db.session.commit()
    return project


def test_jsonl_has_items_annotations_consensus_and_provenance(db, labelled):
    rows = [json.loads(line) for line in _export(db, labelled).splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]  # quarantined and void left out
    a, b = rows
    assert a["data"] == {"text": "good"} and a["gold"] == "pos" and b["personal_info"]
    assert a["provenance"] == {
        "batch": "b1",
        "batch_status": "open",
        "source": "crawl",
        "licence": "CC-BY-4.0",
    }
    assert [(x["annotator"], x["value"]) for x in a["annotations"]] == [
        ("u1", "pos"),
        ("u2", "pos"),
        ("u3", "neg"),
    ]
    assert a["annotations"][0]["rulebook_version"] == "1.0.0"
    assert a["annotations"][0]["clause_keys"] == ["R1"]
    assert a["rulebook_versions"] == ["1.0.0"]
    assert a["consensus"]["method"] == "dawid_skene"
    assert a["consensus"]["value"] == "pos" and 0.5 < a["consensus"]["confidence"] <= 1
    # the interval is the vote share's (2 of 3 for "pos"), cross-checked with statsmodels
    assert [a["consensus"]["confidence_low"], a["consensus"]["confidence_high"]] == pytest.approx(
        proportion_confint(2, 3, alpha=0.05, method="wilson"), abs=1e-6
    )
    assert b["consensus"]["value"] == "neg"


def test_majority_vote_reports_ties(db, make_project):
    project = make_project("r", task_type="rating", scale="1-5")
    _import(
        db,
        project,
        [{"id": "x", "text": "t1"}, {"id": "y", "text": "t2"}, {"id": "z", "text": "t3"}],
    )
    _annotate(db, project, {"x": {"u1": 4, "u2": 4, "u3": 2}, "y": {"u1": 1, "u2": 5}})
    rows = {r["id"]: r for r in map(json.loads, _export(db, project).splitlines())}
    low, high = proportion_confint(2, 3, alpha=0.05, method="wilson")
    assert rows["x"]["consensus"] == {
        "value": 4,
        "method": "majority_vote",
        "confidence": pytest.approx(2 / 3, abs=1e-6),
        "confidence_low": pytest.approx(low, abs=1e-6),
        "confidence_high": pytest.approx(high, abs=1e-6),
        "ties": None,
    }
    assert rows["y"]["consensus"]["value"] is None and rows["y"]["consensus"]["ties"] == [1, 5]
    assert rows["y"]["consensus"]["confidence_low"] is None  # no label, no interval
    assert rows["z"]["consensus"]["value"] is None and rows["z"]["annotations"] == []


def test_single_annotator_single_label_uses_majority_vote(db, make_project):
    project = make_project("s", labels=["pos", "neg"])
    _import(db, project, [{"id": "x", "text": "t1"}])
    _annotate(db, project, {"x": {"u1": "neg"}})
    row = json.loads(_export(db, project))
    assert row["consensus"]["method"] == "majority_vote" and row["consensus"]["value"] == "neg"


def test_csv_has_fixed_columns_and_neutralises_formulas(db, make_project):
    project = make_project("c", labels=["pos", "neg"])
    _import(db, project, [{"id": "=cmd()", "text": "hello"}], licence="+x")
    _annotate(db, project, {"=cmd()": {"u1": "pos"}})
    rows = list(csv.reader(io.StringIO(_export(db, project, "csv"))))
    assert rows[0][:4] == ["external_id", "item_id", "batch", "batch_status"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["external_id"] == "'=cmd()" and row["licence"] == "'+x"
    assert json.loads(row["payload"]) == {"text": "hello"}
    assert row["consensus"] == "pos" and row["n_annotations"] == "1"
    assert json.loads(row["annotations"])[0]["annotator"] == "u1"


def test_export_streams_page_by_page(db, make_project):
    project = make_project("big", labels=["pos", "neg"])
    _import(db, project, [{"id": f"i{n}", "text": f"t{n}"} for n in range(25)])
    stats = ExportStats("jsonl")
    chunks = list(iter_dataset(db.session, project, "jsonl", stats, page_size=10))
    assert [c.count("\n") for c in chunks] == [10, 10, 5]
    assert stats.rows == 25 and stats.bytes == len("".join(chunks).encode())


CASES = [
    ("single_label", {}, {"text": "t"}, ["yes", "no", "yes"]),
    ("multi_label", {"labels": ["a", "b", "c"]}, {"text": "t"}, [["a", "c"], ["b"]]),
    ("rating", {"scale": "1-5", "labels": None}, {"text": "t"}, [3, 5]),
    ("text", {"labels": None}, {"text": "t"}, ["an answer", "another"]),
    (
        "span",
        {"labels": ["PER", "LOC"]},
        {"text": "Ada in Rome"},
        [[{"start": 0, "end": 3, "label": "PER"}, {"start": 7, "end": 11, "label": "LOC"}]],
    ),
    (
        "pairwise",
        {},
        {"prompt": "p", "response_a": "x", "response_b": "y"},
        [{"choice": "A", "reason": "clearer"}, {"choice": "tie"}],
    ),
]


@pytest.mark.parametrize("task, options, payload, values", CASES, ids=[c[0] for c in CASES])
def test_label_studio_round_trip(db, make_project, task, options, payload, values):
    source = make_project("src", task_type=task, **options)
    _import(
        db,
        source,
        [
            {"id": "it1", **payload, "personal_info": True, "gold": values[0]},
            {"id": "it2", **{k: v + "!" for k, v in payload.items()}},
        ],
        source="crawl",
        licence="CC0",
    )
    _annotate(db, source, {"it1": {f"u{n}": v for n, v in enumerate(values)}})
    source.export_personal_info = True  # it1 holds personal information: not masked here
    db.session.commit()
    exported = _export(db, source, "labelstudio")
    tasks = json.loads(exported)
    assert all({"data", "annotations", "predictions", "meta"} <= set(t) for t in tasks)
    target = make_project("dst", task_type=task, **options)
    records, problems = read_records(exported.encode(), "labelstudio")
    result = import_records(
        db.session, target, records, batch_name="again", parse_problems=problems
    )
    db.session.commit()
    assert result.inserted == 2 and result.annotations == len(values)

    def snapshot(project):
        items = db.session.scalars(
            sa.select(Item).where(Item.project_id == project.id).order_by(Item.external_id)
        ).all()
        anns = db.session.execute(
            sa.select(Item.external_id, Annotation.value, Annotation.duration_ms)
            .join(Item, Item.id == Annotation.item_id)
            .where(Item.project_id == project.id)
            .order_by(Annotation.id)
        ).all()
        return (
            [
                (i.external_id, i.payload, i.content_hash, i.gold_answer, i.has_personal_info)
                for i in items
            ],
            [tuple(a) for a in anns],
        )

    assert snapshot(target) == snapshot(source)
    names = db.session.scalars(
        sa.select(sa.text("username")).select_from(sa.table("users")).where(sa.text("imported"))
    ).all()
    assert sorted(names) == sorted(f"ls-u{n}" for n in range(len(values)))
    # And the re-import of our own export is idempotent.
    again = import_records(
        db.session, target, read_records(exported.encode(), "labelstudio")[0], batch_name="again"
    )
    assert again.inserted == 0 and len(again.duplicates) == 2


def test_cli_export_writes_file_and_audits(db, labelled, runner, tmp_path):
    out = tmp_path / "data.json"
    result = runner.invoke(
        args=["export", "dataset", "p", "--format", "labelstudio", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert [t["meta"]["external_id"] for t in json.loads(out.read_text())] == ["a", "b"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.dataset"))
    assert event.details["rows"] == 2 and event.details["format"] == "labelstudio"
    assert event.details["annotations"] == 5 and len(event.details["sha256"]) == 64
    stdout = runner.invoke(args=["export", "dataset", "p"])
    assert stdout.exit_code == 0 and stdout.output.count('"id":') >= 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "dataset", "nope"], "No project 'nope'"),
        (["export", "dataset", "p", "--format", "xml"], "Unknown export format 'xml'"),
    ],
)
def test_cli_export_errors(labelled, runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and message in result.output


def test_write_dataset_rejects_unknown_format(db, labelled):
    from annotate.services.errors import InvalidInput

    with pytest.raises(InvalidInput):
        write_dataset(db.session, labelled, "xml", io.StringIO())


def test_download_from_the_data_page(db, labelled, make_user, client, login):
    make_user("boss", project=labelled, roles=[ProjectRole.manager])
    make_user("other")
    login("boss")
    page = client.get("/admin/data/p")
    assert b'action="/admin/data/p/export"' in page.data and b'value="jsonl"' in page.data
    started = client.post("/admin/data/p/export", data={"format": "csv"})
    assert started.status_code == 303 and "/jobs/" in started.location
    job_page = client.get(started.location)
    assert b"p-dataset.csv" in job_page.data
    response = client.get(started.location + "/download")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True).startswith("external_id,")
    response.close()
    assert client.get("/admin/data/p/export/xml").status_code == 404
    assert client.post("/admin/data/p/export", data={"format": "xml"}).status_code == 400
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.dataset"))
    assert event.details["via"] == "web" and event.actor_name == "boss"
    client.post("/logout")
    login("other")
    assert client.get("/admin/data/p/export/csv").status_code == 403
    assert client.post("/admin/data/p/export", data={"format": "csv"}).status_code == 403
    assert client.get(started.location).status_code == 404  # someone else's job
