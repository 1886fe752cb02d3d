"""Dataset files: Parquet, CSV and JSONL for every table, the data dictionary, byte-identical reruns."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from pipeline import datasets
from pipeline.paths import Paths
from test_database import corpus_tables

# The dataset contract of /work/shared/DESIGN.md (minimum columns), plus the columns the stages add.
CONTRACT = {
    "documents": "doc_id kind title date source sha256 n_pages text",
    "sections": "doc_id section_id number title level parent_id page",
    "paragraphs": "doc_id paragraph_id section_id kind page_start page_end start end text",
    "claims": "claim_id doc_id paragraph_id section_id section_number section_title page start end text claim_type "
              "hedged markers",
    "actor_mentions": "claim_id actor_id surface start end role method",
    "claim_actors": "claim_id actor_id role",
    "claim_themes": "claim_id theme_id group score method evidence",
    "footnotes": "doc_id note page text resolved",
    "markers": "doc_id note start page paragraph_id resolved",
    "references": "ref_id doc_id note authors author_list year pages cue kind raw",
    "claim_citations": "claim_id doc_id note ref_id resolved",
}


@pytest.fixture(scope="module")
def tables():
    return corpus_tables()


@pytest.fixture(scope="module")
def written(tables, tmp_path_factory):
    paths = Paths(tmp_path_factory.mktemp("project"))
    datasets.write_datasets(SimpleNamespace(tables=tables), paths, None)
    return paths.datasets


def test_every_table_is_written_in_every_format(written, tables):
    expected = {f"{name}.{fmt}" for name in tables for fmt in datasets.FORMATS} | {"README.md"}
    assert {path.name for path in written.iterdir()} == expected


def test_only_dataset_tables_are_written(tmp_path, tables):
    datasets.write_tables({"claims": tables["claims"], "lines": pd.DataFrame({"x": [1]})}, tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["claims.csv", "claims.jsonl", "claims.parquet"]


@pytest.mark.parametrize("name", list(CONTRACT))
def test_parquet_round_trips(written, tables, name):
    back = pd.read_parquet(written / f"{name}.parquet")
    assert list(back.columns) == list(tables[name].columns) and len(back) == len(tables[name])
    for column in datasets.list_columns(tables[name]):
        assert [list(value) for value in back[column]] == [list(value) for value in tables[name][column]]


@pytest.mark.parametrize("name, column", [("claims", "markers"), ("references", "author_list"),
                                          ("claim_themes", "evidence"), ("paragraphs", "page_breaks")])
def test_csv_lists_are_json_arrays(written, tables, name, column):
    back = pd.read_csv(written / f"{name}.csv", keep_default_na=False)
    assert [json.loads(cell) for cell in back[column]] == [list(value) for value in tables[name][column]]
    assert all(cell.startswith("[") for cell in back[column])


def test_csv_keeps_rows_columns_and_missing_values(written, tables):
    back = pd.read_csv(written / "references.csv")
    assert list(back.columns) == list(tables["references"].columns)
    assert back["note"].isna().tolist() == tables["references"]["note"].isna().tolist()
    claims = pd.read_csv(written / "claims.csv")
    assert claims["text"].tolist() == tables["claims"]["text"].tolist()
    assert claims["hedged"].tolist() == tables["claims"]["hedged"].tolist()


def test_jsonl_has_one_object_per_row_with_lists_and_nulls(written, tables):
    rows = [json.loads(line) for line in (written / "references.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(tables["references"]) and list(rows[0]) == list(tables["references"].columns)
    in_text = next(row for row in rows if row["ref_id"] == "r:t1")
    assert in_text["note"] is None and in_text["author_list"] == ["Roberts"] and in_text["year"] == 2018
    claims = [json.loads(line) for line in (written / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["markers"] for row in claims] == tables["claims"]["markers"].tolist()
    assert {type(row["hedged"]) for row in claims} == {bool}
    assert "–" in (written / "references.jsonl").read_text(encoding="utf-8")  # UTF-8, not \u escapes


def test_rerun_writes_identical_bytes(tables, tmp_path):
    first, second = Paths(tmp_path / "a"), Paths(tmp_path / "b")
    datasets.write_datasets(SimpleNamespace(tables=tables), first, None)
    datasets.write_datasets(SimpleNamespace(tables=corpus_tables()), second, None)
    names = sorted(path.name for path in first.datasets.iterdir())
    assert names == sorted(path.name for path in second.datasets.iterdir())
    for name in names:
        assert (first.datasets / name).read_bytes() == (second.datasets / name).read_bytes(), name


def test_empty_tables_are_written_with_their_columns(tmp_path, tables):
    empty = {name: frame.iloc[0:0] for name, frame in tables.items()}
    datasets.write_datasets(SimpleNamespace(tables=empty), Paths(tmp_path), None)
    assert pd.read_csv(tmp_path / "outputs/datasets/claims.csv").columns.tolist() == list(tables["claims"].columns)
    assert (tmp_path / "outputs/datasets/claims.jsonl").read_bytes() == b""
    assert len(pd.read_parquet(tmp_path / "outputs/datasets/claims.parquet")) == 0


# --------------------------------------------------------------------------- the data dictionary


@pytest.mark.parametrize("name", list(CONTRACT))
def test_dictionary_describes_every_contract_column(name):
    missing = [c for c in CONTRACT[name].split() if not datasets.describe(name, c)]
    assert missing == []


def test_dictionary_describes_every_column_written(tables):
    assert datasets.undocumented(tables) == []
    assert set(datasets.DICTIONARY) == set(datasets.DATASET_TABLES)


def test_an_undocumented_column_is_found_and_flagged(tables):
    extra = dict(tables, claims=tables["claims"].assign(mood="grim"))
    assert datasets.undocumented(extra) == ["claims.mood"]
    assert "| `mood` | string | **undocumented** |" in datasets.data_dictionary(extra)


def test_readme_lists_every_table_and_column_with_its_type(written, tables):
    readme = (written / "README.md").read_text(encoding="utf-8")
    for name, frame in tables.items():
        assert f"\n## {name}\n" in readme and f"| [{name}](#{name}) | {len(frame)} |" in readme
        for column in frame.columns:
            assert f"| `{column}` |" in readme, (name, column)
    assert "| `markers` | list of integer |" in readme and "| `hedged` | boolean |" in readme
    assert "**undocumented**" not in readme


@pytest.mark.slow
def test_real_corpus_columns_are_all_documented():
    from pipeline import runner

    tables = runner.compute().tables
    assert datasets.undocumented(tables) == []


def test_alignments_columns_are_described_where_the_table_is_made():
    from pipeline import align

    assert datasets.undocumented({"alignments": align.empty()}) == []
    assert datasets.describe("alignments", "score") == align.COLUMNS["score"]
