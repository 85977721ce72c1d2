"""Sample sizes, seeded draws and ISO 2859-1 single sampling plans."""

import pytest

from annotate.metrics import (
    code_letter,
    draw_sample,
    sample_size,
    single_sampling_plan,
    zero_defect_sample_size,
)
from annotate.metrics.iso2859 import AQLS, CODE_LETTERS, SAMPLE_SIZES, table_cell


def test_sample_size_classic_values():
    assert sample_size(0.05) == 385
    assert sample_size(0.05, population=1000) == 278
    assert sample_size(0.03, confidence=0.99) == 1844
    assert sample_size(0.05, population=10) == 10
    with pytest.raises(ValueError):
        sample_size(0)
    with pytest.raises(ValueError):
        sample_size(0.05, confidence=1.0)


def test_zero_defect_sample_size():
    assert zero_defect_sample_size(0.01) == 299  # 0.99**299 < 0.05 < 0.99**298
    assert zero_defect_sample_size(0.05, 0.90) == 45
    # finite population: hypergeometric, never more than the population
    n = zero_defect_sample_size(0.01, population=500)
    assert n < 299 and n <= 500
    assert zero_defect_sample_size(0.5, population=2) == 2


def test_draw_sample_is_reproducible_and_order_free():
    ids = list(range(1000))
    a = draw_sample(ids, rate=0.1, seed=42)
    b = draw_sample(list(reversed(ids)), rate=0.1, seed=42)
    assert a == b and len(a) == 100 and a == sorted(a)
    assert draw_sample(ids, size=100, seed=43) != a
    assert draw_sample(["b", "a", "c"], size=3, seed=1) == ["a", "b", "c"]
    with pytest.raises(ValueError):
        draw_sample(ids, seed=1)
    with pytest.raises(ValueError):
        draw_sample([1, 1], size=1, seed=1)


def test_draw_sample_stratified():
    ids = list(range(1000))
    strata = ["big"] * 900 + ["mid"] * 95 + ["tiny"] * 5
    chosen = draw_sample(ids, size=50, seed=7, strata=strata, min_per_stratum=2)
    by = {s: sum(1 for i in chosen if strata[i] == s) for s in ("big", "mid", "tiny")}
    assert sum(by.values()) == 50
    assert by["tiny"] >= 2 and by["mid"] >= 4 and by["big"] >= 43
    again = draw_sample(ids, size=50, seed=7, strata=strata, min_per_stratum=2)
    assert chosen == again
    # minimums win over the size when they must
    assert len(draw_sample(ids, size=1, seed=7, strata=strata, min_per_stratum=1)) == 3


@pytest.mark.parametrize(
    ("lot", "levels"),
    [
        (8, "AAAAAAB"),
        (15, "AAAAABC"),
        (16, "AABBBCD"),
        (50, "ABBCCDE"),
        (90, "BBCCCEF"),
        (150, "BBCDDFG"),
        (280, "BCDEEGH"),
        (500, "BCDEFHJ"),
        (1000, "CCEFGJK"),
        (3200, "CDEGHKL"),
        (10000, "CDFGJLM"),
        (35000, "CDFHKMN"),
        (150000, "DEGJLNP"),
        (500000, "DEGJMPQ"),
        (500001, "DEHKNQR"),
    ],
)
def test_table_i_code_letters(lot, levels):
    got = "".join(code_letter(lot, lv) for lv in ("S-1", "S-2", "S-3", "S-4", "I", "II", "III"))
    assert got == levels


@pytest.mark.parametrize(
    ("lot", "aql", "level", "letter", "n", "ac", "re"),
    [
        (1000, 1.0, "II", "J", 80, 2, 3),
        (500, 0.65, "II", "H", 80, 1, 2),  # H (n=50) ↓ → J: n=80, 1/2
        (1000, 2.5, "II", "J", 80, 5, 6),
        (1000, 4.0, "II", "J", 80, 7, 8),
        (5000, 10.0, "II", "L", 125, 21, 22),  # L at 10 ↑ → K: n=125, 21/22
        (5000, 0.65, "II", "L", 200, 3, 4),
        (40, 4.0, "II", "D", 13, 1, 2),  # D ↓ → E
        (5, 6.5, "II", "A", 2, 0, 1),
        (600000, 0.65, "II", "Q", 1250, 14, 15),
        (100000, 1.5, "II", "N", 500, 14, 15),
        (2000, 0.10, "II", "K", 125, 0, 1),
        (2000, 0.15, "II", "K", 80, 0, 1),  # K at 0.15 ↑ → J: n=80, 0/1
        (10000, 1.0, "I", "J", 80, 2, 3),
        (300, 2.5, "S-4", "E", 20, 1, 2),  # E ↓ → F
        (300, 1000.0, "S-1", "B", 3, 44, 45),
    ],
)
def test_table_ii_a_plans(lot, aql, level, letter, n, ac, re):
    plan = single_sampling_plan(lot, aql, level)
    assert plan.code_letter == letter
    assert (plan.sample_size, plan.accept, plan.reject) == (n, ac, re)


def test_table_ii_a_structure():
    # each row's plans, left to right, follow the standard Ac/Re series
    rows = {letter: [table_cell(letter, a) for a in AQLS] for letter in CODE_LETTERS}
    plans = {k: [c for c in v if isinstance(c, tuple)] for k, v in rows.items()}
    series = [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (5, 6),
        (7, 8),
        (10, 11),
        (14, 15),
        (21, 22),
        (30, 31),
        (44, 45),
    ]
    assert plans["A"] == [series[0]] + series[1:10]
    for letter in "BCDE":
        assert plans[letter] == series
    for letter in "FGHJKLMNPQ":
        assert plans[letter] == series[:9]
    assert plans["R"] == series[1:9]
    assert len(SAMPLE_SIZES) == len(CODE_LETTERS) == 16 and len(AQLS) == 26


def test_full_inspection_and_errors():
    plan = single_sampling_plan(5, 0.65)
    assert plan.full_inspection and plan.sample_size == 5 and plan.table_sample_size == 20
    with pytest.raises(ValueError):
        single_sampling_plan(1000, 0.7)
    with pytest.raises(ValueError):
        single_sampling_plan(1, 1.0)
    with pytest.raises(ValueError):
        code_letter(100, "IV")
