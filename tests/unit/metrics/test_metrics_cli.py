"""The metrics CLI commands, invoked directly with click's CliRunner (no Flask app)."""

import json

import pytest
from click.testing import CliRunner

from annotate.cli.metrics_cmds import (
    agreement_command,
    sample_plan_command,
    sample_size_command,
)

CSV = """item,annotator,label
u1,a,1
u1,b,1
u1,c,2
u2,a,2
u2,b,2
u2,c,
u3,a,1
u3,b,2
u3,c,1
"""


@pytest.fixture()
def runner():
    return CliRunner()


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_agreement_json(runner, tmp_path):
    res = runner.invoke(agreement_command, [_write(tmp_path, "a.csv", CSV)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["n_items"] == 3 and data["n_annotators"] == 3 and data["n_annotations"] == 8
    for key in (
        "percent_agreement",
        "cohen_kappa",
        "fleiss_kappa",
        "scott_pi",
        "gwet_ac1",
        "krippendorff_alpha",
    ):
        assert isinstance(data[key], float)
    assert data["undefined"] == {} and "ci" not in data


def test_agreement_jsonl_bootstrap_and_levels(runner, tmp_path):
    lines = [
        json.dumps({"item": i, "annotator": a, "label": v})
        for i, a, v in [
            (1, "a", 1),
            (1, "b", 2),
            (2, "a", 3),
            (2, "b", 3),
            (3, "a", None),
            (3, "b", 1),
            (4, "a", 5),
            (4, "b", 4),
        ]
    ]
    path = _write(tmp_path, "a.jsonl", "\n".join(lines) + "\n")
    res = runner.invoke(
        agreement_command, [path, "--level", "interval", "--bootstrap", "50", "--seed", "3"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data["ci"]) >= {"krippendorff_alpha", "cohen_kappa"}
    again = json.loads(
        runner.invoke(
            agreement_command, [path, "--level", "interval", "--bootstrap", "50", "--seed", "3"]
        ).stdout
    )
    assert again == data
    table = runner.invoke(agreement_command, [path, "--format", "table"])
    assert table.exit_code == 0 and "krippendorff_alpha" in table.stdout


def test_agreement_undefined_is_null(runner, tmp_path):
    path = _write(tmp_path, "one.csv", "item,annotator,label\n1,a,x\n2,a,y\n")
    data = json.loads(runner.invoke(agreement_command, [path]).stdout)
    assert data["krippendorff_alpha"] is None
    assert "krippendorff_alpha" in data["undefined"]


@pytest.mark.parametrize(
    ("name", "text", "args", "fragment"),
    [
        ("bad.csv", "item,coder,label\n1,a,x\n", [], "line 1"),
        ("bad.jsonl", '{"item": 1, "annotator": "a", "label": "x"}\n{oops\n', [], "line 2"),
        ("num.csv", "item,annotator,label\n1,a,1\n1,b,two\n", ["--level", "ordinal"], "line 3"),
        ("dup.csv", "item,annotator,label\n1,a,x\n1,b,y\n1,a,z\n", [], "line 4"),
        ("short.csv", "item,annotator,label\n1,a\n", [], "line 2"),
        ("data.txt", "item,annotator,label\n", [], "extension"),
        ("keys.jsonl", '{"item": 1, "label": "x"}\n', [], "line 1"),
    ],
)
def test_agreement_malformed_files_exit_2(runner, tmp_path, name, text, args, fragment):
    res = runner.invoke(agreement_command, [_write(tmp_path, name, text), *args])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert fragment in res.stderr
    assert "Traceback" not in res.output


def test_agreement_missing_file(runner, tmp_path):
    res = runner.invoke(agreement_command, [str(tmp_path / "nope.csv")])
    assert res.exit_code == 2 and res.stdout == ""


def test_sample_plan(runner):
    res = runner.invoke(sample_plan_command, ["--lot-size", "1000", "--aql", "1.0"])
    assert res.exit_code == 0
    assert json.loads(res.stdout) == {
        "code_letter": "J",
        "sample_size": 80,
        "accept": 2,
        "reject": 3,
    }
    res = runner.invoke(
        sample_plan_command, ["--lot-size", "500", "--aql", "0.65", "--inspection-level", "II"]
    )
    assert json.loads(res.stdout) == {
        "code_letter": "H",
        "sample_size": 80,
        "accept": 1,
        "reject": 2,
    }


@pytest.mark.parametrize(
    "args",
    [
        ["--lot-size", "1000", "--aql", "0.7"],
        ["--lot-size", "1", "--aql", "1.0"],
        ["--lot-size", "1000", "--aql", "x"],
        ["--lot-size", "1000", "--aql", "1.0", "--inspection-level", "IV"],
        ["--aql", "1.0"],
    ],
)
def test_sample_plan_bad_values(runner, args):
    res = runner.invoke(sample_plan_command, args)
    assert res.exit_code == 2 and res.stdout == "" and "Error" in res.stderr


def test_sample_size(runner):
    res = runner.invoke(sample_size_command, ["--margin", "0.05"])
    assert json.loads(res.stdout) == {"sample_size": 385}
    res = runner.invoke(
        sample_size_command, ["--margin", "0.05", "--confidence", "0.95", "--population", "1000"]
    )
    assert json.loads(res.stdout) == {"sample_size": 278}
    for bad in (
        ["--margin", "0"],
        ["--margin", "1.5"],
        ["--margin", "0.05", "--confidence", "1"],
        ["--margin", "0.05", "--population", "0"],
        ["--margin", "nan"],
        ["--margin", "0.05", "--confidence", "nan"],
    ):
        res = runner.invoke(sample_size_command, bad)
        assert res.exit_code == 2 and res.stdout == ""


def test_every_command_and_option_has_help():
    for cmd in (agreement_command, sample_plan_command, sample_size_command):
        assert cmd.help
        for param in cmd.params:
            if param.param_type_name == "option":
                assert param.help, f"{cmd.name} {param.name}"
