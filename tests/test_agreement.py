"""Agreement: Cohen's kappa per layer between two label files, or a label file and the pipeline."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.metrics import cohen_kappa_score

from conftest import SMALL_CLAIMS
from pipeline import agreement
from pipeline.cli import cli
from pipeline.errors import InputError
from pipeline.paths import DEFAULT

A = pd.DataFrame({
    "claim_id": ["c1", "c2", "c3", "c4"],
    "actors": [["RUS"], ["RUS", "CHN"], [], ["USA"]],
    "themes": [["energy"], ["energy", "military"], ["military"], []],
    "claim_type": ["assertion", "prediction", "assertion", "question"],
    "hedged": [False, True, False, False],
})
B = pd.DataFrame({
    "claim_id": ["c1", "c2", "c3", "c4", "c5"],
    "actors": [["RUS"], ["RUS"], ["CHN"], ["USA"], ["RUS"]],
    "themes": [["energy"], ["energy"], ["military"], ["energy"], []],
    "claim_type": ["assertion", "assertion", "assertion", "question", "meta"],
    "hedged": [False, True, True, False, False],
})


def test_kappa_per_layer_is_sklearns_on_the_binary_decisions():
    result = agreement.agreement(A, B)
    assert (result["claims"], result["only_in_a"], result["only_in_b"]) == (4, 0, 1)
    themes = result["layers"]["themes"]
    energy_a, energy_b = [1, 1, 0, 0], [1, 1, 0, 1]
    military_a, military_b = [0, 1, 1, 0], [0, 0, 1, 0]
    assert themes["per_label"]["energy"]["kappa"] == round(cohen_kappa_score(energy_a, energy_b), 4)
    assert themes["per_label"]["military"]["kappa"] == round(cohen_kappa_score(military_a, military_b), 4)
    assert themes["all"]["kappa"] == round(cohen_kappa_score(energy_a + military_a, energy_b + military_b), 4)
    assert themes["all"]["n"] == 8 and themes["per_label"]["energy"]["a_positive"] == 2
    assert themes["per_label"]["energy"]["b_positive"] == 3
    assert set(result["layers"]["actors"]["per_label"]) == {"RUS", "CHN", "USA"}
    claim_type = result["layers"]["claim_type"]["all"]
    assert claim_type["kappa"] == round(cohen_kappa_score(A.claim_type, B.claim_type[:4]), 4)
    assert claim_type["agreement"] == 0.75
    hedged = result["layers"]["hedged"]["all"]
    assert hedged["kappa"] == round(cohen_kappa_score([0, 1, 0, 0], [0, 1, 1, 0]), 4)


def test_identical_labels_agree_perfectly_and_constant_decisions_have_no_kappa():
    result = agreement.agreement(A, A)
    assert result["layers"]["themes"]["all"]["kappa"] == 1.0
    constant = A.assign(hedged=False)
    assert agreement.agreement(constant, constant)["layers"]["hedged"]["all"] == {
        "n": 4, "agreement": 1.0, "kappa": None, "a_positive": 0, "b_positive": 0}


def test_a_gold_file_against_the_pipeline_lines_up_by_id_or_text(small_built, tmp_path):
    from pipeline.paths import Paths

    rows = [{"claim_id": "small:c00003", "doc_id": "small", "text": SMALL_CLAIMS["small:c00003"],
             "actors": ["RUS", "CHN", "USA"], "themes": ["energy", "sanctions"], "claim_type": "assertion",
             "hedged": False},
            {"claim_id": "small:c00999", "doc_id": "small", "text": SMALL_CLAIMS["small:c00004"],
             "actors": ["RUS"], "themes": ["sanctions"], "claim_type": "prediction", "hedged": True}]
    path = tmp_path / "coder.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = agreement.compare(str(path), "pipeline", datasets=Paths(small_built).datasets)
    assert result["claims"] == 2  # the second is found by its text although its id is not the run's
    assert result["layers"]["actors"]["all"]["agreement"] == 1.0
    assert result["layers"]["claim_type"]["all"]["agreement"] == 1.0
    assert result["layers"]["themes"]["per_label"]["trade_investment"] == {
        "n": 2, "agreement": 0.5, "kappa": 0.0, "a_positive": 0, "b_positive": 1}
    reverse = agreement.compare("pipeline", str(path), datasets=Paths(small_built).datasets)
    assert reverse["layers"]["themes"]["all"]["kappa"] == result["layers"]["themes"]["all"]["kappa"]


def test_cli_prints_a_table_or_json():
    gold, root = str(DEFAULT.gold_claims), str(DEFAULT.root)
    table = CliRunner().invoke(cli, ["agreement", gold, gold, "--root", root])
    assert table.exit_code == 0, table.output
    assert "layer" in table.output and "claim_type" in table.output and "(pooled)" in table.output
    as_json = CliRunner().invoke(cli, ["agreement", gold, gold, "--format", "json", "--root", root])
    data = json.loads(as_json.output)
    assert data["layers"]["hedged"]["all"]["kappa"] == 1.0 and data["claims"] > 300


@pytest.mark.parametrize("a, b, says", [
    ("pipeline", "pipeline", "both sides are `pipeline`"),
    ("no-such-file.jsonl", "pipeline", "label file not found"),
])
def test_bad_sources_get_one_line_errors(tmp_path, a, b, says):
    with pytest.raises(InputError, match=says):
        agreement.compare(a, b, datasets=tmp_path)


def test_pipeline_side_needs_a_run_first(tmp_path):
    path = tmp_path / "coder.jsonl"
    path.write_text('{"claim_id": "d:c1", "text": "x", "actors": []}\n', encoding="utf-8")
    with pytest.raises(InputError, match="run `make all` first"):
        agreement.compare(str(path), "pipeline", datasets=tmp_path / "datasets")
