"""The task-type figures of :mod:`annotate.metrics.taskwise`, by hand and against
scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import f1_score, jaccard_score, mean_absolute_error
from sklearn.preprocessing import MultiLabelBinarizer

from annotate.metrics.taskwise import (
    char_similarity,
    gold_closeness,
    gold_span_f1,
    jaccard,
    levenshtein,
    normalise_text,
    position_counts,
    shown_position,
    span_counts,
    text_agreement,
)


def test_jaccard_by_hand_and_empty_sets():
    assert jaccard({"a", "b"}, {"a", "b", "c"}) == pytest.approx(2 / 3)
    assert jaccard([], []) == 1.0
    assert jaccard(["a"], []) == 0.0


def test_set_overlap_gold_accuracy_matches_sklearn_samples_jaccard():
    rng = np.random.default_rng(3)
    labels = ["a", "b", "c", "d"]
    given, gold = [], {}
    for i in range(60):
        gold[i] = [x for x in labels if rng.random() < 0.5] or ["a"]
        given.append([x for x in labels if rng.random() < 0.5] or ["b"])
    ours = gold_closeness(list(range(60)), given, gold, jaccard)
    mlb = MultiLabelBinarizer(classes=labels)
    expected = jaccard_score(
        mlb.fit_transform([gold[i] for i in range(60)]), mlb.transform(given), average="samples"
    )
    assert ours == pytest.approx(expected, abs=1e-12)


def test_mean_absolute_deviation_matches_sklearn():
    rng = np.random.default_rng(4)
    gold = {i: int(rng.integers(1, 6)) for i in range(0, 50, 2)}
    items = list(range(50))
    values = [int(rng.integers(1, 6)) for _ in items]
    ours = gold_closeness(items, values, gold, lambda a, g: abs(a - g))
    on = [i for i in items if i in gold]
    expected = mean_absolute_error([gold[i] for i in on], [values[i] for i in on])
    assert ours == pytest.approx(expected, abs=1e-12)


def test_gold_span_f1_exact_is_micro_f1_over_spans():
    gold = {1: [(0, 4, "PER")], 2: [(0, 3, "LOC"), (5, 9, "ORG")]}
    spans = [[(0, 4, "PER")], [(0, 3, "LOC"), (5, 8, "ORG")], [(1, 2, "PER")]]
    # item 3 has no gold: ignored; tp = 2, |A| = 3, |G| = 3 -> F1 = 4 / 6
    assert gold_span_f1([1, 2, 3], spans, gold) == pytest.approx(4 / 6)
    # overlap mode on characters equals sklearn's micro F1 over labelled characters
    inter, size = span_counts(spans[1], gold[2], "overlap")
    chars = [(c, lab) for s, e, lab in spans[1] for c in range(s, e)]
    gold_chars = [(c, lab) for s, e, lab in gold[2] for c in range(s, e)]
    universe = sorted(set(chars) | set(gold_chars))
    y_pred = [int(u in chars) for u in universe]
    y_true = [int(u in gold_chars) for u in universe]
    assert 2 * inter / size == pytest.approx(f1_score(y_true, y_pred), abs=1e-12)
    assert gold_span_f1([3], [spans[2]], gold) is None


def test_normalisation_and_character_similarity():
    assert normalise_text("  ＴＨＥ\u3000Cat\n sat ") == "the cat sat"
    assert levenshtein("kitten", "sitting") == 3
    assert char_similarity("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert char_similarity("", "") == 1.0
    assert char_similarity("ABC", "abc") == 1.0


def test_text_agreement_per_item_means():
    items = [1, 1, 1, 2, 2, 3]
    anns = ["a", "b", "c", "a", "b", "a"]
    texts = ["Yes", "yes ", "no", "cat", "bat", "alone"]
    got = text_agreement(items, anns, texts)
    # item 1: pairs (yes,yes) (yes,no) (yes,no) -> 1/3; item 2: 0; item 3: no pair
    assert got["exact_match"] == pytest.approx((1 / 3 + 0) / 2)
    sim1 = (1 + 2 * (1 - 3 / 3)) / 3
    assert got["char_similarity"] == pytest.approx((sim1 + (1 - 1 / 3)) / 2)
    assert text_agreement([1], ["a"], ["x"]) == {"exact_match": None, "char_similarity": None}


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_bad_ids_and_scores_are_refused(bad):
    with pytest.raises(ValueError, match="items"):
        text_agreement([bad, 1], ["a", "b"], ["x", "y"])
    with pytest.raises(ValueError, match="items"):
        gold_closeness([bad], [1], {1: 1}, lambda a, g: 0.0)
    with pytest.raises(ValueError, match="score"):
        gold_closeness([1], [1], {1: 1}, lambda a, g: bad)
    with pytest.raises(ValueError, match="duplicate"):
        text_agreement([1, 1], ["a", "a"], ["x", "y"])
    with pytest.raises(ValueError, match="mode"):
        span_counts([], [], "fuzzy")


def test_position_counts_separate_the_shown_position_from_the_content():
    # an annotator who always prefers the response shown first, over a balanced order: "A"
    # (content) wins half the time, the first position every time
    swapped = [False, True, False, True, None, False]
    choices = ["A", "B", "A", "B", "A", "tie"]
    assert position_counts(choices, swapped) == (4, 0, 1)
    assert [shown_position(c, s) for c, s in zip(choices, swapped, strict=True)] == [
        0, 0, 0, 0, None, None
    ]  # fmt: skip
    assert shown_position("A", True) == 1 and shown_position("B", False) == 1
    assert position_counts([], []) == (0, 0, 0)
    with pytest.raises(ValueError, match="differ in length"):
        position_counts(["A"], [])
    with pytest.raises(ValueError, match="swapped"):
        position_counts(["A"], ["yes"])
