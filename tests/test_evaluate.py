"""The gold evaluation's figures and their intervals, on small inline gold sets."""

from __future__ import annotations

import pandas as pd

from pipeline import evaluate


def gold_claims(n: int = 40) -> pd.DataFrame:
    return pd.DataFrame({
        "claim_id": [f"d:c{i:05d}" for i in range(n)],
        "actors": [["RUS"] if i % 2 else ["CHN", "USA"] for i in range(n)],
        "agents": [["RUS"] if i % 2 else [] for i in range(n)],
        "themes": [["energy"] if i % 3 else ["military", "alignment"] for i in range(n)],
        "claim_type": ["assertion" if i % 4 else "prediction" for i in range(n)],
        "hedged": [i % 5 == 0 for i in range(n)],
        "markers": [[] for _ in range(n)],
    })


def with_errors(gold: pd.DataFrame) -> pd.DataFrame:
    """Every 4th claim loses its themes and gets the wrong type."""
    wrong = [i % 4 == 1 for i in range(len(gold))]
    return gold.assign(themes=[[] if w else t for w, t in zip(wrong, gold.themes)],
                       claim_type=["question" if w else t for w, t in zip(wrong, gold.claim_type)])


def test_perfect_labels_have_intervals_of_one_point():
    gold = gold_claims()
    assert set(map(tuple, evaluate.intervals(gold, gold).values())) == {(1.0, 1.0)}


def test_the_interval_holds_the_figure_and_is_the_same_on_every_run():
    gold, predicted = gold_claims(), with_errors(gold_claims())
    scores = evaluate.layer_scores(gold, predicted)
    low, high = scores["intervals"]["themes_micro_f1"]
    assert low < scores["themes_micro"]["f1"] < high
    low, high = scores["intervals"]["claim_type_accuracy"]
    assert low < scores["claim_type_accuracy"] == 0.75 < high
    assert evaluate.intervals(gold, predicted) == scores["intervals"]


def test_more_claims_give_a_narrower_interval():
    def width(n):
        low, high = evaluate.intervals(gold_claims(n), with_errors(gold_claims(n)))["claim_type_accuracy"]
        return high - low

    assert width(400) < width(40) / 2


def test_the_table_prints_the_heldout_intervals():
    gold, predicted = gold_claims(), with_errors(gold_claims())
    scores = evaluate.layer_scores(gold, predicted)
    table = evaluate.format_table({"unmatched_gold_claims": [], "train": scores, "heldout": scores})
    low, high = scores["intervals"]["claim_type_accuracy"]
    assert "heldout 95% intervals (claims resampled): actors F1 1.000-1.000" in table
    assert f"claim type {low:.3f}-{high:.3f}" in table


def test_each_claim_type_has_its_precision_and_recall_and_the_table_prints_them():
    gold, predicted = gold_claims(), with_errors(gold_claims())
    scores = evaluate.layer_scores(gold, predicted)
    per_type = scores["claim_types_per_type"]
    assert set(per_type) == {"assertion", "prediction", "question"}
    # every 4th claim (i % 4 == 1, an assertion in the gold) was typed a question
    assert per_type["assertion"] == {"precision": 1.0, "recall": 0.6667, "f1": 0.8, "support": 30}
    assert per_type["question"] == {"precision": 0.0, "recall": 1.0, "f1": 0.0, "support": 0}
    assert per_type["prediction"]["f1"] == 1.0
    table = evaluate.format_table({"unmatched_gold_claims": [], "train": scores, "heldout": {}})
    assert "  assertion P/R        1.00/0.67         -" in table.splitlines()
