"""The columnar CSV reader gives exactly the row reader's ratings, or the row reader's
line-numbered error, for every file (metrics/columnar.py; the row reader is the oracle)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotate.metrics import LongFormatError, columnar, ratings_from_long, read_long_file
from annotate.metrics.columnar import read_long_ratings


def _oracle(path, numeric):
    try:
        return ratings_from_long(*read_long_file(path, numeric=numeric), numeric=numeric)
    except ValueError as error:  # LongFormatError is one
        return error


def _same(got, want):
    assert got.items == want.items and got.annotators == want.annotators
    assert got.categories == want.categories
    for name in ("item_idx", "annot_idx", "value_idx"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
    if want.numeric is None:
        assert got.numeric is None
    else:
        assert np.array_equal(got.numeric, want.numeric)


def _check(path, numeric):
    want = _oracle(path, numeric)
    if isinstance(want, Exception):
        with pytest.raises(type(want)) as raised:
            read_long_ratings(path, numeric=numeric)
        assert str(raised.value) == str(want)
    else:
        _same(read_long_ratings(path, numeric=numeric), want)


CASES = {
    "plain": "item,annotator,label\n1,a,x\n1,b,y\n2,a,x\n2,b,x\n",
    "bom and crlf": "\ufeffitem,annotator,label\r\n1,a,x\r\n1,b,x\r\n",
    "spaces and ideographic space": "item , annotator,label\n 1,a ,x\n1,\u3000b, y\n",
    "separator control chars python strips": "item,annotator,label\n1\x1c,a,x\n1,b,x\n",
    "blank rows skipped": "item,annotator,label\n1,a,x\n\n , , \n1,b,x\n",
    "missing labels": 'item,annotator,label\n1,a,\n1,b,""\n2,a,x\n2,b,x\n3,a,\n',
    "quoted commas": 'item,annotator,label\n"1,2",a,"x, y"\n"1,2",b,"x, y"\n',
    "newline inside quotes": 'item,annotator,label\n1,a,"x\ny"\n1,b,x\n',
    "numbers": "item,annotator,label\n1,a,1\n1,b,1.0\n2,a,2\n2,b,1e0\n",
    "not a number": "item,annotator,label\n1,a,1\n1,b,lots\n",
    "infinite": "item,annotator,label\n1,a,1\n1,b,inf\n",
    "duplicate pair": "item,annotator,label\n1,a,x\n2,a,y\n1, a,z\n",
    "too few fields": "item,annotator,label\n1,a,x\n1,b\n",
    "too many fields": "item,annotator,label\n1,a,x,extra\n",
    "bad header": "item,rater,label\n1,a,x\n",
    "header only": "item,annotator,label\n",
    "empty file": "",
    "empty id": "item,annotator,label\n,a,x\n1,b,x\n",
    "non-ascii ids, not padded": "item,annotator,label\n条目1,标注员甲,是\n条目1,b,否\n",
    "non-ascii spaces python strips": "item,annotator,label\n1\x85,a,x\n1,\xa0b,x\n2,b\u2028,y\n",
    "unit separator at the end": "item,annotator,label\n1,a\x1f,x\n1,b,x\n",
    "missing label among numbers": "item,annotator,label\n1,a,1\n1,b,\n2,a,3\n2,b,2.5\n",
}


@pytest.mark.parametrize("numeric", [False, True])
@pytest.mark.parametrize("name", list(CASES))
def test_every_quirk_reads_as_the_row_reader_reads_it(tmp_path, name, numeric):
    path = tmp_path / "a.csv"
    path.write_text(CASES[name], encoding="utf-8", newline="")
    _check(path, numeric)


def test_a_file_that_is_not_utf8_gets_the_row_readers_error(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"item,annotator,label\n1,a,\xff\n")
    _check(path, False)


def test_a_clean_file_is_read_by_columns(tmp_path, monkeypatch):
    path = tmp_path / "a.csv"
    path.write_text(CASES["plain"], encoding="utf-8")
    want = _oracle(path, False)
    monkeypatch.setattr(columnar, "read_long_file", lambda *a, **k: pytest.fail("row reader"))
    _same(read_long_ratings(path), want)


def test_errors_name_the_line(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(CASES["duplicate pair"], encoding="utf-8")
    with pytest.raises(LongFormatError, match="line 4: duplicate"):
        read_long_ratings(path)


@pytest.mark.parametrize(
    ("last", "numeric", "message"),
    [
        (
            "item000000,a0,1",
            False,
            "line 80002: duplicate (item, annotator) pair ('item000000', 'a0'); first on line 2",
        ),
        ("i9999,a0", False, "line 80002:"),
        ("i9999,a0,lots", True, "line 80002:"),
        ("i9999,a0,inf", True, "line 80002:"),
    ],
)
def test_a_bad_last_line_of_a_long_file_is_named(tmp_path, last, numeric, message):
    # 1.3 MB: several Arrow blocks, each with its dictionaries; the columnar reader declines,
    # the row reader names the line, with the same message as reading row by row
    rows = [f"item{i:06d},a{a},{(i + a) % 3}" for i in range(40000) for a in range(2)]
    path = tmp_path / "long.csv"
    path.write_text("\n".join(["item,annotator,label", *rows, last]) + "\n", encoding="utf-8")
    want = _oracle(path, numeric)
    assert isinstance(want, LongFormatError) and message in str(want)
    _check(path, numeric)
    ok = tmp_path / "ok.csv"
    ok.write_text("\n".join(["item,annotator,label", *rows]) + "\n", encoding="utf-8")
    _check(ok, numeric)


CELL = st.text(alphabet=st.sampled_from(list('ab1 ,."\u3000\t-e')), max_size=4)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(CELL, CELL, CELL), max_size=12), numeric=st.booleans())
def test_random_files_read_as_the_row_reader_reads_them(tmp_path, rows, numeric):
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([("item", "annotator", "label"), *rows])
    path = tmp_path / "r.csv"
    path.write_text(text.getvalue(), encoding="utf-8", newline="")
    _check(path, numeric)
