"""Extending the schemas: a theme (in a new group) and an actor added in YAML reach every output, no code change,
and the rerun re-tags without re-parsing or redoing the stages whose inputs did not change."""

from __future__ import annotations

import shutil
import sqlite3

import pandas as pd
import pytest

from pipeline import parse, runner
from pipeline.config import Config
from pipeline.paths import DEFAULT, Paths
from pipeline.search import search

NEW_GROUP = "  - {id: environment, label: Environment}\n"
NEW_THEME = """  - id: climate
    label: Climate change
    group: environment
    definition: climate change, climate agreements and climate policy
    cues: [climate]
"""
NEW_ACTOR = """  - id: ARCTIC_COUNCIL
    label: Arctic Council
    kind: organisation
    names: [Arctic Council]
"""


def extend(paths: Paths):
    themes = paths.themes.read_text(encoding="utf-8")
    themes = themes.replace("\nthemes:\n", "\n" + NEW_GROUP.rstrip("\n") + "\n\nthemes:\n", 1) + NEW_THEME
    paths.themes.write_text(themes, encoding="utf-8")
    paths.actors.write_text(paths.actors.read_text(encoding="utf-8") + NEW_ACTOR, encoding="utf-8")


@pytest.mark.slow
def test_a_new_theme_and_actor_reach_every_output_without_reparsing(tmp_path, monkeypatch):
    shutil.copytree(DEFAULT.corpus, tmp_path / "corpus")
    shutil.copytree(DEFAULT.annotations, tmp_path / "annotations")
    if DEFAULT.parse_cache.exists():  # the parse cache is keyed by text and model: safe to share, and saves a minute
        shutil.copytree(DEFAULT.parse_cache, tmp_path / ".cache" / "parse")
    paths, config = Paths(tmp_path), Config(quiet=True)
    first = runner.compute(paths, config)
    assert "climate" not in set(first.tables["claim_themes"].theme_id)

    extend(paths)
    assert runner.validate(paths) is None
    parse._loaded.clear()  # the rerun must read the parses from the DocBin on disk, not from this process

    def no_parsing(*args, **kwargs):
        raise AssertionError("a schema-only rerun must not parse any text")

    monkeypatch.setattr(parse, "_parse", no_parsing)
    result = runner.build(paths, config)

    assert {"structure", "parse", "claims", "citations"} <= set(result.cached)
    assert "themes" not in result.cached and "actors" not in result.cached

    datasets = paths.datasets
    themes = pd.read_parquet(datasets / "claim_themes.parquet")
    climate = themes[themes.theme_id == "climate"]
    assert len(climate) >= 2 and set(climate.group) == {"environment"} and set(climate.method) == {"lexicon"}
    actors = pd.read_parquet(datasets / "claim_actors.parquet")
    assert "ARCTIC_COUNCIL" in set(actors.actor_id)
    mentions = pd.read_parquet(datasets / "actor_mentions.parquet")
    assert set(mentions[mentions.actor_id == "ARCTIC_COUNCIL"].surface) == {"Arctic Council"}

    with sqlite3.connect(paths.database) as connection:
        assert connection.execute("select count(*) from claim_themes where theme_id = 'climate'").fetchone()[0] \
            == len(climate)
        assert connection.execute("select count(*) from claim_actors where actor_id = 'ARCTIC_COUNCIL'"
                                  ).fetchone()[0] >= 1

    by_theme = search(paths.database, "", theme="climate", limit=0)
    assert set(by_theme.claim_id) == set(climate.claim_id)
    assert set(search(paths.database, "", theme="environment", limit=0).claim_id) == set(climate.claim_id)
    assert len(search(paths.database, "", actor="ARCTIC_COUNCIL", limit=0)) >= 1

    if "write_summaries" not in {writer.__name__ for writer in runner.WRITERS}:
        pytest.skip("the summaries writer is not wired into runner.WRITERS yet; datasets, database and search checked")
    frequencies = pd.read_csv(paths.summaries / "theme_frequencies_by_document.csv")
    assert "climate" in set(frequencies.theme_id)
    assert frequencies[frequencies.theme_id == "climate"]["claims"].sum() == climate.claim_id.nunique()
    groups = pd.read_csv(paths.summaries / "group_frequencies_by_document.csv")
    assert "environment" in set(groups[groups.columns[groups.columns.str.contains("group")][0]])
